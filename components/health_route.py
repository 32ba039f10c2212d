"""`GET /health` on every API, answered by API Gateway itself (a MOCK integration): what the
prober and `pipeline verify` call, so probing a stack never runs business code."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pulumi
import pulumi_aws as aws

if TYPE_CHECKING:
    from components.rest_api_parts import Served

HEALTH_PATH = "/health"
HEALTH_BODY = json.dumps({"status": "ok"}, separators=(",", ":"))
# A MOCK integration answers with the status code its request template selects.
MOCK_REQUEST = json.dumps({"statusCode": 200})


def add_health_route(parent: pulumi.Resource, name: str, api: aws.apigateway.RestApi, served: Served) -> None:
    """`{name}-health` resource, method, integration and their 200 responses, added to what the
    deployment waits for and redeploys on."""
    child = pulumi.ResourceOptions(parent=parent)
    resource = aws.apigateway.Resource(
        f"{name}-health", rest_api=api.id, parent_id=api.root_resource_id, path_part="health", opts=child
    )
    method = aws.apigateway.Method(
        f"{name}-health",
        rest_api=api.id,
        resource_id=resource.id,
        http_method="GET",
        authorization="NONE",
        opts=child,
    )
    integration = aws.apigateway.Integration(
        f"{name}-health",
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        type="MOCK",
        request_templates={"application/json": MOCK_REQUEST},
        opts=child,
    )
    method_response = aws.apigateway.MethodResponse(
        f"{name}-health",
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        status_code="200",
        response_models={"application/json": "Empty"},
        opts=child,
    )
    integration_response = aws.apigateway.IntegrationResponse(
        f"{name}-health",
        rest_api=api.id,
        resource_id=resource.id,
        http_method=method.http_method,
        status_code=method_response.status_code,
        response_templates={"application/json": HEALTH_BODY},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[integration]),
    )
    settings = {"path": HEALTH_PATH, "request": MOCK_REQUEST, "body": HEALTH_BODY}
    for part in (resource, method, integration, method_response, integration_response):
        served.add(part, f"health-{type(part).__name__}", **settings)
