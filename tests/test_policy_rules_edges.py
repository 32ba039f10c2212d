"""The ALB, custom-domain TLS, Lambda backdoors and stage observability, one change at a time."""

import pytest
from gatehouse_guard.model import Resource
from gatehouse_guard.rules.backdoors import check_function_url, check_lambda_permission
from gatehouse_guard.rules.custom_domain import check_domain_tls
from gatehouse_guard.rules.load_balancer import (
    check_alb_deletion_protection,
    check_alb_internal,
    check_listener_tls,
)
from gatehouse_guard.rules.observability import check_stage_observability
from gatehouse_guard.rules.unknowns import UNKNOWN, Unresolved
from policy_baseline import EXECUTION_ARN

BASELINES = {
    "lb": ("aws:lb/loadBalancer:LoadBalancer",
           {"internal": True, "loadBalancerType": "application",
            "dropInvalidHeaderFields": True, "enableDeletionProtection": True}),
    "listener": ("aws:lb/listener:Listener",
                 {"protocol": "HTTPS", "port": 443,
                  "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                  "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/x",
                  "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}]}),
    "domain": ("aws:apigateway/domainName:DomainName",
               {"domainName": "api.internal.example.com",
                "endpointConfiguration": {"types": "PRIVATE"},
                "securityPolicy": "SecurityPolicy_TLS13_1_3_2025_09"}),
    "url": ("aws:lambda/functionUrl:FunctionUrl", {"authorizationType": "AWS_IAM"}),
    "permission": ("aws:lambda/permission:Permission",
                   {"action": "lambda:InvokeFunction", "function": "security",
                    "principal": "apigateway.amazonaws.com", "sourceArn": f"{EXECUTION_ARN}/*"}),
    "stage": ("aws:apigateway/stage:Stage",
              {"accessLogSettings": {"destinationArn": "arn:aws:logs:x", "format": "{}"},
               "xrayTracingEnabled": True}),
}


def resource(kind: str, **changes) -> Resource:
    type_, props = BASELINES[kind]
    return Resource(type_, f"my-{kind}", {**props, **changes}, f"urn:{kind}")


def messages(rule, kind, **changes) -> list[str]:
    return [f.message for f in rule(resource(kind, **changes))]


@pytest.mark.parametrize("rule, kind", [
    (check_alb_internal, "lb"), (check_alb_deletion_protection, "lb"),
    (check_listener_tls, "listener"), (check_domain_tls, "domain"),
    (check_function_url, "url"), (check_lambda_permission, "permission"),
    (check_stage_observability, "stage"),
])
def test_baselines_pass(rule, kind):
    assert messages(rule, kind) == []


def test_internet_facing_alb_is_a_violation():
    [message] = messages(check_alb_internal, "lb", internal=False)
    assert "LoadBalancer 'my-lb' is internet-facing" in message and "internal: true" in message


def test_alb_scheme_unknown_raises_unresolved():
    with pytest.raises(Unresolved, match="internal"):
        messages(check_alb_internal, "lb", internal=UNKNOWN)


def test_deletion_protection_off_is_a_violation():
    [message] = messages(check_alb_deletion_protection, "lb", enableDeletionProtection=False)
    assert "enableDeletionProtection off" in message


def test_plain_http_listener_is_a_violation():
    [message] = messages(check_listener_tls, "listener", protocol="HTTP", port=80, sslPolicy=None)
    assert "Listener 'my-listener' serves plain HTTP" in message


def test_http_listener_that_redirects_to_https_passes():
    redirect = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                  "statusCode": "HTTP_301"}}]
    assert messages(check_listener_tls, "listener", protocol="HTTP", defaultActions=redirect) == []


@pytest.mark.parametrize("policy", [
    "ELBSecurityPolicy-2016-08", "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0-2021-06", "ELBSecurityPolicy-FS-1-1-2019-08",
])
def test_listener_policy_weaker_than_tls12_is_a_violation(policy):
    [message] = messages(check_listener_tls, "listener", sslPolicy=policy)
    assert f"sslPolicy {policy}" in message and "TLS 1.2 or stronger" in message


@pytest.mark.parametrize("policy", [
    "ELBSecurityPolicy-TLS13-1-3-2021-06", "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10", "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
])
def test_listener_policy_tls12_or_stronger_passes(policy):
    assert messages(check_listener_tls, "listener", sslPolicy=policy) == []


def test_https_listener_without_policy_is_a_violation():
    [message] = messages(check_listener_tls, "listener", sslPolicy=None)
    assert "ELBSecurityPolicy-2016-08 allows TLS 1.0" in message


def test_domain_with_tls10_is_a_violation():
    [message] = messages(check_domain_tls, "domain", securityPolicy="TLS_1_0")
    assert "DomainName 'my-domain' has securityPolicy TLS_1_0" in message


@pytest.mark.parametrize("policy", ["TLS_1_2", "SecurityPolicy_TLS13_1_2_2021_06"])
def test_domain_with_tls12_or_enhanced_passes(policy):
    assert messages(check_domain_tls, "domain", securityPolicy=policy) == []


def test_domain_with_unrecognised_policy_is_a_violation():
    [message] = messages(check_domain_tls, "domain", securityPolicy="TLS_1_1")
    assert "securityPolicy TLS_1_1" in message


def test_function_url_without_auth_is_a_violation():
    [message] = messages(check_function_url, "url", authorizationType="NONE")
    assert "FunctionUrl 'my-url' has authorizationType NONE" in message


def test_apigateway_permission_without_source_arn_is_a_violation():
    [message] = messages(check_lambda_permission, "permission", sourceArn=None)
    assert "without a sourceArn" in message


def test_permission_for_everyone_is_a_violation():
    [message] = messages(check_lambda_permission, "permission", principal="*")
    assert "principal '*'" in message


def test_permission_for_any_api_is_a_violation():
    [message] = messages(check_lambda_permission, "permission",
                         sourceArn="arn:aws:execute-api:us-east-1:123456789012:*/*")
    assert "matches any API" in message


def test_stage_without_logs_and_tracing_is_advised_against():
    [message] = messages(check_stage_observability, "stage", accessLogSettings=None,
                         xrayTracingEnabled=False)
    assert "no access logs" in message and "no X-Ray tracing" in message


def test_stage_with_log_destination_still_unknown_passes():
    assert messages(check_stage_observability, "stage", accessLogSettings=UNKNOWN) == []
