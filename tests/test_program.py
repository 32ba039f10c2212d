"""The Pulumi program under Pulumi's official mocks: for each shipped stack, the exact resources
and the properties that carry the security."""

import io
import ipaddress
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pulumi
import pytest

from components.call_examples import method_flag
from components.resource_policy import build_private_api_policy
from components.tls_policy import private_api_tls, private_domain_tls
from pipeline import render
from pipeline.mocks import ACCOUNT_ID, GatehouseMocks
from pipeline.stack_files import PROJECT_DIR, stack_config_map
from stack_config import ConfigError
from stack_config.model import CustomDomain, TlsPolicies
from tests.platform_support import PLATFORM_RESOURCES
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
    "aws:apigateway/restApiPolicy:RestApiPolicy": 1,  # the private API's, full-ARN form
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
# Every API's GET /health (MOCK), and the in-VPC prober of every stack with a private API.
HEALTH = {
    "aws:apigateway/resource:Resource": 2, "aws:apigateway/method:Method": 2,
    "aws:apigateway/integration:Integration": 2, "aws:apigateway/methodResponse:MethodResponse": 2,
    "aws:apigateway/integrationResponse:IntegrationResponse": 2,
}
PROBER = {
    "gatehouse:prober:Prober": 1, "aws:lambda/function:Function": 1, "aws:iam/role:Role": 1,
    "aws:iam/rolePolicy:RolePolicy": 2, "aws:cloudwatch/logGroup:LogGroup": 1,
    "aws:ec2/securityGroup:SecurityGroup": 1, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 1,
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
    "dev": total(CORE, HEALTH, PROBER, CREATED_VPC, NEW_CERT, ACCOUNT, alb(2), {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 4,
        "aws:route53/record:Record": 2,
    }),
    "staging": total(CORE, HEALTH, PROBER, CREATED_VPC, NEW_CERT, {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "aws:route53/record:Record": 2,
    }),
    # prod: adopted VPC (nothing created), existing certificate, 3 subnets → 3 targets, no VPN.
    "prod": total(CORE, HEALTH, PROBER, ACCOUNT, alb(3), {
        "aws:ec2/securityGroup:SecurityGroup": 1,
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 2,
        "aws:route53/record:Record": 1,
    }),
}


# WAF, throttling and alarms: see tests/platform_support.py and tests/test_platform_program.py.
EXPECTED = {stack: total(resources, PLATFORM_RESOURCES[stack]) for stack, resources in EXPECTED.items()}


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
        ("SecurityGroupIngressRule", "execute-api-https-10-20-0-0-16"),
        ("SecurityGroupIngressRule", "execute-api-https-172-31-250-0-24"),
        ("VpcEndpoint", "execute-api"),
    ]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_private_api_is_private_with_our_endpoint_and_policy(stack):
    inventory = rendered(stack)
    api = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    endpoint_id = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint").outputs["id"]
    assert api.inputs["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": [endpoint_id]}
    assert api.inputs["tags"]["exposure"] == "private"
    assert "policy" not in api.inputs  # attached separately, naming the API's own ARN
    attached = only(inventory, "aws:apigateway/restApiPolicy:RestApiPolicy", "private-api")
    assert attached.inputs["restApiId"] == api.outputs["id"]
    config = stack_config_map(stack)
    vpc_cidr = json.loads(config["gatehouse:network"]).get("create", {}).get("cidr") or json.loads(config["gatehouse:network"])["adopt"]["vpcCidr"]
    vpn = [] if stack == "prod" else ["172.31.250.0/24"]
    assert policy_of(attached) == build_private_api_policy(
        allowed_endpoint_ids=[endpoint_id], allowed_cidrs=[vpc_cidr, *vpn], resource=f"{api.outputs['executionArn']}/*"
    )


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_public_api_is_regional_and_serves_only_public_services(stack):
    inventory = rendered(stack)
    api = only(inventory, "aws:apigateway/restApi:RestApi", "public-api")
    assert api.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert api.inputs["tags"]["exposure"] == "public"
    assert "policy" not in api.inputs
    functions = {
        f.outputs["invokeArn"]: f.inputs["tags"]["gatehouse:visibility"]
        for f in inventory.by_type("aws:lambda/function:Function")
        if "gatehouse:visibility" in f.inputs["tags"]
    }
    apis = {a.outputs["id"]: a.name for a in inventory.by_type("aws:apigateway/restApi:RestApi")}
    for integration in inventory.by_type("aws:apigateway/integration:Integration"):
        if integration.name.endswith("-health"):
            assert integration.inputs["type"] == "MOCK"
            continue
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
    assert domain.inputs["endpointAccessMode"] == "STRICT"  # callers name the domain in SNI and Host
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
    assert {s.name for s in subnets} == {"network-private-us-east-1a", "network-private-us-east-1b"}
    assert all(s.inputs["mapPublicIpOnLaunch"] is False for s in subnets)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_stages_log_as_json_and_trace(stack):
    for stage in rendered(stack).by_type("aws:apigateway/stage:Stage"):
        assert stage.inputs["xrayTracingEnabled"] is True
        assert json.loads(stage.inputs["accessLogSettings"]["format"])["vpceId"] == "$context.identity.vpceId"


