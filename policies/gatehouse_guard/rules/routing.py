"""The two gateways never mix: a private service is only routed from the PRIVATE API.

A function is private when the PRIVATE API integrates it, whatever its tags say (a tag is a
claim, the integration is a fact), or when it is tagged `gatehouse:visibility=private`. Routes are
REST integrations, HTTP API (`apigatewayv2`) integrations and HTTP API quick-create targets,
joined to functions through aliases and qualified ARNs as well as the function itself.
Grants to invoke (a `Permission`, a Lambda `ResourcePolicy`) are the other half of a route, so
they are judged here too, against the same joins.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gatehouse_guard.model import Finding, Resource, StackIndex
from gatehouse_guard.rules.api_exposure import REST_API
from gatehouse_guard.rules.backdoors import invoke_source_findings
from gatehouse_guard.rules.topology import VISIBILITY_TAG, Topology, visibility_tag


def check_gateway_mixing(resources: Sequence[Resource]) -> list[Finding]:
    """Stack-level: every route joins an API to a function, private never meets public; and
    every invoke grant names an API that routes there (`backdoors.invoke_source_findings`)."""
    topology = Topology(StackIndex(resources))
    routes = [finding for route in topology.routes for finding in _check_route(topology, *route)]
    return [*routes, *invoke_source_findings(topology)]


def _why_private(topology: Topology, function: Resource) -> str:
    private_apis = [a.label for a in topology.routed_from(function) if not topology.is_public_api(a)]
    if private_apis:
        return f"routed from the PRIVATE {', '.join(dict.fromkeys(private_apis))}"
    return f"{VISIBILITY_TAG}=private"


def _check_route(topology: Topology, api: Resource, function: Resource, via: Resource) -> Iterator[Finding]:
    public_api = topology.is_public_api(api)
    if public_api and topology.is_private_function(function):
        what = "an HTTP API (always public)" if api.type != REST_API else "not PRIVATE"
        yield Finding(
            f"{via.label} routes {api.label}, which is {what}, to {function.label}, a private "
            f"service ({_why_private(topology, function)}); private services belong on the "
            "PRIVATE API only",
            via.urn or None,
        )
    elif not public_api and visibility_tag(function) == "public":
        yield Finding(
            f"{via.label} routes the PRIVATE {api.label} to {function.label}, a public "
            f"service ({VISIBILITY_TAG}=public); the two gateways never share a service",
            via.urn or None,
        )
