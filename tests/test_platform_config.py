"""The platform features' config keys (publicApi, routes[].auth, throttling, alarms,
privateApi.vpcEndpointId): secure defaults, and every bad value's one-line error naming the stack
file, the key and what is allowed. Pure functions: no Pulumi runtime needed."""

import copy

import pytest
import yaml

from pipeline.stack_files import PROJECT_DIR
from stack_config import ConfigError, load_stack_config
from stack_config.platform_model import PublicCustomDomain, Throttling

PUB = "gatehouse:publicApi"
API = "gatehouse:privateApi"
SVC = "gatehouse:services"
POOL = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123"
VPCE = "vpce-0123456789abcdef0"


def shipped(stack: str) -> dict:
    return yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]


def edited(stack: str, *edits) -> dict:
    raw = copy.deepcopy(shipped(stack))
    for edit in edits:
        edit(raw)
    return raw


def put(key, value):
    return lambda raw: raw.__setitem__(key, value)


def route(service: int, index: int, **changes):
    return lambda raw: raw[SVC][service]["routes"][index].update(changes)


def service(index: int, **changes):
    return lambda raw: raw[SVC][index].update(changes)


GREETER_COGNITO = route(0, 0, auth="cognito")
DOMAIN = {"domainName": "api.example.com", "zoneId": "Z0PUBLICZONE0000001", "certificateValidationZoneId": "Z0PUBLICZONE0000001"}