def test_backends_log_only_to_their_own_group():
    inventory = rendered("dev")
    for policy in inventory.by_type("aws:iam/rolePolicy:RolePolicy"):
        if policy.name == "prober-vpc-access":  # tests/test_prober_component.py
            continue
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


@pytest.mark.parametrize("api", ["public-api", "private-api"])
def test_deployment_waits_for_everything_its_stage_serves(api):
    inventory = rendered("dev")
    deployment = only(inventory, "aws:apigateway/deployment:Deployment", api)
    served = {
        r.urn for r in inventory.resources
        if r.type in ("aws:apigateway/method:Method", "aws:apigateway/integration:Integration", "aws:apigateway/restApiPolicy:RestApiPolicy")
        and r.name.startswith(f"{api}")
    }
    assert served and served <= set(deployment.dependencies)


def test_handler_wiring_change_redeploys():
    """The same routes served by another handler must reach the stage."""
    config = stack_config_map("staging")
    services = json.loads(config["gatehouse:services"])
    services[1]["handler"] = "greeter.handler"
    config["gatehouse:services"] = json.dumps(services)
    changed = render.render_stack("staging", config=config)

    def trigger(inventory):
        return only(inventory, "aws:apigateway/deployment:Deployment", "private-api").inputs["triggers"]["redeployment"]

    assert trigger(changed) != trigger(rendered("staging"))


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


# --- what AWS needs at deploy time (issue 10) ---------------------------------------------

ACCOUNT_TYPE = "aws:apigateway/account:Account"


def registered_options(monkeypatch, stack, config=None, *, run=True):
    """(name, type) -> the options the engine is sent that the inventory does not keep.
    run=False: only start recording; the dict fills as the caller renders."""
    seen = {}

    class Watching(render.RecordingMonitor):
        def RegisterResource(self, request):  # noqa: N802 - gRPC method name
            if request.type == "pulumi:pulumi:Stack":
                return super().RegisterResource(request)
            seen[request.name, request.type] = {
                "retainOnDelete": request.retainOnDelete,
                "aliases": [a.spec.name for a in request.aliases if a.spec.name],
            }
            return super().RegisterResource(request)

    monkeypatch.setattr(render, "RecordingMonitor", Watching)
    if run:
        render.render_stack(stack, config=config)
    return seen


def with_config(stack, **changes):
    config = stack_config_map(stack)
    for key, value in changes.items():
        config[f"gatehouse:{key}"] = json.dumps(value) if not isinstance(value, str) else value
    return config


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stages_wait_for_the_accounts_log_role_where_the_stack_sets_it(stack):
    """Otherwise on a fresh account: "CloudWatch Logs role ARN must be set in account settings"."""
    inventory = rendered(stack)
    account = only(inventory, ACCOUNT_TYPE)
    for stage in inventory.by_type("aws:apigateway/stage:Stage"):
        assert account.urn in stage.dependencies, stage.name


@pytest.fixture(scope="module")
def dev_options():
    """What dev's render sends the engine beyond the inventory: one render for the tests below."""
    with pytest.MonkeyPatch.context() as patch:
        return registered_options(patch, "dev")


