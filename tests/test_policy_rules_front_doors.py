"""private-backend-front-doors (issue 11, class 6): nothing public leads to the private API, its
endpoint, its domain or the internal load balancer in front of it."""

import pytest
from gatehouse_guard.rules.front_doors import check_front_doors
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import (
    ACCOUNT,
    ALB_ARN,
    ALB_DNS,
    DOMAIN,
    ENDPOINT_DNS,
    LISTENER_ARN,
    PRIVATE_API_ID,
    PUBLIC_API_ID,
    added,
    find,
    stack,
)

NLB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/net/private-nlb/0123456789abcdef"


def messages(resources) -> list[str]:
    return [f.message for f in check_front_doors(resources)]


def base():
    return stack(alb=True)


def test_baseline_passes():
    assert messages(base()) == []


# -- HTTP APIs (apigatewayv2) -----------------------------------------------------------------

def with_http_api(resources):
    return added(resources, "aws:apigatewayv2/api:Api", "edge-api",
                 {"id": "h77", "protocolType": "HTTP", "apiEndpoint": "https://h77.execute-api.us-east-1.amazonaws.com"})


@pytest.mark.parametrize("uri", [LISTENER_ARN, ALB_ARN])
def test_an_http_api_vpc_link_to_the_internal_alb_is_a_violation(uri):
    resources = added(with_http_api(base()), "aws:apigatewayv2/integration:Integration", "to-alb", {
        "apiId": "h77", "integrationType": "HTTP_PROXY", "integrationMethod": "ANY",
        "connectionType": "VPC_LINK", "connectionId": "vl-1", "integrationUri": uri})
    [message] = messages(resources)
    assert "Integration 'to-alb' connects Api 'edge-api' (HTTP APIs are always public) through a VPC " \
           "link to internal load balancer LoadBalancer 'private-domain-alb'" in message


def test_an_http_api_vpc_link_to_an_undeclared_listener_cannot_be_checked():
    resources = added(with_http_api(base()), "aws:apigatewayv2/integration:Integration", "to-x", {
        "apiId": "h77", "integrationType": "HTTP_PROXY", "connectionType": "VPC_LINK",
        "integrationUri": "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/x/1/2"})
    [message] = messages(resources)
    assert "which this stack does not declare" in message


@pytest.mark.parametrize("uri, reached", [
    (f"https://{PRIVATE_API_ID}.execute-api.us-east-1.amazonaws.com/v1/{{proxy}}", "the PRIVATE RestApi 'private-api'"),
    (f"https://{ENDPOINT_DNS}/v1", "execute-api endpoint VpcEndpoint 'execute-api'"),
    (f"https://{DOMAIN}/security", "private custom domain DomainName 'private-domain'"),
    (f"https://{ALB_DNS.upper()}/", "internal load balancer LoadBalancer 'private-domain-alb'"),
])
def test_an_http_api_proxy_to_a_private_host_is_a_violation(uri, reached):
    resources = added(with_http_api(base()), "aws:apigatewayv2/integration:Integration", "proxy", {
        "apiId": "h77", "integrationType": "HTTP_PROXY", "integrationMethod": "ANY", "integrationUri": uri})
    [message] = messages(resources)
    assert f"sends Api 'edge-api''s requests (HTTP APIs are always public) to {reached}" in message


# -- REST APIs ---------------------------------------------------------------------------------

def rest_integration(**props):
    return {"restApi": PUBLIC_API_ID, "httpMethod": "ANY", "integrationHttpMethod": "ANY", **props}


@pytest.mark.parametrize("uri", [
    f"https://{PRIVATE_API_ID}.execute-api.us-east-1.amazonaws.com/v1/security",
    f"https://{PRIVATE_API_ID}-vpce-0abc.execute-api.us-east-1.amazonaws.com/v1/security",
    f"https://{ENDPOINT_DNS}/v1/security",
    "https://vpce-0other-123.execute-api.us-east-1.vpce.amazonaws.com/",
])
@pytest.mark.parametrize("type_", ["HTTP_PROXY", "HTTP"])
def test_a_public_rest_api_proxying_to_the_private_api_or_endpoint_is_a_violation(uri, type_):
    resources = added(base(), "aws:apigateway/integration:Integration", "relay",
                      rest_integration(type=type_, uri=uri))
    [message] = messages(resources)
    assert "Integration 'relay' sends the public RestApi 'public-api''s requests to" in message


def test_a_url_built_from_the_private_api_id_is_caught_by_dependency_in_a_preview():
    private = find(base(), "private-api")
    resources = added(base(), "aws:apigateway/integration:Integration", "relay",
                      rest_integration(type="HTTP_PROXY", uri=UNKNOWN), uri=(private.urn,))
    [message] = messages(resources)
    assert "to the PRIVATE RestApi 'private-api'" in message


