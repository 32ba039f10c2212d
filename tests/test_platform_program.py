"""The platform features under Pulumi's official mocks: for each, the exact children, the
properties that carry the security or the operations, and the outputs."""

import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest

from components.alarms import latency_threshold_ms
from components.shared_endpoint import _verified
from components.tls_policy import public_api_tls
from pipeline.analyzer import StackContext, analyze_inventory
from pipeline.cli import main
from pipeline.reachability import reachability
from pipeline.stack_files import PROJECT_DIR, stack_config_map
from stack_config import ConfigError, load_stack_config
from stack_config.pulumi_source import decode_config
from tests.program_support import (
    copy_stack_file,
    only,
    policy_of,
    project_copy,
    recorded_registrations,
    render_cached,
    rendered,
)

POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
VPCE = "vpce-0123456789abcdef0"
PUBLIC_ZONE = "Z0PUBLICZONE0000001"


def render_with(stack: str, **changes):
    """Render `stack` with some keys replaced (name without the gatehouse: prefix → value).
    Tests that render the same config share one render (tests/program_support.py)."""
    config = stack_config_map(stack)
    for key, value in changes.items():
        full = f"gatehouse:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value if isinstance(value, str) else json.dumps(value)
    return render_cached(stack, config=config)


def pack_result(inventory, config_file, pooled_packs):
    """The real pack over `inventory`; one pack process for these tests (tests/pack_pool.py)."""
    pack_dir = PROJECT_DIR / "policies"
    context = StackContext(project=inventory.project, stack=inventory.stack)
    return analyze_inventory(inventory, pack_dir=pack_dir, config_file=config_file,
                             started=pooled_packs(pack_dir, context))


def services_with(stack: str, edit) -> list:
    services = json.loads(stack_config_map(stack)["gatehouse:services"])
    edit(services)
    return services


def children(inventory, component_type: str, name: str) -> list[tuple[str, str]]:
    parent = only(inventory, component_type, name)
    return sorted((r.type, r.name) for r in inventory.resources if r.parent == parent.urn)


# --- WAF -------------------------------------------------------------------------------------

