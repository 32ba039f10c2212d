"""The Pulumi program under Pulumi's official mocks: for each shipped stack, the exact resources
and the properties that carry the security."""

import ipaddress
import json
import subprocess
import sys
from collections import Counter

import pytest

from components.resource_policy import build_private_api_policy
from pipeline import render
from pipeline.stack_files import PROJECT_DIR, stack_config_map
from stack_config import ConfigError
from tests.program_support import copy_stack_file, only, policy_of, project_copy, rendered

# What every stack with one public and one private service builds, whatever the domain mode.
CORE = {
    "gatehouse:backend:ServiceBackend": 2,
    "aws:lambda/function:Function": 2,
    "aws:iam/role:Role": 2,
    "aws:iam/rolePolicy:RolePolicy": 2,
    "aws:cloudwatch/logGroup:LogGroup": 4,  # two functions, two stages' access logs
    "gatehouse:api:PublicApi": 1,
    "gatehouse:api:PrivateApi": 1,
    "aws:apigateway/restApi:RestApi": 2,
    "aws:apigateway/resource:Resource": 3,  # /greeter, /security, /security/{id}
    "aws:apigateway/method:Method": 3,
    "aws:apigateway/integration:Integration": 3,
    "aws:lambda/permission:Permission": 2,
    "aws:apigateway/deployment:Deployment": 2,
    "aws:apigateway/stage:Stage": 2,
    "gatehouse:network:Network": 1,
    "gatehouse:endpoint:ExecuteApiEndpoint": 1,
    "aws:ec2/vpcEndpoint:VpcEndpoint": 1,
    "gatehouse:domain:PrivateCustomDomain": 1,
    "gatehouse:domain:Certificate": 1,
    "gatehouse:domain:PrivateDomain": 1,
    "aws:apigateway/domainName:DomainName": 1,
    "aws:apigateway/domainNameAccessAssociation:DomainNameAccessAssociation": 1,
    "aws:apigateway/basePathMapping:BasePathMapping": 1,
    "aws:route53/zone:Zone": 1,
}
CREATED_VPC = {"aws:ec2/vpc:Vpc": 1, "aws:ec2/subnet:Subnet": 2, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": 1}
NEW_CERT = {"aws:acm/certificate:Certificate": 1, "aws:acm/certificateValidation:CertificateValidation": 1}
ACCOUNT = {"gatehouse:logging:ApiGatewayAccount": 1, "aws:apigateway/account:Account": 1, "aws:iam/role:Role": 1, "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 1}


def alb(targets):
    return {
        "gatehouse:domain:AlbFront": 1,
        "aws:lb/loadBalancer:LoadBalancer": 1,
        "aws:lb/listener:Listener": 1,
        "aws:lb/targetGroup:TargetGroup": 1,
        "aws:lb/targetGroupAttachment:TargetGroupAttachment": targets,
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
    }


def total(*parts):
    counter = Counter()
    for part in parts:
        counter.update(part)
    return dict(counter)


EXPECTED = {
    # dev: created VPC, new certificate, ALB over 2 ENIs, endpoint SG 443 from VPC + VPN,
    # ALB SG 443 from VPC + VPN; two records: cert validation + alias.
    "dev": total(CORE, CREATED_VPC, NEW_CERT, ACCOUNT, alb(2), {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
        "aws:route53/record:Record": 2,
    }),
    "staging": total(CORE, CREATED_VPC, NEW_CERT, {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "aws:route53/record:Record": 2,
    }),
    # prod: adopted VPC (nothing created), existing certificate, 3 subnets → 3 targets, no VPN.
    "prod": total(CORE, ACCOUNT, alb(3), {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "aws:route53/record:Record": 1,
    }),
}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_exact_resource_set(stack):
    assert dict(Counter(r.type for r in rendered(stack).resources)) == EXPECTED[stack]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_resource_is_parented_by_a_component(stack):
    inventory = rendered(stack)
    components = {r.urn for r in inventory.resources if not r.custom}
    for resource in inventory.resources:
        if resource.custom:
            assert resource.parent in components, f"{resource.type} {resource.name} has no component parent"


def test_component_children_names_follow_the_contract():
    inventory = rendered("dev")
    endpoint = only(inventory, "gatehouse:endpoint:ExecuteApiEndpoint")
    children = sorted((r.type.split(":")[-1], r.name) for r in inventory.resources if r.parent == endpoint.urn)
    assert children == [
        ("SecurityGroup", "execute-api-sg"),
        ("SecurityGroupIngressRule", "execute-api-https-0"),
        ("SecurityGroupIngressRule", "execute-api-https-1"),
        ("VpcEndpoint", "execute-api"),
    ]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_private_api_is_private_with_our_endpoint_and_policy(stack):
    inventory = rendered(stack)
    api = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    endpoint_id = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint").outputs["id"]
    assert api.inputs["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": [endpoint_id]}
    assert api.inputs["tags"]["exposure"] == "private"
    config = stack_config_map(stack)
    vpc_cidr = json.loads(config["gatehouse:network"]).get("create", {}).get("cidr") or json.loads(config["gatehouse:network"])["adopt"]["vpcCidr"]
    vpn = [] if stack == "prod" else ["172.31.250.0/24"]
    assert policy_of(api) == build_private_api_policy(allowed_endpoint_ids=[endpoint_id], allowed_cidrs=[vpc_cidr, *vpn])


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_public_api_is_regional_and_serves_only_public_services(stack):
    inventory = rendered(stack)
    api = only(inventory, "aws:apigateway/restApi:RestApi", "public-api")
    assert api.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert api.inputs["tags"]["exposure"] == "public"
    assert "policy" not in api.inputs
    functions = {f.outputs["invokeArn"]: f.inputs["tags"]["gatehouse:visibility"] for f in inventory.by_type("aws:lambda/function:Function")}
    apis = {a.outputs["id"]: a.name for a in inventory.by_type("aws:apigateway/restApi:RestApi")}
    for integration in inventory.by_type("aws:apigateway/integration:Integration"):
        gateway = apis[integration.inputs["restApi"]]
        assert functions[integration.inputs["uri"]] == gateway.split("-")[0], integration.name
        assert integration.inputs["type"] == "AWS_PROXY"


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_lambda_permissions_are_scoped_to_their_own_api(stack):
    inventory = rendered(stack)
    execution = {a.name: a.outputs["executionArn"] for a in inventory.by_type("aws:apigateway/restApi:RestApi")}
    permissions = {p.name: p.inputs for p in inventory.by_type("aws:lambda/permission:Permission")}
    assert set(permissions) == {"public-api-invoke-greeter", "private-api-invoke-security"}
    for name, inputs in permissions.items():
        api = name.split("-invoke-")[0]
        assert inputs["principal"] == "apigateway.amazonaws.com"
        assert inputs["sourceArn"] == f"{execution[api]}/*"
        assert inputs["function"] == f"gatehouse-{stack}-{name.split('-invoke-')[1]}"


@pytest.mark.parametrize(("stack", "expected_cidrs"), [
    ("dev", {"10.20.0.0/16", "172.31.250.0/24"}),
    ("staging", {"10.30.0.0/16", "172.31.250.0/24"}),
    ("prod", {"10.40.0.0/16"}),
])
def test_endpoint_security_group_admits_only_https_from_allowed_networks(stack, expected_cidrs):
    inventory = rendered(stack)
    endpoint = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint")
    group = only(inventory, "aws:ec2/securityGroup:SecurityGroup", "execute-api-sg")
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.execute-api"
    assert endpoint.inputs["vpcEndpointType"] == "Interface"
    assert endpoint.inputs["privateDnsEnabled"] is False
    assert endpoint.inputs["securityGroupIds"] == [group.outputs["id"]]
    rules = [r.inputs for r in inventory.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if r.inputs["securityGroupId"] == group.outputs["id"]]
    assert {r["cidrIpv4"] for r in rules} == expected_cidrs
    assert all((r["ipProtocol"], r["fromPort"], r["toPort"]) == ("tcp", 443, 443) for r in rules)
    assert not [r for r in inventory.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") if r.inputs["securityGroupId"] == group.outputs["id"]]


@pytest.mark.parametrize(("stack", "deletion_protection", "targets"), [("dev", False, 2), ("prod", True, 3)])
def test_alb_mode_fronts_the_endpoint_enis(stack, deletion_protection, targets):
    inventory = rendered(stack)
    balancer = only(inventory, "aws:lb/loadBalancer:LoadBalancer")
    assert balancer.inputs["internal"] is True
    assert balancer.inputs["loadBalancerType"] == "application"
    assert balancer.inputs["dropInvalidHeaderFields"] is True
    assert balancer.inputs["enableDeletionProtection"] is deletion_protection
    listener = only(inventory, "aws:lb/listener:Listener")
    assert (listener.inputs["protocol"], listener.inputs["port"]) == ("HTTPS", 443)
    assert listener.inputs["sslPolicy"] == "ELBSecurityPolicy-TLS13-1-3-2021-06"
    group = only(inventory, "aws:lb/targetGroup:TargetGroup")
    assert (group.inputs["targetType"], group.inputs["protocol"], group.inputs["port"]) == ("ip", "HTTPS", 443)
    assert group.inputs["healthCheck"]["matcher"] == "200,403"
    vpc_cidr = ipaddress.ip_network({"dev": "10.20.0.0/16", "prod": "10.40.0.0/16"}[stack])
    ips = [a.inputs["targetId"] for a in inventory.by_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")]
    assert len(set(ips)) == targets
    assert all(ipaddress.ip_address(ip) in vpc_cidr for ip in ips)
    # The API Gateway side of seed 004: without the domain mapping the API answers 403.
    mapping = only(inventory, "aws:apigateway/basePathMapping:BasePathMapping")
    domain = only(inventory, "aws:apigateway/domainName:DomainName")
    assert mapping.inputs["domainNameId"] == domain.outputs["domainNameId"]
    alias = only(inventory, "aws:route53/record:Record", "private-domain-alias")
    assert alias.inputs["aliases"][0]["name"] == balancer.outputs["dnsName"]


def test_alb_security_group_admits_vpn_only_in_lower_tiers():
    def ingress(stack):
        inventory = rendered(stack)
        group = only(inventory, "aws:ec2/securityGroup:SecurityGroup", "private-domain-alb-sg")
        return {r.inputs["cidrIpv4"] for r in inventory.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule") if r.inputs["securityGroupId"] == group.outputs["id"]}

    assert ingress("dev") == {"10.20.0.0/16", "172.31.250.0/24"}
    assert ingress("prod") == {"10.40.0.0/16"}


def test_native_mode_builds_a_private_domain_aliased_to_the_endpoint():
    inventory = rendered("staging")
    assert not inventory.by_type("aws:lb/loadBalancer:LoadBalancer")
    domain = only(inventory, "aws:apigateway/domainName:DomainName")
    endpoint = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert domain.inputs["endpointConfiguration"] == {"types": "PRIVATE"}
    assert domain.inputs["securityPolicy"] == "SecurityPolicy_TLS13_1_3_2025_09"
    assert domain.inputs["endpointAccessMode"] == "STRICT"
    assert policy_of(domain)["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceVpce": [endpoint.outputs["id"]]}}
    association = only(inventory, "aws:apigateway/domainNameAccessAssociation:DomainNameAccessAssociation")
    assert association.inputs["accessAssociationSource"] == endpoint.outputs["id"]
    assert association.inputs["accessAssociationSourceType"] == "VPCE"
    assert association.inputs["domainNameArn"] == domain.outputs["arn"]
    alias = only(inventory, "aws:route53/record:Record", "private-domain-alias")
    assert alias.inputs["aliases"][0]["name"] == endpoint.outputs["dnsEntries"][0]["dnsName"]
    zone = only(inventory, "aws:route53/zone:Zone")
    assert zone.inputs["vpcs"][0]["vpcId"] == only(inventory, "aws:ec2/vpc:Vpc").outputs["id"]


def test_created_vpc_has_private_subnets_only():
    inventory = rendered("dev")
    assert not [r for r in inventory.resources if r.type in ("aws:ec2/internetGateway:InternetGateway", "aws:ec2/natGateway:NatGateway")]
    subnets = inventory.by_type("aws:ec2/subnet:Subnet")
    assert {s.inputs["availabilityZone"] for s in subnets} == {"us-east-1a", "us-east-1b"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stages_log_as_json_and_trace(stack):
    for stage in rendered(stack).by_type("aws:apigateway/stage:Stage"):
        assert stage.inputs["xrayTracingEnabled"] is True
        assert json.loads(stage.inputs["accessLogSettings"]["format"])["vpceId"] == "$context.identity.vpceId"


def test_backends_log_only_to_their_own_group():
    inventory = rendered("dev")
    for policy in inventory.by_type("aws:iam/rolePolicy:RolePolicy"):
        (statement,) = json.loads(policy.inputs["policy"])["Statement"]
        assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
        assert statement["Resource"].startswith("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/gatehouse-dev-")


def test_deployment_follows_routes_and_policy():
    """A redeploy trigger that ignores the policy would leave an old policy live."""
    dev = rendered("dev")
    private = only(dev, "aws:apigateway/deployment:Deployment", "private-api").inputs["triggers"]["redeployment"]
    public = only(dev, "aws:apigateway/deployment:Deployment", "public-api").inputs["triggers"]["redeployment"]
    staging = only(rendered("staging"), "aws:apigateway/deployment:Deployment", "private-api").inputs["triggers"]["redeployment"]
    assert private != public and private != staging  # same routes, different policy → new deployment


def test_outputs_show_the_three_ways_to_call():
    outputs = rendered("dev").outputs
    api_id, endpoint_dns = outputs["privateApiId"], outputs["endpointDnsNames"][0]
    assert outputs["howToCallPrivateApi"] == {
        "hostHeader": f"curl https://{endpoint_dns}/v1/security -H 'Host: {api_id}.execute-api.us-east-1.amazonaws.com'",
        "apiIdHeader": f"curl https://{endpoint_dns}/v1/security -H 'x-apigw-api-id: {api_id}'",
        "customDomain": "curl https://api.dev.internal.example.com/security",
    }
    assert outputs["publicInvokeUrl"] == f"https://{outputs['publicApiId']}.execute-api.us-east-1.amazonaws.com/v1"
    assert outputs["customDomainUrl"] == "https://api.dev.internal.example.com/"
    assert outputs["albDnsName"].endswith(".us-east-1.elb.amazonaws.com")
    assert "albDnsName" not in rendered("staging").outputs


def test_bad_config_registers_nothing(monkeypatch):
    monitors = []

    class Watching(render.RecordingMonitor):
        def __init__(self, mocks):
            super().__init__(mocks)
            monitors.append(self)

    monkeypatch.setattr(render, "RecordingMonitor", Watching)
    config = stack_config_map("prod")
    config["gatehouse:privateApi"] = json.dumps({"vpnCidrs": ["172.31.250.0/24"]})
    with pytest.raises(ConfigError, match="gatehouse:privateApi.vpnCidrs is allowed only in lower tiers"):
        render.render_stack("prod", config=config)
    assert monitors and monitors[0].registrations == []


def test_check_prints_a_config_error_without_traceback(tmp_path):
    broken = copy_stack_file("prod").replace("  gatehouse:customDomain:\n    mode: alb", "  gatehouse:customDomain:\n    mode: elb")
    project = project_copy(tmp_path, {"prod": broken})
    result = subprocess.run(
        [sys.executable, "-m", "pipeline", "check", "--project-dir", str(project),
         "--report-dir", str(tmp_path / "reports")],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2
    assert "gatehouse:customDomain.mode must be one of alb, native, none (got 'elb') in Pulumi.prod.yaml" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
