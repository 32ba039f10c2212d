"""The three ways to call the private API from inside the VPC, as ready-to-paste curl lines."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stack_config.model import Service


@dataclass(frozen=True)
class ExampleRoute:
    method: str
    path: str
    """With path parameters filled in."""


def example_route(service: Service) -> ExampleRoute:
    """The service's first route."""
    route = service.routes[0]
    return ExampleRoute(route.method, re.sub(r"\{[^}]+\}", "example", route.path))


def method_flag(method: str) -> str:
    """What curl needs to send `method`: nothing for GET (or ANY, which a GET satisfies), `-I`
    for HEAD (`-X HEAD` would wait for a body that never comes), else `-X METHOD`."""
    if method in ("GET", "ANY"):
        return ""
    if method == "HEAD":
        return "-I "
    return f"-X {method} "


def curl_lines(
    *, endpoint_dns: str, api_id: str, region: str, stage: str, route: ExampleRoute, domain: str | None
) -> dict[str, str]:
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    curl = f"curl {method_flag(route.method)}"
    lines = {
        "hostHeader": f"{curl}https://{endpoint_dns}/{stage}{route.path} -H 'Host: {host}'",
        "apiIdHeader": f"{curl}https://{endpoint_dns}/{stage}{route.path} -H 'x-apigw-api-id: {api_id}'",
    }
    if domain:
        # The base path mapping carries the stage, so the custom domain URL has none.
        lines["customDomain"] = f"{curl}https://{domain}{route.path}"
    return lines