def test_waf_children_are_the_acl_its_logs_and_the_association():
    assert children(rendered("dev"), "gatehouse:waf:PublicWaf", "public-api-waf") == [
        ("aws:cloudwatch/logGroup:LogGroup", "public-api-waf-logs"),
        ("aws:wafv2/webAcl:WebAcl", "public-api-waf"),
        ("aws:wafv2/webAclAssociation:WebAclAssociation", "public-api-waf"),
        ("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "public-api-waf-logging"),
    ]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_web_acl_has_the_managed_baseline_and_a_rate_rule_per_client_ip(stack):
    acl = only(rendered(stack), "aws:wafv2/webAcl:WebAcl").inputs
    assert acl["scope"] == "REGIONAL"
    assert acl["defaultAction"] == {"allow": {}}
    assert acl["visibilityConfig"]["cloudwatchMetricsEnabled"] is True
    rules = sorted(acl["rules"], key=lambda r: r["priority"])
    assert [r["priority"] for r in rules] == [0, 1, 2, 3]
    managed = [r["statement"]["managedRuleGroupStatement"] for r in rules[:3]]
    assert managed == [
        {"vendorName": "AWS", "name": "AWSManagedRulesCommonRuleSet"},
        {"vendorName": "AWS", "name": "AWSManagedRulesKnownBadInputsRuleSet"},
        {"vendorName": "AWS", "name": "AWSManagedRulesAmazonIpReputationList"},
    ]
    # Managed groups keep their own block actions: "none" overrides nothing (count would disarm them).
    assert all(r["overrideAction"] == {"none": {}} for r in rules[:3])
    rate = rules[3]
    assert rate["action"] == {"block": {}}
    assert rate["statement"]["rateBasedStatement"] == {"limit": 2000, "aggregateKeyType": "IP", "evaluationWindowSec": 300}
    assert all(r["visibilityConfig"]["sampledRequestsEnabled"] is True for r in rules)


def test_rate_limit_comes_from_config():
    inventory = render_with("dev", publicApi={"waf": {"rateLimit": 300}})
    [rate] = [r for r in only(inventory, "aws:wafv2/webAcl:WebAcl").inputs["rules"] if "rateBasedStatement" in r["statement"]]
    assert rate["statement"]["rateBasedStatement"]["limit"] == 300


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_web_acl_is_associated_with_the_public_stage_only(stack):
    inventory = rendered(stack)
    association = only(inventory, "aws:wafv2/webAclAssociation:WebAclAssociation").inputs
    public_stage = only(inventory, "aws:apigateway/stage:Stage", "public-api")
    assert association["resourceArn"] == public_stage.outputs["arn"]
    assert association["webAclArn"] == only(inventory, "aws:wafv2/webAcl:WebAcl").outputs["arn"]
    assert inventory.outputs["publicWebAclArn"] == association["webAclArn"]


def test_waf_logs_to_its_own_log_group_without_credentials():
    inventory = rendered("prod")
    group = only(inventory, "aws:cloudwatch/logGroup:LogGroup", "public-api-waf-logs")
    logging = only(inventory, "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration").inputs
    assert group.inputs["name"] == "aws-waf-logs-gatehouse-prod-public"
    assert group.inputs["retentionInDays"] == 365
    assert logging["logDestinationConfigs"] == [group.outputs["arn"]]
    assert logging["resourceArn"] == only(inventory, "aws:wafv2/webAcl:WebAcl").outputs["arn"]
    assert logging["redactedFields"] == [{"singleHeader": {"name": "authorization"}}]


def test_a_lower_tier_may_run_without_waf():
    inventory = render_with("dev", publicApi={"waf": {"enabled": False}})
    assert not [r for r in inventory.resources if r.type.startswith(("aws:wafv2", "gatehouse:waf"))]
    assert "publicWebAclArn" not in inventory.outputs


# --- throttling ------------------------------------------------------------------------------

def method_settings(inventory) -> dict[str, dict]:
    return {r.name: r for r in inventory.by_type("aws:apigateway/methodSettings:MethodSettings")}


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_both_stages_get_stage_wide_settings(stack):
    inventory = rendered(stack)
    settings = method_settings(inventory)
    for api in ("public-api", "private-api"):
        stage = only(inventory, "aws:apigateway/stage:Stage", api)
        entry = settings[f"{api}-throttling"].inputs
        assert entry["restApi"] == stage.inputs["restApi"]
        assert entry["stageName"] == "v1"
        assert entry["methodPath"] == "*/*"
        assert entry["settings"] == {
            "metricsEnabled": True, "dataTraceEnabled": False, "loggingLevel": "ERROR",
            "throttlingRateLimit": 500, "throttlingBurstLimit": 1000,
        }


def test_a_service_throttle_overrides_its_routes_after_the_stage_wide_setting():
    settings = method_settings(rendered("dev"))
    assert set(settings) == {"public-api-throttling", "public-api-throttling-get-greeter", "private-api-throttling"}
    override = settings["public-api-throttling-get-greeter"]
    assert override.inputs["methodPath"] == "greeter/GET"
    assert (override.inputs["settings"]["throttlingRateLimit"], override.inputs["settings"]["throttlingBurstLimit"]) == (50, 100)
    # One stage takes one settings update at a time.
    assert settings["public-api-throttling"].urn in override.dependencies


def test_method_paths_for_parameters_and_any():
    services = services_with("staging", lambda s: s[1].update(
        throttling={"rateLimit": 5}, routes=[{"method": "ANY", "path": "/security/{id}"}]))
    settings = method_settings(render_with("staging", services=services))
    assert settings["private-api-throttling-any-security-id-param"].inputs["methodPath"] == "security/{id}/ANY"


def test_execution_logging_waits_for_the_account_role_when_the_stack_manages_it():
    dev = rendered("dev")
    account = only(dev, "aws:apigateway/account:Account")
    assert account.urn in method_settings(dev)["public-api-throttling"].dependencies
    staging = method_settings(rendered("staging"))["public-api-throttling"].dependencies
    assert not [urn for urn in staging if "ApiGatewayAccount" in urn or "apigateway/account" in urn]


# --- authorization per route -----------------------------------------------------------------

def methods(inventory) -> dict[str, dict]:
    return {r.name: r.inputs for r in inventory.by_type("aws:apigateway/method:Method")}


def test_iam_route_needs_signed_requests_and_the_others_stay_open():
    inventory = rendered("dev")
    assert {name: m["authorization"] for name, m in methods(inventory).items()} == {
        "public-api-get-greeter": "NONE",
        "private-api-get-security": "NONE",
        "private-api-get-security-id-param": "AWS_IAM",
        # The prober's health check, answered by each API itself.
        "public-api-health": "NONE",
        "private-api-health": "NONE",
    }
    assert not inventory.by_type("aws:apigateway/authorizer:Authorizer")


def cognito_stack():
    services = services_with("dev", lambda s: s[0]["routes"][0].update(auth="cognito"))
    return render_with("dev", services=services, publicApi={"cognitoUserPoolArns": [POOL]})


def test_cognito_route_uses_one_user_pool_authorizer_on_the_public_api():
    inventory = cognito_stack()
    authorizer = only(inventory, "aws:apigateway/authorizer:Authorizer", "public-api-cognito")
    public_api = only(inventory, "aws:apigateway/restApi:RestApi", "public-api")
    assert authorizer.inputs["restApi"] == public_api.outputs["id"]
    assert authorizer.inputs["type"] == "COGNITO_USER_POOLS"
    assert authorizer.inputs["providerArns"] == [POOL]
    assert authorizer.inputs["identitySource"] == "method.request.header.Authorization"
    assert authorizer.parent == only(inventory, "gatehouse:api:PublicApi").urn
    method = methods(inventory)["public-api-get-greeter"]
    assert method["authorization"] == "COGNITO_USER_POOLS"
    assert method["authorizerId"] == authorizer.outputs["id"]


def test_changing_a_routes_auth_redeploys_the_stage():
    def trigger(inventory, api):
        return only(inventory, "aws:apigateway/deployment:Deployment", api).inputs["triggers"]["redeployment"]

    open_dev = render_with("dev", services=services_with("dev", lambda s: s[1]["routes"][1].pop("auth")))
    assert trigger(open_dev, "private-api") != trigger(rendered("dev"), "private-api")
    assert trigger(cognito_stack(), "public-api") != trigger(rendered("dev"), "public-api")


def test_bad_auth_config_registers_nothing(monkeypatch):
    recorded = recorded_registrations(monkeypatch)
    services = services_with("dev", lambda s: s[1]["routes"][0].update(auth="cognito"))
    with pytest.raises(ConfigError, match=r"gatehouse:services\[1\]\.routes\[0\]\.auth is cognito, which the private API does not take"):
        render_with("dev", services=services, publicApi={"cognitoUserPoolArns": [POOL]})
    assert recorded == [[]]


# --- alarms and dashboard --------------------------------------------------------------------

def alarms(inventory) -> dict[str, dict]:
    return {r.name: r.inputs for r in inventory.by_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_alarms_per_api_and_per_function_notify_the_stack_topic():
    inventory = rendered("staging")
    topic = only(inventory, "aws:sns/topic:Topic", "alarms-topic").outputs["arn"]
    found = alarms(inventory)
    assert set(found) == {
        "alarms-public-5xx", "alarms-public-latency-p99", "alarms-private-5xx", "alarms-private-latency-p99",
        "alarms-greeter-errors", "alarms-greeter-throttles", "alarms-security-errors", "alarms-security-throttles",
    }
    assert all(a["alarmActions"] == [topic] and a["okActions"] == [topic] for a in found.values())
    assert all(a["treatMissingData"] == "notBreaching" for a in found.values())
    assert inventory.outputs["alarmTopicArn"] == topic


def test_api_alarms_watch_the_api_by_name_and_stage():
    inventory = rendered("staging")
    found = alarms(inventory)
    for key, api in (("public", "public-api"), ("private", "private-api")):
        name = only(inventory, "aws:apigateway/restApi:RestApi", api).outputs["name"]
        errors, latency = found[f"alarms-{key}-5xx"], found[f"alarms-{key}-latency-p99"]
        assert errors["dimensions"] == latency["dimensions"] == {"ApiName": name, "Stage": "v1"}
        assert (errors["namespace"], errors["metricName"], errors["statistic"], errors["threshold"]) == ("AWS/ApiGateway", "5XXError", "Sum", 0)
        assert (latency["metricName"], latency["extendedStatistic"]) == ("Latency", "p99")
        assert "statistic" not in latency  # PutMetricAlarm takes Statistic or ExtendedStatistic, not both
        assert latency["threshold"] == 9000  # 90% of the services' 10 s timeout


def test_latency_threshold_is_capped_by_the_integration_timeout():
    assert latency_threshold_ms(10) == 9000
    assert latency_threshold_ms(29) == latency_threshold_ms(60) == 0.9 * 29000


def test_function_alarms_watch_errors_and_throttles():
    found = alarms(rendered("staging"))
    assert found["alarms-security-errors"]["dimensions"] == {"FunctionName": "gatehouse-staging-security"}
    assert (found["alarms-security-throttles"]["namespace"], found["alarms-security-throttles"]["metricName"]) == ("AWS/Lambda", "Throttles")


def test_prod_alarms_notify_the_organisations_topic():
    inventory = rendered("prod")
    assert not inventory.by_type("aws:sns/topic:Topic")
    oncall = "arn:aws:sns:us-east-1:123456789012:gatehouse-prod-oncall"
    assert all(a["alarmActions"] == [oncall] for a in alarms(inventory).values())
    assert inventory.outputs["alarmTopicArn"] == oncall


def test_one_dashboard_shows_the_alarmed_metrics():
    inventory = rendered("staging")
    dashboard = only(inventory, "aws:cloudwatch/dashboard:Dashboard", "alarms")
    assert dashboard.inputs["dashboardName"] == "gatehouse-staging"
    metrics = {tuple(m[:2]) for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"] for m in w["properties"]["metrics"]}
    assert {("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "Latency"), ("AWS/Lambda", "Errors"), ("AWS/Lambda", "Throttles")} <= metrics
    api_names = {m[3] for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"] for m in w["properties"]["metrics"] if m[0] == "AWS/ApiGateway"}
    assert api_names == {r.outputs["name"] for r in inventory.by_type("aws:apigateway/restApi:RestApi")}
    assert inventory.outputs["dashboardUrl"] == (
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards:name=gatehouse-staging")


# --- public custom domain --------------------------------------------------------------------

def public_domain_stack(**certificate):
    certificate = certificate or {"certificateValidationZoneId": PUBLIC_ZONE}
    return render_with("staging", publicApi={"customDomain": {"domainName": "api.example.com", "zoneId": PUBLIC_ZONE, **certificate}})


def test_public_domain_children():
    assert children(public_domain_stack(), "gatehouse:domain:PublicCustomDomain", "public-domain") == [
        ("aws:apigateway/basePathMapping:BasePathMapping", "public-domain"),
        ("aws:apigateway/domainName:DomainName", "public-domain"),
        ("aws:route53/record:Record", "public-domain-alias"),
        ("gatehouse:domain:Certificate", "public-domain-cert"),
    ]


def test_public_domain_is_regional_tls13_and_maps_only_the_public_api():
    inventory = public_domain_stack()
    domain = only(inventory, "aws:apigateway/domainName:DomainName", "public-domain")
    assert domain.inputs["endpointConfiguration"] == {"types": "REGIONAL"}
    assert domain.inputs["securityPolicy"] == "SecurityPolicy_TLS13_1_3_2025_09"
    assert domain.inputs["endpointAccessMode"] == "STRICT"
    validation = only(inventory, "aws:acm/certificateValidation:CertificateValidation", "public-domain-cert")
    assert domain.inputs["regionalCertificateArn"] == validation.outputs["certificateArn"]
    assert "certificateArn" not in domain.inputs  # the edge-optimized field; REGIONAL uses regionalCertificateArn
    mapping = only(inventory, "aws:apigateway/basePathMapping:BasePathMapping", "public-domain").inputs
    assert mapping["restApi"] == only(inventory, "aws:apigateway/restApi:RestApi", "public-api").outputs["id"]
    assert mapping["stageName"] == "v1"
    alias = only(inventory, "aws:route53/record:Record", "public-domain-alias").inputs
    assert (alias["zoneId"], alias["name"], alias["type"]) == (PUBLIC_ZONE, "api.example.com", "A")
    assert alias["aliases"][0]["name"] == domain.outputs["regionalDomainName"]
    assert alias["aliases"][0]["zoneId"] == domain.outputs["regionalZoneId"]
    assert inventory.outputs["publicUrl"] == "https://api.example.com/"


def test_the_public_api_takes_the_domains_tls13_policy_because_the_handshake_uses_the_apis():
    with_domain = only(public_domain_stack(), "aws:apigateway/restApi:RestApi", "public-api").inputs
    assert (with_domain["securityPolicy"], with_domain["endpointAccessMode"]) == ("SecurityPolicy_TLS13_1_3_2025_09", "STRICT")
    without = only(rendered("staging"), "aws:apigateway/restApi:RestApi", "public-api").inputs
    assert without["securityPolicy"] == public_api_tls().security_policy


def test_public_domain_with_an_existing_certificate_creates_none():
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    inventory = public_domain_stack(certificateArn=arn)
    assert only(inventory, "aws:apigateway/domainName:DomainName", "public-domain").inputs["regionalCertificateArn"] == arn
    assert [r.name for r in inventory.by_type("aws:acm/certificate:Certificate")] == ["private-domain-cert"]


def test_without_a_public_domain_the_public_url_is_the_invoke_url():
    outputs = rendered("staging").outputs
    assert outputs["publicUrl"] == outputs["publicInvokeUrl"]


# --- shared execute-api endpoint -------------------------------------------------------------

def shared_endpoint_stack():
    return render_with("prod", privateApi={"vpcEndpointId": VPCE})


def test_shared_endpoint_creates_no_endpoint_and_no_security_group():
    inventory = shared_endpoint_stack()
    assert not inventory.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    # The ALB's and the prober's groups only: the shared endpoint's group is its owner's.
    assert sorted(r.name for r in inventory.by_type("aws:ec2/securityGroup:SecurityGroup")) == ["private-domain-alb-sg", "prober-sg"]
    assert children(inventory, "gatehouse:endpoint:SharedExecuteApiEndpoint", "execute-api") == []


def test_private_api_is_associated_with_the_shared_endpoint_and_admits_only_it():
    inventory = shared_endpoint_stack()
    api = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    assert api.inputs["endpointConfiguration"] == {"types": "PRIVATE", "vpcEndpointIds": [VPCE]}
    allow = policy_of(only(inventory, "aws:apigateway/restApiPolicy:RestApiPolicy", "private-api"))["Statement"][0]
    assert allow["Effect"] == "Allow" and allow["Condition"] == {"StringEquals": {"aws:SourceVpce": [VPCE]}}
    assert inventory.outputs["endpointId"] == VPCE
    assert inventory.outputs["endpointDnsNames"][0].startswith(f"{VPCE}-")


def test_alb_targets_are_the_shared_endpoints_eni_ips():
    inventory = shared_endpoint_stack()
    targets = [a.inputs["targetId"] for a in inventory.by_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")]
    assert len(set(targets)) == 3  # one per adopted subnet
    assert all(t.startswith("10.40.") for t in targets)


def test_shared_endpoint_is_checked_when_looked_up():
    """What only the lookup can tell is still the stack file's mistake: one ConfigError line."""
    service = "com.amazonaws.us-east-1.execute-api"

    def verify(service_name, endpoint_vpc, endpoint_subnets):
        return _verified("Pulumi.prod.yaml", VPCE, service, service_name, endpoint_vpc, endpoint_subnets,
                         "vpc-1", ["subnet-a", "subnet-b"])

    assert verify(service, "vpc-1", ["subnet-b", "subnet-c", "subnet-a"]) == VPCE
    cases = [
        (("com.amazonaws.us-east-1.s3", "vpc-1", ["subnet-a", "subnet-b"]), "an endpoint for com.amazonaws.us-east-1.s3; it must be one for"),
        ((service, "vpc-2", ["subnet-a", "subnet-b"]), "which is in vpc-2, not the stack's VPC vpc-1"),
        ((service, "vpc-1", ["subnet-a"]), "which has no network interface in subnet-b: network.adopt.subnetIds must list subnets the endpoint lives in (subnet-a)"),
    ]
    for looked_up, text in cases:
        with pytest.raises(ConfigError) as caught:
            verify(*looked_up)
        message = str(caught.value)
        assert message.startswith(f"gatehouse:privateApi.vpcEndpointId is {VPCE}, ")
        assert text in message and message.endswith("in Pulumi.prod.yaml")


def test_pack_admits_the_shared_endpoint_once_the_pack_config_lists_it(tmp_path, pooled_packs):
    """The pack knows only endpoints the stack declares or allowedEndpointIds lists, so a stack
    that adopts one lists it there (Pulumi.prod.yaml and the README say so)."""
    prod_config = json.loads((PROJECT_DIR / "policies" / "config" / "prod.json").read_text())

    def violations(allowed):
        prod_config["private-api-resource-policy"]["allowedEndpointIds"] = allowed
        config_file = tmp_path / "prod.json"
        config_file.write_text(json.dumps(prod_config))
        result = pack_result(shared_endpoint_stack(), config_file, pooled_packs)
        return {v.policy_name for v in result.violations if v.enforcement_level == "mandatory"}

    assert violations([]) == {"private-api-resource-policy"}
    assert violations([VPCE]) == set()


def test_reachability_uses_the_shared_endpoint_as_ours():
    config = load_stack_config(decode_config({**stack_config_map("prod"), "gatehouse:privateApi": json.dumps({"vpcEndpointId": VPCE})}), "prod")
    cells = {(c.api, c.scenario): c.decision for c in reachability(shared_endpoint_stack(), config)}
    assert cells[("api:private-api", "our-endpoint")] == "Allow"
    assert cells[("api:private-api", "other-endpoint-same-vpc")] == "ExplicitDeny"
    assert cells[("api:private-api", "internet")] == "ExplicitDeny"


def test_reachability_shows_the_public_domain_open_like_its_api():
    inventory = public_domain_stack()
    config = load_stack_config(decode_config(
        {**stack_config_map("staging"), "gatehouse:publicApi": json.dumps({"customDomain": {
            "domainName": "api.example.com", "zoneId": PUBLIC_ZONE, "certificateValidationZoneId": PUBLIC_ZONE}})}), "staging")
    cells = {(c.api, c.scenario): c.decision for c in reachability(inventory, config)}
    assert cells[("domain:api.example.com", "internet")] == "Allow"
    assert cells[("domain:api.staging.internal.example.com", "internet")] != "Allow"


def test_prod_with_every_platform_feature_passes_the_pack(tmp_path, pooled_packs):
    """Shared endpoint, cognito and iam routes, WAF, a public domain, a service throttle: the
    pack finds nothing to object to (the shared endpoint listed in allowedEndpointIds)."""
    services = services_with("prod", lambda s: (
        s[0]["routes"][0].update(auth="cognito"), s[1]["routes"][1].update(auth="iam"),
        s[1].update(throttling={"rateLimit": 20})))
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    inventory = render_with(
        "prod", services=services, privateApi={"vpcEndpointId": VPCE},
        publicApi={"cognitoUserPoolArns": [POOL], "customDomain": {"domainName": "api.example.com", "zoneId": PUBLIC_ZONE, "certificateArn": arn}},
    )
    pack_config = json.loads((PROJECT_DIR / "policies" / "config" / "prod.json").read_text())
    pack_config["private-api-resource-policy"]["allowedEndpointIds"] = [VPCE]
    (tmp_path / "prod.json").write_text(json.dumps(pack_config))
    result = pack_result(inventory, tmp_path / "prod.json", pooled_packs)
    assert [(v.policy_name, v.message) for v in result.violations] == []


def test_check_prints_a_platform_config_error_without_traceback(tmp_path):
    """In-process: `python -m pipeline check` as a child process, its exit code and its output
    without a traceback, is tested once, in test_program.py."""
    broken = copy_stack_file("prod").replace("    waf:\n      enabled: true", "    waf:\n      enabled: false")
    assert broken != copy_stack_file("prod")
    project = project_copy(tmp_path, {"prod": broken})
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        code = main(["check", "--project-dir", str(project), "--report-dir", str(tmp_path / "reports")])
    assert code == 2
    [line] = [line for line in stdout.getvalue().splitlines() if line.startswith("error:")]
    assert line.startswith("error: gatehouse:publicApi.waf.enabled must be true in prod")
    assert line.endswith("(lower tiers dev, staging, review may turn it off) in Pulumi.prod.yaml")
    assert "Traceback" not in stdout.getvalue() + stderr.getvalue()


def test_a_shared_endpoint_in_another_vpc_stops_the_render_with_one_config_error(monkeypatch):
    from pipeline import mocks

    looked_up = mocks.GatehouseMocks._shared_vpc_endpoint
    monkeypatch.setattr(mocks.GatehouseMocks, "_shared_vpc_endpoint",
                        lambda self, endpoint_id: {**looked_up(self, endpoint_id), "vpcId": "vpc-0other0000000000"})
    with pytest.raises(ConfigError, match=r"gatehouse:privateApi.vpcEndpointId is vpce-0123456789abcdef0, which is in vpc-0other0000000000, not the stack's VPC vpc-0a1b2c3d4e5f67890 \(network.adopt.vpcId\) in Pulumi.prod.yaml"):
        shared_endpoint_stack()
