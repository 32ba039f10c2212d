"""The two gateways never mix: a private service is only routed from the PRIVATE API."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from gatehouse_guard.model import Finding, ReferenceIndex, Resource
from gatehouse_guard.rules.api_exposure import REST_API, is_private_api
from gatehouse_guard.rules.unknowns import checked

FUNCTION = "aws:lambda/function:Function"
INTEGRATION = "aws:apigateway/integration:Integration"
VISIBILITY_TAG = "gatehouse:visibility"


def _visibility(function: Resource) -> str | None:
    tags = function.props.get("tags")
    return tags.get(VISIBILITY_TAG) if isinstance(tags, dict) else None


def check_gateway_mixing(resources: Sequence[Resource]) -> list[Finding]:
    """Stack-level: join each Integration to its API (`restApi`) and its Lambda (`uri`)."""
    apis = ReferenceIndex([r for r in resources if r.type == REST_API], "id")
    functions = ReferenceIndex([r for r in resources if r.type == FUNCTION and _visibility(r)], "invokeArn", "arn")
    findings: list[Finding] = []
    for integration in (r for r in resources if r.type == INTEGRATION):
        findings.extend(
            checked(partial(_check_integration, apis=apis, functions=functions), integration)
        )
    return findings


def _check_integration(
    integration: Resource, *, apis: ReferenceIndex, functions: ReferenceIndex
) -> Iterator[Finding]:
    api = apis.first(integration, "restApi")
    function = functions.first(integration, "uri")
    if api is None or function is None:
        return
    private_api = is_private_api(api.props)
    visibility = _visibility(function)
    if visibility == "private" and not private_api:
        yield Finding(
            f"{integration.label} routes {api.label}, which is not PRIVATE, to {function.label}, "
            f"a private service ({VISIBILITY_TAG}=private); private services belong on the "
            "PRIVATE API only",
            integration.urn or None,
        )
    elif visibility == "public" and private_api:
        yield Finding(
            f"{integration.label} routes the PRIVATE {api.label} to {function.label}, a public "
            f"service ({VISIBILITY_TAG}=public); the two gateways never share a service",
            integration.urn or None,
        )