def test_account_role_and_setting_are_kept_when_the_stack_is_destroyed(dev_options):
    """Destroying the Account resets the whole account's setting (provider v7): keep it, and the
    role it points to."""
    options = dev_options
    kept = {name for (name, _), o in options.items() if o["retainOnDelete"]}
    assert kept == {"apigw-account", "apigw-account-role", "apigw-account-push-logs"}


@pytest.mark.usefixtures("cached_renders", "pooled_packs")  # staging's render and pack, shared
def test_check_says_the_log_role_must_exist_where_the_stack_does_not_set_it(tmp_path):
    from pipeline import check

    out = io.StringIO()
    code, _ = check.check_stack("staging", PROJECT_DIR, tmp_path, out)
    assert code == 0
    assert not rendered("staging").by_type(ACCOUNT_TYPE)
    assert "does not manage API Gateway's CloudWatch Logs role" in out.getvalue()
    report = json.loads((tmp_path / "check-staging.json").read_text())
    assert any("CloudWatch Logs role" in note for note in report["notes"])


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_both_apis_negotiate_tls_with_a_policy_of_their_own(stack):
    """The handshake through a custom domain uses the mapped API's policy, not the domain's."""
    inventory = rendered(stack)
    private = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    public = only(inventory, "aws:apigateway/restApi:RestApi", "public-api")
    assert (private.inputs["securityPolicy"], private.inputs["endpointAccessMode"]) == ("SecurityPolicy_TLS13_1_3_2025_09", "BASIC")
    assert (public.inputs["securityPolicy"], public.inputs["endpointAccessMode"]) == ("SecurityPolicy_TLS13_1_2_2021_06", "STRICT")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_domain_behind_the_alb_is_tls13_but_never_strict(stack):
    """An ALB sends no SNI to HTTPS targets; its TLS 1.3 listener policy lets the backend use 1.3."""
    domain = only(rendered(stack), "aws:apigateway/domainName:DomainName")
    assert domain.inputs["securityPolicy"] == "SecurityPolicy_TLS13_1_3_2025_09"
    assert domain.inputs["endpointAccessMode"] == "BASIC"


def _enhanced_policies():
    import gzip

    import botocore

    model = Path(botocore.__file__).parent / "data/apigateway/2015-07-09/service-2.json.gz"
    return json.loads(gzip.open(model).read())["shapes"]["SecurityPolicy"]["enum"]


@pytest.mark.parametrize("policy", _enhanced_policies())
@pytest.mark.parametrize("mode", ["alb", "native", "none"])
def test_access_mode_is_never_strict_where_sni_and_host_differ(policy, mode):
    domain = CustomDomain(mode=mode, domain_name="api.example.com", tls=TlsPolicies(api_gateway=policy))
    api, front = private_api_tls(domain), private_domain_tls(domain)
    assert api.endpoint_access_mode in ("BASIC", None)
    if mode == "alb":
        assert front.endpoint_access_mode in ("BASIC", None)
    # Legacy policies take no access mode at all; enhanced ones require one.
    for settings in (api, front):
        assert (settings.endpoint_access_mode is None) == (not settings.security_policy.startswith("SecurityPolicy_"))


def test_tls12_listener_keeps_tls12_on_the_api_gateway_side():
    """A TLS 1.2 listener policy caps the ALB's backend connection at TLS 1.2 (ELBSecurityPolicy-2016-08)."""
    domain = CustomDomain(mode="alb", domain_name="api.example.com", tls=TlsPolicies(alb="ELBSecurityPolicy-TLS-1-2-2017-01"))
    assert private_domain_tls(domain).security_policy == "SecurityPolicy_TLS13_1_2_2021_06"
    assert private_api_tls(domain).security_policy == "SecurityPolicy_TLS13_1_2_2021_06"


