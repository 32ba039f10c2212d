"""What the public and the private API build alike: routes, the Lambda permissions, a deployment
that follows every change, and a hardened stage. Plain functions called by each API component,
so each component still owns (parents) every resource it creates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.backend import ServiceBackend
from stack_config.model import Service
from stack_config.route_names import path_slug as _slug  # config validation rejects colliding slugs

STAGE_NAME = "v1"

# One JSON line per request with what a 403 investigation needs: who came through which endpoint.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "requestTime": "$context.requestTime",
        "httpMethod": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "status": "$context.status",
        "sourceIp": "$context.identity.sourceIp",
        "vpceId": "$context.identity.vpceId",
        "vpcId": "$context.identity.vpcId",
        "userAgent": "$context.identity.userAgent",
        "errorMessage": "$context.error.message",
        "responseLatency": "$context.responseLatency",
    },
    separators=(",", ":"),
)


@dataclass
class RoutedService:
    service: Service
    backend: ServiceBackend


def serve(
    parent: pulumi.Resource,
    name: str,
    api: aws.apigateway.RestApi,
    routed: Sequence[RoutedService],
    *,
    policy: pulumi.Input[str] | None,
    log_retention_days: int,
    tags: dict[str, str],
) -> aws.apigateway.Stage:
    """Routes, permissions, deployment and stage for `api`: everything after the API itself."""
    settled = add_routes(parent, name, api, routed)
    allow_invoke(parent, name, api, routed)
    return deploy(
        parent, name, api, routed, settled,
        policy=policy, log_retention_days=log_retention_days, tags=tags,
    )


def add_routes(
    parent: pulumi.Resource, name: str, api: aws.apigateway.RestApi, routed: Sequence[RoutedService]
) -> list[pulumi.Resource]:
    """Resources, methods and Lambda proxy integrations; returns what a deployment must wait for."""
    child = pulumi.ResourceOptions(parent=parent)
    resources: dict[str, aws.apigateway.Resource] = {}

    def resource_for(path: str) -> pulumi.Input[str]:
        if path == "/":
            return api.root_resource_id
        if path not in resources:
            parent_path, _, part = path.rpartition("/")
            resources[path] = aws.apigateway.Resource(
                f"{name}-res{_slug(path)}",
                rest_api=api.id,
                parent_id=resource_for(parent_path or "/"),
                path_part=part,
                opts=child,
            )
        return resources[path].id

    settled: list[pulumi.Resource] = []
    for item in routed:
        for route in item.service.routes:
            route_name = f"{name}-{route.method.lower()}{_slug(route.path)}"
            method = aws.apigateway.Method(
                route_name,
                rest_api=api.id,
                resource_id=resource_for(route.path),
                http_method=route.method,
                authorization="NONE",
                opts=child,
            )
            integration = aws.apigateway.Integration(
                route_name,
                rest_api=api.id,
                resource_id=method.resource_id,
                http_method=method.http_method,
                type="AWS_PROXY",
                integration_http_method="POST",
                uri=item.backend.invoke_arn,
                opts=child,
            )
            settled += [method, integration]
    return settled


def allow_invoke(
    parent: pulumi.Resource, name: str, api: aws.apigateway.RestApi, routed: Sequence[RoutedService]
) -> None:
    """Each function may be invoked by this API only: never an unscoped apigateway principal."""
    for item in routed:
        aws.lambda_.Permission(
            f"{name}-invoke-{item.service.name}",
            action="lambda:InvokeFunction",
            function=item.backend.function_name,
            principal="apigateway.amazonaws.com",
            source_arn=api.execution_arn.apply(lambda arn: f"{arn}/*"),
            opts=pulumi.ResourceOptions(parent=parent),
        )


def deploy(
    parent: pulumi.Resource,
    name: str,
    api: aws.apigateway.RestApi,
    routed: Sequence[RoutedService],
    settled: Sequence[pulumi.Resource],
    *,
    policy: pulumi.Input[str] | None,
    log_retention_days: int,
    tags: dict[str, str],
) -> aws.apigateway.Stage:
    """A deployment replaced whenever routes or policy change, and a stage with JSON access logs
    and X-Ray tracing."""
    child = pulumi.ResourceOptions(parent=parent)
    routes = sorted(
        (item.service.name, r.method, r.path) for item in routed for r in item.service.routes
    )
    fingerprint = pulumi.Output.from_input(policy or "").apply(
        lambda document: hashlib.sha256(json.dumps([routes, document]).encode()).hexdigest()
    )
    deployment = aws.apigateway.Deployment(
        name,
        rest_api=api.id,
        triggers={"redeployment": fingerprint},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(settled)),
    )
    access_logs = aws.cloudwatch.LogGroup(
        f"{name}-access-logs", retention_in_days=log_retention_days, tags=tags, opts=child
    )
    return aws.apigateway.Stage(
        name,
        rest_api=api.id,
        deployment=deployment.id,
        stage_name=STAGE_NAME,
        xray_tracing_enabled=True,
        access_log_settings={"destination_arn": access_logs.arn, "format": ACCESS_LOG_FORMAT},
        tags=tags,
        opts=child,
    )
