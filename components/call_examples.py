"""The three ways to call the private API from inside the VPC, as ready-to-paste curl lines."""

from __future__ import annotations

import re

from stack_config.model import Service


def example_path(service: Service) -> str:
    """The service's first route, with path parameters filled in."""
    return re.sub(r"\{[^}]+\}", "example", service.routes[0].path)


def curl_lines(
    *, endpoint_dns: str, api_id: str, region: str, stage: str, path: str, domain: str | None
) -> dict[str, str]:
    host = f"{api_id}.execute-api.{region}.amazonaws.com"
    lines = {
        "hostHeader": f"curl https://{endpoint_dns}/{stage}{path} -H 'Host: {host}'",
        "apiIdHeader": f"curl https://{endpoint_dns}/{stage}{path} -H 'x-apigw-api-id: {api_id}'",
    }
    if domain:
        # The base path mapping carries the stage, so the custom domain URL has none.
        lines["customDomain"] = f"curl https://{domain}{path}"
    return lines