def test_adding_a_network_renames_no_existing_rule():
    before = {r.name for r in rendered("dev").by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    config = with_config("dev", privateApi={"vpnCidrs": ["172.30.0.0/24", "172.31.250.0/24"]})
    after = {r.name for r in render.render_stack("dev", config=config).by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert before < after
    assert after - before == {"execute-api-https-172-30-0-0-24", "private-domain-alb-https-172-30-0-0-24"}


def test_adding_a_zone_renames_no_existing_subnet_or_target():
    def names(inventory):
        return {r.name for r in inventory.resources if r.type in ("aws:ec2/subnet:Subnet", "aws:lb/targetGroupAttachment:TargetGroupAttachment")}

    config = with_config("dev", network={"create": {"cidr": "10.20.0.0/16", "azCount": 3}})
    before, after = names(rendered("dev")), names(render.render_stack("dev", config=config))
    assert before < after
    assert after - before == {"network-private-us-east-1c", "private-domain-alb-endpoint-us-east-1c"}


def test_children_named_by_position_until_now_keep_their_state(dev_options):
    options = dev_options
    aliases = {name: o["aliases"] for (name, _), o in options.items() if o["aliases"]}
    assert aliases == {
        "network-private-us-east-1a": ["network-private-0"],
        "network-private-us-east-1b": ["network-private-1"],
        "execute-api-https-10-20-0-0-16": ["execute-api-https-0"],
        "execute-api-https-172-31-250-0-24": ["execute-api-https-1"],
        "private-domain-alb-https-10-20-0-0-16": ["private-domain-alb-https-0"],
        "private-domain-alb-https-172-31-250-0-24": ["private-domain-alb-https-1"],
        "private-domain-alb-endpoint-us-east-1a": ["private-domain-alb-endpoint-0"],
        "private-domain-alb-endpoint-us-east-1b": ["private-domain-alb-endpoint-1"],
    }


def test_each_alb_target_is_the_endpoint_eni_in_its_subnet():
    inventory = rendered("dev")
    cidrs = {s.name.removeprefix("network-private-"): ipaddress.ip_network(s.inputs["cidrBlock"]) for s in inventory.by_type("aws:ec2/subnet:Subnet")}
    for attachment in inventory.by_type("aws:lb/targetGroupAttachment:TargetGroupAttachment"):
        zone = attachment.name.removeprefix("private-domain-alb-endpoint-")
        assert ipaddress.ip_address(attachment.inputs["targetId"]) in cidrs[zone]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_endpoint_admits_only_this_accounts_apis(stack):
    endpoint = only(rendered(stack), "aws:ec2/vpcEndpoint:VpcEndpoint")
    (statement,) = json.loads(endpoint.inputs["policy"])["Statement"]
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == ("Allow", "*", "execute-api:Invoke")
    assert statement["Resource"] == [f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:*"]
    assert "Condition" not in statement and "NotResource" not in statement


def test_subnets_go_only_into_zones_that_offer_the_endpoint():
    """us-east-1e (use1-az3) does not offer execute-api in the mocks, as in AWS."""
    config = with_config("dev", network={"create": {"cidr": "10.20.0.0/16", "azCount": 5}})
    inventory = render.render_stack("dev", config=config)
    zones = {s.inputs["availabilityZone"] for s in inventory.by_type("aws:ec2/subnet:Subnet")}
    assert zones == {"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"}
    entries = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint").outputs["dnsEntries"]
    # One zonal DNS entry per subnet, named for the subnet's zone.
    assert {z for z in zones if any(f"-{z}.execute-api." in e["dnsName"] for e in entries)} == zones
    assert len(entries) == 1 + len(zones)


@pytest.mark.parametrize(("region", "az_count", "offered"), [("us-east-1", 6, 5), ("us-west-2", 4, 3), ("eu-west-1", 4, 3)])
def test_more_zones_than_the_region_offers_is_a_config_error(monkeypatch, region, az_count, offered):
    config = with_config("dev", network={"create": {"cidr": "10.20.0.0/16", "azCount": az_count}})
    config["aws:region"] = region
    registered = registered_options(monkeypatch, None, None, run=False)
    with pytest.raises(ConfigError, match=rf"gatehouse:network.create.azCount is {az_count}, but {region} offers the execute-api endpoint in only {offered} .* in Pulumi.dev.yaml"):
        render.render_stack("dev", config=config)
    assert registered == {}, "nothing may be registered before a config error"


@pytest.mark.parametrize("region", ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"])
def test_mocks_answer_zone_lookups_per_region(region):
    mocks = GatehouseMocks(region=region)

    def call(token, **args):
        return mocks.call(pulumi.runtime.MockCallArgs(token, args, None))[0]

    zones = call("aws:index/getAvailabilityZones:getAvailabilityZones", state="available")
    service = call("aws:ec2/getVpcEndpointService:getVpcEndpointService", serviceName=f"com.amazonaws.{region}.execute-api")
    assert all(name.startswith(region) for name in zones["names"]) and len(zones["names"]) == len(zones["zoneIds"]) >= 3
    assert len(set(zones["zoneIds"])) == len(zones["zoneIds"])
    assert set(service["availabilityZones"]) <= set(zones["names"])
    assert service["serviceName"] == f"com.amazonaws.{region}.execute-api"


@pytest.mark.parametrize(("stack", "protected"), [
    ("prod", {
        ("aws:apigateway/restApi:RestApi", "private-api"),
        ("aws:apigateway/restApi:RestApi", "public-api"),
        ("aws:apigateway/domainName:DomainName", "private-domain"),
        ("aws:route53/zone:Zone", "private-domain-zone"),
        ("aws:ec2/vpcEndpoint:VpcEndpoint", "execute-api"),
    }),
    ("dev", set()),
    ("staging", set()),
])
def test_prod_protects_what_it_cannot_lose_and_nothing_that_is_replaced_routinely(stack, protected):
    assert {(r.type, r.name) for r in rendered(stack).resources if r.protect} == protected


def test_curl_lines_carry_the_method_when_the_example_route_is_not_a_get():
    config = stack_config_map("dev")
    services = json.loads(config["gatehouse:services"])
    services[1]["routes"] = [{"method": "POST", "path": "/security"}, *services[1]["routes"]]
    config["gatehouse:services"] = json.dumps(services)
    lines = render.render_stack("dev", config=config).outputs["howToCallPrivateApi"]
    assert all(line.startswith("curl -X POST https://") for line in lines.values())


@pytest.mark.parametrize(("method", "flag"), [("GET", ""), ("ANY", ""), ("HEAD", "-I "), ("DELETE", "-X DELETE "), ("PATCH", "-X PATCH ")])
def test_curl_method_flag(method, flag):
    assert method_flag(method) == flag


def test_protection_is_lifted_only_for_the_stack_named(monkeypatch):
    monkeypatch.setenv("GATEHOUSE_UNPROTECT", "staging")
    assert any(r.protect for r in render.render_stack("prod").resources)
    monkeypatch.setenv("GATEHOUSE_UNPROTECT", "prod")
    assert not any(r.protect for r in render.render_stack("prod").resources)


@pytest.mark.parametrize(("zones", "message"), [
    (["us-east-1a", "us-east-1e", "us-east-1b"], "has subnet-0a1b2c3d4e5f60002 in us-east-1e, where us-east-1 does not offer the execute-api endpoint"),
    (["us-east-1a", "us-east-1b", "us-east-1a"], "has subnet-0a1b2c3d4e5f60001 and subnet-0a1b2c3d4e5f60003 both in us-east-1a"),
])
def test_adopted_subnets_the_endpoint_cannot_use_are_a_config_error(monkeypatch, zones, message):
    real = GatehouseMocks._subnet_lookup

    def lookup(self, args):
        answer = real(self, args)
        answer["availabilityZone"] = zones[int(args["id"][-1]) - 1]
        return answer

    monkeypatch.setattr(GatehouseMocks, "_subnet_lookup", lookup)
    registered = registered_options(monkeypatch, None, None, run=False)
    with pytest.raises(ConfigError, match=rf"gatehouse:network.adopt.subnetIds {message}.* in Pulumi.prod.yaml"):
        render.render_stack("prod")
    assert registered == {}, "nothing may be registered before a config error"


def children(inventory, component_type, name=None):
    component = only(inventory, component_type, name)
    return sorted((r.type.split(":")[-1], r.name) for r in inventory.resources if r.parent == component.urn)


def test_network_children_are_named_by_zone():
    assert children(rendered("dev"), "gatehouse:network:Network") == [
        ("DefaultSecurityGroup", "network-default-sg"),
        ("Subnet", "network-private-us-east-1a"),
        ("Subnet", "network-private-us-east-1b"),
        ("Vpc", "network"),
    ]
    assert children(rendered("prod"), "gatehouse:network:Network") == []  # adopted: nothing created


def test_alb_children_are_named_by_network_and_subnet():
    assert children(rendered("prod"), "gatehouse:domain:AlbFront") == [
        ("Listener", "private-domain-alb-https"),
        ("LoadBalancer", "private-domain-alb"),
        ("SecurityGroup", "private-domain-alb-sg"),
        ("SecurityGroupEgressRule", "private-domain-alb-https-to-endpoint"),
        ("SecurityGroupIngressRule", "private-domain-alb-https-10-40-0-0-16"),
        ("TargetGroup", "private-domain-alb-endpoint"),
        ("TargetGroupAttachment", "private-domain-alb-endpoint-subnet-0a1b2c3d4e5f60001"),
        ("TargetGroupAttachment", "private-domain-alb-endpoint-subnet-0a1b2c3d4e5f60002"),
        ("TargetGroupAttachment", "private-domain-alb-endpoint-subnet-0a1b2c3d4e5f60003"),
    ]


def test_private_api_children():
    assert children(rendered("dev"), "gatehouse:api:PrivateApi") == [
        ("Deployment", "private-api"),
        ("Integration", "private-api-get-security"),
        ("Integration", "private-api-get-security-id-param"),
        ("Integration", "private-api-health"),
        ("IntegrationResponse", "private-api-health"),
        ("LogGroup", "private-api-access-logs"),
        ("Method", "private-api-get-security"),
        ("Method", "private-api-get-security-id-param"),
        ("Method", "private-api-health"),
        ("MethodResponse", "private-api-health"),
        ("Permission", "private-api-invoke-security"),
        ("Resource", "private-api-health"),
        ("Resource", "private-api-res-security"),
        ("Resource", "private-api-res-security-id-param"),
        ("RestApi", "private-api"),
        ("RestApiPolicy", "private-api"),
        ("Stage", "private-api"),
    ]


def test_account_children():
    assert children(rendered("dev"), "gatehouse:logging:ApiGatewayAccount") == [
        ("Account", "apigw-account"),
        ("Role", "apigw-account-role"),
        ("RolePolicyAttachment", "apigw-account-push-logs"),
    ]


SERVED = [
    {"kind": "method", "service": "security", "handler": "security.handler", "path": "/security", "http_method": "GET", "authorization": "NONE"},
    {"kind": "integration", "service": "security", "handler": "security.handler", "path": "/security", "type": "AWS_PROXY",
     "integration_http_method": "POST", "uri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:a/invocations"},
    {"kind": "policy", "document": '{"Statement": []}'},
]


@pytest.mark.parametrize(("index", "key", "value"), [
    (0, "authorization", "AWS_IAM"),
    (0, "http_method", "POST"),
    (1, "type", "AWS"),
    (1, "uri", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:b/invocations"),
    (1, "handler", "greeter.handler"),
    (2, "document", '{"Statement": [{"Effect": "Allow"}]}'),
])
def test_any_served_setting_changes_the_deployment_digest(index, key, value):
    from components.rest_api_parts import digest

    changed = [dict(s) for s in SERVED]
    changed[index][key] = value
    assert digest(changed) != digest(SERVED)


def test_listing_the_same_routes_in_another_order_does_not_redeploy():
    from components.rest_api_parts import digest

    assert digest(list(reversed(SERVED))) == digest(SERVED)


def test_configured_accounts_are_reachable_through_the_endpoint_too():
    config = with_config("staging", privateApi={"vpnCidrs": ["172.31.250.0/24"], "reachableAccountIds": ["210987654321"]})
    endpoint = only(render.render_stack("staging", config=config), "aws:ec2/vpcEndpoint:VpcEndpoint")
    (statement,) = json.loads(endpoint.inputs["policy"])["Statement"]
    assert statement["Resource"] == [f"arn:aws:execute-api:us-east-1:{ACCOUNT_ID}:*", "arn:aws:execute-api:us-east-1:210987654321:*"]


@pytest.mark.parametrize(("value", "problem"), [
    ([210987654321], "must be a 12-digit AWS account id in quotes"),
    (["*"], "must be a 12-digit AWS account id (got '*')"),
    (["21098765432"], "must be a 12-digit AWS account id (got '21098765432')"),
])
def test_reachable_accounts_must_be_literal_account_ids(value, problem):
    config = with_config("staging", privateApi={"reachableAccountIds": value})
    with pytest.raises(ConfigError, match=r"gatehouse:privateApi.reachableAccountIds\[0\] " + re.escape(problem) + ".* in Pulumi.staging.yaml"):
        render.render_stack("staging", config=config)