def with_nlb(resources):
    resources = added(resources, "aws:lb/loadBalancer:LoadBalancer", "private-nlb", {
        "arn": NLB_ARN, "internal": True, "loadBalancerType": "network"})
    return added(resources, "aws:apigateway/vpcLink:VpcLink", "link", {"id": "vl0rest", "targetArn": NLB_ARN})


def test_a_rest_vpc_link_from_the_public_api_to_an_internal_nlb_is_a_violation():
    resources = added(with_nlb(base()), "aws:apigateway/integration:Integration", "via-link",
                      rest_integration(type="HTTP_PROXY", connectionType="VPC_LINK", connectionId="vl0rest",
                                       uri="http://private-nlb.internal/"))
    [message] = messages(resources)
    assert "connects the public RestApi 'public-api' into the VPC through VPC link VpcLink 'link' to " \
           "internal load balancer LoadBalancer 'private-nlb'" in message


def test_a_rest_vpc_link_v2_to_the_internal_alb_is_a_violation():
    resources = added(base(), "aws:apigateway/integration:Integration", "via-link-v2",
                      rest_integration(type="HTTP_PROXY", connectionType="VPC_LINK", connectionId="vl2abc",
                                       integrationTarget=ALB_ARN, uri=f"https://{DOMAIN}/"))
    [message] = messages(resources)
    assert "through VPC link vl2abc to internal load balancer LoadBalancer 'private-domain-alb'" in message


def test_a_rest_vpc_link_through_a_stage_variable_cannot_be_checked():
    resources = added(with_nlb(base()), "aws:apigateway/integration:Integration", "via-var",
                      rest_integration(type="HTTP_PROXY", connectionType="VPC_LINK",
                                       connectionId="${stageVariables.vpcLinkId}", uri="http://x/"))
    [message] = messages(resources)
    assert "which this stack does not declare" in message


def test_the_private_api_may_use_a_vpc_link():
    resources = added(with_nlb(base()), "aws:apigateway/integration:Integration", "private-link",
                      rest_integration(restApi=PRIVATE_API_ID, type="HTTP_PROXY", connectionType="VPC_LINK",
                                       connectionId="vl0rest", uri="http://private-nlb.internal/"))
    assert messages(resources) == []


# -- CloudFront, Global Accelerator ------------------------------------------------------------

def test_a_cloudfront_vpc_origin_on_the_internal_alb_is_a_violation():
    resources = added(base(), "aws:cloudfront/vpcOrigin:VpcOrigin", "cdn-origin", {
        "id": "vo-1", "vpcOriginEndpointConfig": {"arn": ALB_ARN, "name": "alb", "httpPort": 80,
                                                   "httpsPort": 443, "originProtocolPolicy": "https-only"}})
    [message] = messages(resources)
    assert "VpcOrigin 'cdn-origin' makes internal load balancer LoadBalancer 'private-domain-alb' a " \
           "CloudFront origin" in message


def test_a_distribution_using_that_vpc_origin_is_a_violation():
    resources = added(base(), "aws:cloudfront/vpcOrigin:VpcOrigin", "cdn-origin", {
        "id": "vo-1", "vpcOriginEndpointConfig": [{"arn": ALB_ARN}]})
    resources = added(resources, "aws:cloudfront/distribution:Distribution", "cdn", {"origins": [
        {"originId": "alb", "domainName": "anything.example.com", "vpcOriginConfig": {"vpcOriginId": "vo-1"}}]})
    assert any("Distribution 'cdn' origin alb serves internal load balancer" in m for m in messages(resources))


@pytest.mark.parametrize("domain", [ALB_DNS, ENDPOINT_DNS, DOMAIN])
def test_a_distribution_whose_origin_is_a_private_host_is_a_violation(domain):
    resources = added(base(), "aws:cloudfront/distribution:Distribution", "cdn", {"origins": [
        {"originId": "o", "domainName": domain, "customOriginConfig": {"originProtocolPolicy": "https-only"}}]})
    [message] = messages(resources)
    assert "Distribution 'cdn' origin o serves" in message


def test_a_global_accelerator_endpoint_on_the_internal_alb_is_a_violation():
    resources = added(base(), "aws:globalaccelerator/endpointGroup:EndpointGroup", "ga", {
        "listenerArn": "arn:aws:globalaccelerator::1:accelerator/a/listener/l",
        "endpointConfigurations": [{"endpointId": ALB_ARN, "clientIpPreservationEnabled": True}]})
    [message] = messages(resources)
    assert "EndpointGroup 'ga' puts Global Accelerator" in message and "private-domain-alb" in message


def test_custom_routing_into_the_endpoint_subnets_is_a_violation():
    resources = added(base(), "aws:globalaccelerator/customRoutingEndpointGroup:CustomRoutingEndpointGroup",
                      "ga-custom", {"endpointConfigurations": [{"endpointId": "subnet-a"}]})
    [message] = messages(resources)
    assert "routes Global Accelerator traffic into subnet subnet-a" in message


# -- DNS ---------------------------------------------------------------------------------------

