"""no-mixed-gateways without trusting tags (issue 11, class 7), over every kind of route: REST
and HTTP API integrations, HTTP API quick-create targets, aliases and qualified ARNs."""

import pytest
from gatehouse_guard.rules.routing import check_gateway_mixing
from policy_baseline import (
    PUBLIC_API_ID,
    SECURITY_FUNCTION_ARN,
    added,
    changed,
    find,
    stack,
)

INTEGRATION = "aws:apigateway/integration:Integration"


def messages(resources) -> list[str]:
    return [f.message for f in check_gateway_mixing(resources)]


def public_route_to_security(resources, uri=None):
    uri = uri or find(resources, "svc-security").props["invokeArn"]
    return added(resources, INTEGRATION, "public-api-security",
                 {"restApi": PUBLIC_API_ID, "type": "AWS_PROXY", "uri": uri})


@pytest.mark.parametrize("tags", [
    None,
    {"gatehouse:service": "security"},
    {"gatehouse:service": "security", "gatehouse:visibility": "public"},
    {"gatehouse:visibility": "PRIVATE-ish"},
])
def test_a_function_the_private_api_routes_to_is_private_whatever_its_tags(tags):
    resources = public_route_to_security(changed(stack(), "svc-security", tags=tags))
    found = [m for m in messages(resources) if "Integration 'public-api-security'" in m]
    assert found == [
        "Integration 'public-api-security' routes RestApi 'public-api', which is not PRIVATE, to "
        "Function 'svc-security', a private service (routed from the PRIVATE RestApi 'private-api'); "
        "private services belong on the PRIVATE API only"]


def test_a_tagged_private_function_nobody_privately_routes_is_still_private():
    resources = [r for r in stack() if r.name not in ("private-api-security", "security-invoke")]
    [message] = messages(public_route_to_security(resources))
    assert "a private service (gatehouse:visibility=private)" in message


LIVE_INVOKE = (f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
               f"{SECURITY_FUNCTION_ARN}:live/invocations")


@pytest.mark.parametrize("uri", [
    LIVE_INVOKE,
    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{SECURITY_FUNCTION_ARN}:7/invocations",
    f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{SECURITY_FUNCTION_ARN}/invocations",
])
def test_an_alias_or_version_of_a_private_function_on_the_public_api_is_a_violation(uri):
    [message] = messages(public_route_to_security(stack(), uri))
    assert "to Function 'svc-security', a private service" in message


def test_an_alias_resource_joins_by_dependency_when_its_arn_is_unknown():
    resources = added(stack(), "aws:lambda/alias:Alias", "security-live",
                      {"functionName": "security", "name": "live"})
    alias = find(resources, "security-live")
    resources = added(resources, INTEGRATION, "public-api-security",
                      {"restApi": PUBLIC_API_ID, "type": "AWS_PROXY", "uri": "unknown"}, uri=(alias.urn,))
    [message] = messages(resources)
    assert "Function 'svc-security', a private service" in message


def test_an_http_api_integration_of_a_private_function_is_a_violation():
    resources = added(stack(), "aws:apigatewayv2/api:Api", "edge", {"id": "h1", "protocolType": "HTTP"})
    resources = added(resources, "aws:apigatewayv2/integration:Integration", "edge-security", {
        "apiId": "h1", "integrationType": "AWS_PROXY", "integrationUri": SECURITY_FUNCTION_ARN})
    [message] = messages(resources)
    assert "Integration 'edge-security' routes Api 'edge', which is an HTTP API (always public), to " \
           "Function 'svc-security'" in message


def test_an_http_api_quick_create_target_of_a_private_function_is_a_violation():
    resources = added(stack(), "aws:apigatewayv2/api:Api", "quick",
                      {"id": "h2", "protocolType": "HTTP", "target": f"{SECURITY_FUNCTION_ARN}:live"})
    [message] = messages(resources)
    assert "Api 'quick' routes Api 'quick'" in message and "a private service" in message


def test_the_public_function_on_an_http_api_passes():
    resources = added(stack(), "aws:apigatewayv2/api:Api", "edge", {"id": "h1", "protocolType": "HTTP"})
    resources = added(resources, "aws:apigatewayv2/integration:Integration", "edge-greeter", {
        "apiId": "h1", "integrationType": "AWS_PROXY", "integrationUri": find(stack(), "svc-greeter").props["arn"]})
    assert messages(resources) == []


def test_the_same_rule_judges_invoke_grants_against_the_routes():
    resources = changed(stack(), "security-invoke",
                        sourceArn=find(stack(), "public-api").props["executionArn"] + "/*")
    [message] = messages(resources)
    assert message.startswith("Permission 'security-invoke' lets RestApi 'public-api' invoke")