CASES = [
    # (id, stack, edits, key in message, text in message)
    ("unknown-auth", "dev", [route(0, 0, auth="jwt")], "gatehouse:services[0].routes[0].auth", "must be one of none, iam, cognito (got 'jwt')"),
    ("cognito-on-private-api", "dev", [route(1, 0, auth="cognito")], "gatehouse:services[1].routes[0].auth", "the private API does not take"),
    ("cognito-without-pools", "dev", [GREETER_COGNITO], "gatehouse:publicApi.cognitoUserPoolArns", "is required"),
    ("pools-without-cognito-route", "dev", [put(PUB, {"cognitoUserPoolArns": [POOL]})], "gatehouse:publicApi.cognitoUserPoolArns", "no public route has auth: cognito"),
    ("bad-pool-arn", "dev", [GREETER_COGNITO, put(PUB, {"cognitoUserPoolArns": ["us-east-1_AbCdEf123"]})], "gatehouse:publicApi.cognitoUserPoolArns[0]", "must be a Cognito user pool ARN"),
    ("repeated-pool", "dev", [GREETER_COGNITO, put(PUB, {"cognitoUserPoolArns": [POOL, POOL]})], "gatehouse:publicApi.cognitoUserPoolArns", "must not repeat"),
    ("waf-off-in-prod", "prod", [put(PUB, {"waf": {"enabled": False}})], "gatehouse:publicApi.waf.enabled", "must be true in prod"),
    ("waf-enabled-not-bool", "dev", [put(PUB, {"waf": {"enabled": "no"}})], "gatehouse:publicApi.waf.enabled", "must be true or false"),
    ("waf-rate-below-minimum", "dev", [put(PUB, {"waf": {"rateLimit": 5}})], "gatehouse:publicApi.waf.rateLimit", "must be at least 10"),
    ("waf-rate-above-maximum", "dev", [put(PUB, {"waf": {"rateLimit": 3_000_000_000}})], "gatehouse:publicApi.waf.rateLimit", "at most 2,000,000,000"),
    ("waf-typo", "dev", [put(PUB, {"waf": {"ratelimit": 100}})], "gatehouse:publicApi.waf.ratelimit", "not a known key"),
    ("public-api-typo", "dev", [put(PUB, {"wafs": {}})], "gatehouse:publicApi.wafs", "not a known key"),
    ("domain-both-certificates", "dev", [put(PUB, {"customDomain": {**DOMAIN, "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}})], "gatehouse:publicApi.customDomain.certificateArn", "exactly one is required (got both)"),
    ("domain-no-certificate", "dev", [put(PUB, {"customDomain": {"domainName": "api.example.com", "zoneId": "Z0PUBLICZONE0000001"}})], "gatehouse:publicApi.customDomain.certificateArn", "(got neither)"),
    ("domain-without-zone", "dev", [put(PUB, {"customDomain": {"domainName": "api.example.com", "certificateValidationZoneId": "Z0PUBLICZONE0000001"}})], "gatehouse:publicApi.customDomain.zoneId", "is required"),
    ("domain-bad-zone", "dev", [put(PUB, {"customDomain": {**DOMAIN, "zoneId": "zone-1"}})], "gatehouse:publicApi.customDomain.zoneId", "Route 53 zone id"),
    ("domain-bad-name", "dev", [put(PUB, {"customDomain": {**DOMAIN, "domainName": "api_example"}})], "gatehouse:publicApi.customDomain.domainName", "must be a DNS name"),
    ("domain-bad-certificate-arn", "dev", [put(PUB, {"customDomain": {"domainName": "api.example.com", "zoneId": "Z0PUBLICZONE0000001", "certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}})], "gatehouse:publicApi.customDomain.certificateArn", "ACM certificate ARN"),
    ("domain-same-as-private", "dev", [put(PUB, {"customDomain": {**DOMAIN, "domainName": "api.dev.internal.example.com"}})], "gatehouse:publicApi.customDomain.domainName", "the two APIs need different names"),
    ("domain-without-public-service", "dev", [put(SVC, [shipped("dev")[SVC][1]]), put(PUB, {"customDomain": DOMAIN})], "gatehouse:publicApi.customDomain", "no service is public"),
    ("throttle-rate-zero", "dev", [put("gatehouse:throttling", {"rateLimit": 0})], "gatehouse:throttling.rateLimit", "above 0 and at most 10000"),
    ("throttle-rate-text", "dev", [put("gatehouse:throttling", {"rateLimit": "fast"})], "gatehouse:throttling.rateLimit", "must be a number"),
    ("throttle-rate-over-account", "dev", [put("gatehouse:throttling", {"rateLimit": 20000})], "gatehouse:throttling.rateLimit", "at most 10000"),
    ("throttle-burst-zero", "dev", [put("gatehouse:throttling", {"burstLimit": 0})], "gatehouse:throttling.burstLimit", "at least 1"),
    ("throttle-burst-over-account", "dev", [put("gatehouse:throttling", {"burstLimit": 6000})], "gatehouse:throttling.burstLimit", "at most 5000"),
    ("throttle-not-object", "dev", [put("gatehouse:throttling", 100)], "gatehouse:throttling", "must be an object"),
    ("service-throttle-typo", "dev", [service(0, throttling={"rate": 5})], "gatehouse:services[0].throttling.rate", "not a known key"),
    ("service-throttle-burst", "dev", [service(0, throttling={"burstLimit": -1})], "gatehouse:services[0].throttling.burstLimit", "at least 1"),
    ("alarm-topic-not-sns", "prod", [put("gatehouse:alarms", {"topicArn": "arn:aws:sqs:us-east-1:123456789012:oncall"})], "gatehouse:alarms.topicArn", "must be an SNS topic ARN"),
    ("alarm-topic-fifo", "prod", [put("gatehouse:alarms", {"topicArn": "arn:aws:sns:us-east-1:123456789012:oncall.fifo"})], "gatehouse:alarms.topicArn", "cannot notify a FIFO topic"),
    ("alarms-typo", "prod", [put("gatehouse:alarms", {"topic": "x"})], "gatehouse:alarms.topic", "not a known key"),
    ("shared-endpoint-bad-id", "prod", [put(API, {"vpcEndpointId": "vpce-*"})], "gatehouse:privateApi.vpcEndpointId", "must be the shared execute-api endpoint's id"),
    ("shared-endpoint-created-vpc", "dev", [put(API, {"vpcEndpointId": VPCE})], "gatehouse:privateApi.vpcEndpointId", "needs gatehouse:network.adopt"),
    ("shared-endpoint-private-dns", "prod", [put(API, {"vpcEndpointId": VPCE, "privateDns": True})], "gatehouse:privateApi.privateDns", "the shared endpoint's owner decides it"),
    ("shared-endpoint-endpoint-policy", "prod", [put(API, {"vpcEndpointId": VPCE, "reachableAccountIds": ["210987654321"]})], "gatehouse:privateApi.reachableAccountIds", "the shared endpoint's owner writes its policy"),
    ("shared-endpoint-also-extra", "prod", [put(API, {"vpcEndpointId": VPCE, "extraVpcEndpointIds": [VPCE]})], "gatehouse:privateApi.extraVpcEndpointIds", "already the stack's vpcEndpointId"),
]


@pytest.mark.parametrize(("stack", "edits", "key", "text"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_value_names_file_key_and_what_is_allowed(stack, edits, key, text):
    with pytest.raises(ConfigError) as caught:
        load_stack_config(edited(stack, *edits), stack)
    message = str(caught.value)
    assert caught.value.key == key
    assert message.startswith(key)
    assert text in message
    assert message.endswith(f"in Pulumi.{stack}.yaml")


def test_defaults_are_the_secure_choice():
    """WAF on at 2000 requests per IP per 5 minutes, no auth is none by accident, a topic per stack."""
    raw = edited("staging")
    config = load_stack_config(raw, "staging")
    assert config.public_api.waf.enabled is True
    assert config.public_api.waf.rate_limit == 2000
    assert config.public_api.custom_domain is None
    assert config.public_api.cognito_user_pool_arns == ()
    assert config.throttling == Throttling(rate_limit=500.0, burst_limit=1000)
    assert config.alarms.topic_arn is None
    assert config.private_api.vpc_endpoint_id is None
    assert {r.auth for s in config.services for r in s.routes} == {"none"}
    assert all(s.throttling is None for s in config.services)


def test_lower_tiers_may_turn_waf_off():
    for stack in ("dev", "staging"):
        config = load_stack_config(edited(stack, put(PUB, {"waf": {"enabled": False}})), stack)
        assert config.public_api.waf.enabled is False
    review = edited("dev", put("gatehouse:environment", "review"), put(PUB, {"waf": {"enabled": False}}))
    assert load_stack_config(review, "pr-3").public_api.waf.enabled is False


def test_shipped_stacks_show_the_new_keys():
    dev = load_stack_config(shipped("dev"), "dev")
    prod = load_stack_config(shipped("prod"), "prod")
    assert [(r.path, r.auth) for r in dev.services[1].routes] == [("/security", "none"), ("/security/{id}", "iam")]
    assert dev.services[0].throttling == Throttling(rate_limit=50.0, burst_limit=100)
    assert prod.public_api.waf.enabled is True
    assert prod.alarms.topic_arn == "arn:aws:sns:us-east-1:123456789012:gatehouse-prod-oncall"


def test_service_throttle_takes_the_stack_default_for_what_it_leaves_out():
    raw = edited("dev", put("gatehouse:throttling", {"rateLimit": 300, "burstLimit": 600}), service(0, throttling={"rateLimit": 20}))
    config = load_stack_config(raw, "dev")
    assert config.throttling == Throttling(300.0, 600)
    assert config.services[0].throttling == Throttling(20.0, 600)


def test_cognito_route_with_pools_and_a_public_domain_load():
    raw = edited("dev", GREETER_COGNITO, put(PUB, {"cognitoUserPoolArns": [POOL], "customDomain": {**DOMAIN, "domainName": "API.Example.com"}}))
    config = load_stack_config(raw, "dev")
    assert config.services[0].routes[0].auth == "cognito"
    assert config.public_api.cognito_user_pool_arns == (POOL,)
    assert config.public_api.custom_domain == PublicCustomDomain("api.example.com", "Z0PUBLICZONE0000001", None, "Z0PUBLICZONE0000001")


def test_a_route_is_one_route_whatever_its_auth():
    """Auth is a property of the route, not part of its identity: the same method and path twice
    is still a repeat."""
    raw = edited("dev", lambda r: r[SVC][1]["routes"].append({"method": "GET", "path": "/security", "auth": "iam"}))
    with pytest.raises(ConfigError, match=r"gatehouse:services\[1\]\.routes\[2\]\.path repeats route GET /security"):
        load_stack_config(raw, "dev")


def test_shared_endpoint_loads_with_an_adopted_network():
    config = load_stack_config(edited("prod", put(API, {"vpcEndpointId": VPCE})), "prod")
    assert config.private_api.vpc_endpoint_id == VPCE
