"""api-endpoint-type and no-mixed-gateways: which APIs face the internet, and what they route to."""

from dataclasses import replace

import pytest
from gatehouse_guard.model import Resource
from gatehouse_guard.rules.api_exposure import check_api_exposure
from gatehouse_guard.rules.routing import check_gateway_mixing
from gatehouse_guard.rules.unknowns import UNKNOWN, Unresolved
from policy_baseline import PRIVATE_API_ID, find, stack

ALLOWED = ["public-api"]


def api(name: str, **changes) -> Resource:
    base = find(stack(), name)
    return replace(base, props={**base.props, **changes})


def messages(resource: Resource, allowed=ALLOWED) -> list[str]:
    return [f.message for f in check_api_exposure(resource, allowed)]


def test_baseline_apis_pass():
    assert messages(api("private-api")) == []
    assert messages(api("public-api")) == []


def test_public_api_not_listed_in_config_is_a_violation():
    [message] = messages(api("public-api"), allowed=[])
    assert "RestApi 'public-api'" in message
    assert "endpoint type REGIONAL" in message
    assert "allowedPublicApis (currently: none)" in message


def test_public_api_matched_by_its_aws_name_too():
    assert messages(api("public-api"), allowed=["public-api-3c4d"]) == []


def test_regional_api_without_exposure_tag_is_a_violation():
    [message] = messages(api("public-api", tags={}))
    assert "not declared public" in message and "exposure=public" in message


def test_api_tagged_private_but_regional_is_a_violation():
    changed = api("private-api", endpointConfiguration={"types": "REGIONAL"})
    [message] = messages(changed, allowed=["private-api"])
    assert "tagged exposure=private but its endpoint type is REGIONAL" in message


def test_missing_endpoint_configuration_means_edge():
    changed = api("public-api", endpointConfiguration=None, tags={"exposure": "internal"})
    [message] = messages(changed)
    assert "endpoint type EDGE" in message


def test_one_element_list_of_types_is_accepted():
    assert messages(api("private-api", endpointConfiguration={"types": ["PRIVATE"]})) == []


def test_unknown_endpoint_type_is_unresolved():
    with pytest.raises(Unresolved, match="endpointConfiguration.types"):
        messages(api("private-api", endpointConfiguration={"types": UNKNOWN}))


def routing_messages(resources) -> list[str]:
    """Route findings only (the stack's invoke permissions are judged by the same rule)."""
    return [f.message for f in check_gateway_mixing(resources) if f.message.startswith("Integration ")]


def test_baseline_routing_passes():
    assert routing_messages(stack()) == []


def test_public_api_routing_to_private_service_is_a_violation():
    resources = stack()
    integration = find(resources, "public-api-greeter")
    resources[resources.index(integration)] = replace(
        integration,
        props={**integration.props,
               "uri": find(resources, "svc-security").props["invokeArn"]},
    )
    [message] = routing_messages(resources)
    assert "Integration 'public-api-greeter' routes RestApi 'public-api'" in message
    assert "Function 'svc-security', a private service" in message


def test_private_api_routing_to_public_service_is_a_violation():
    resources = stack()
    integration = find(resources, "public-api-greeter")
    resources[resources.index(integration)] = replace(
        integration, props={**integration.props, "restApi": PRIVATE_API_ID}
    )
    [message] = routing_messages(resources)
    assert "PRIVATE RestApi 'private-api' to Function 'svc-greeter', a public service" in message


def test_join_through_property_dependencies_when_ids_are_unknown():
    """During a preview the ids are unknown; the engine's property dependencies still join."""
    resources = stack()
    public, security = find(resources, "public-api"), find(resources, "svc-security")
    integration = find(resources, "public-api-greeter")
    resources[resources.index(integration)] = replace(
        integration,
        props={**integration.props, "restApi": UNKNOWN, "uri": UNKNOWN},
        property_dependencies={"restApi": (public.urn,), "uri": (security.urn,)},
    )
    [message] = routing_messages(resources)
    assert "a private service" in message