def with_public_zone(resources):
    return added(resources, "aws:route53/zone:Zone", "public-zone",
                 {"zoneId": "Z0PUBLIC", "name": "example.com"})


@pytest.mark.parametrize("name", [DOMAIN, "api.internal", f"{DOMAIN.upper()}."])
def test_a_record_for_the_private_domain_in_a_public_zone_is_a_violation(name):
    resources = added(with_public_zone(base()), "aws:route53/record:Record", "leak", {
        "zoneId": "Z0PUBLIC", "name": name, "type": "CNAME", "ttl": 300, "records": ["x.example.net"]})
    [message] = messages(resources)
    assert f"Record 'leak' in PUBLIC hosted zone Zone 'public-zone' names the private domain {DOMAIN}" in message


def test_a_public_record_pointing_at_the_internal_alb_is_a_violation():
    resources = added(with_public_zone(base()), "aws:route53/record:Record", "alb-name", {
        "zoneId": "Z0PUBLIC", "name": "svc.example.com", "type": "A",
        "aliases": [{"name": ALB_DNS, "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": False}]})
    [message] = messages(resources)
    assert "points at internal load balancer LoadBalancer 'private-domain-alb'" in message


def test_records_exclusive_in_a_public_zone_is_judged_too():
    resources = added(with_public_zone(base()), "aws:route53/recordsExclusive:RecordsExclusive", "all", {
        "zoneId": "Z0PUBLIC", "resourceRecordSets": [
            {"name": DOMAIN, "type": "A", "aliasTarget": [{"dnsName": ALB_DNS, "hostedZoneId": "Z3"}]}]})
    [message] = messages(resources)
    assert f"RecordsExclusive 'all' record {DOMAIN} in PUBLIC hosted zone" in message


def test_a_certificate_validation_record_in_the_public_zone_passes():
    resources = added(with_public_zone(base()), "aws:route53/record:Record", "cert-validation", {
        "zoneId": "Z0PUBLIC", "name": f"_3f2a.{DOMAIN}", "type": "CNAME", "ttl": 60,
        "records": ["_x.acm-validations.aws"]})
    assert messages(resources) == []


def test_a_zone_made_private_by_a_zone_association_is_not_public():
    resources = added(with_public_zone(base()), "aws:route53/zoneAssociation:ZoneAssociation", "assoc",
                      {"zoneId": "Z0PUBLIC", "vpcId": "vpc-0dev"})
    resources = added(resources, "aws:route53/record:Record", "inside", {
        "zoneId": "Z0PUBLIC", "name": DOMAIN, "type": "A",
        "aliases": [{"name": ALB_DNS, "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": False}]})
    assert messages(resources) == []


# -- during a preview the ALB's ARN and DNS name are unknown: the dependency still joins ----------

def alb_urn():
    return find(base(), "private-domain-alb").urn


@pytest.mark.parametrize("type_, props, shown", [
    ("aws:cloudfront/vpcOrigin:VpcOrigin", {"vpcOriginEndpointConfig": UNKNOWN}, "a CloudFront origin"),
    ("aws:globalaccelerator/endpointGroup:EndpointGroup", {"endpointConfigurations": [{"endpointId": UNKNOWN}]},
     "puts Global Accelerator"),
])
def test_a_front_built_from_the_internal_alb_is_caught_by_dependency(type_, props, shown):
    prop = next(iter(props))
    resources = added(base(), type_, "front", props, **{prop: (alb_urn(),)})
    [finding] = check_front_doors(resources)
    assert not finding.unknown and shown in finding.message and "private-domain-alb" in finding.message


def test_a_distribution_whose_origin_is_built_from_a_vpc_origin_on_the_alb_is_caught():
    resources = added(base(), "aws:cloudfront/vpcOrigin:VpcOrigin", "cdn-origin", {"id": UNKNOWN,
                      "vpcOriginEndpointConfig": UNKNOWN}, vpcOriginEndpointConfig=(alb_urn(),))
    origin = find(resources, "cdn-origin")
    resources = added(resources, "aws:cloudfront/distribution:Distribution", "cdn",
                      {"origins": [{"originId": "alb", "domainName": UNKNOWN,
                                    "vpcOriginConfig": {"vpcOriginId": UNKNOWN}}]}, origins=(origin.urn,))
    found = [f.message for f in check_front_doors(resources)]
    assert any("Distribution 'cdn' has an origin built from internal load balancer" in m for m in found)


def test_a_public_record_aliasing_the_alb_is_caught_by_dependency():
    resources = added(with_public_zone(base()), "aws:route53/record:Record", "svc", {
        "zoneId": "Z0PUBLIC", "name": "svc.example.com", "type": "A",
        "aliases": [{"name": UNKNOWN, "zoneId": UNKNOWN, "evaluateTargetHealth": False}]},
        aliases=(alb_urn(),))
    [message] = messages(resources)
    assert "points at internal load balancer LoadBalancer 'private-domain-alb'" in message
