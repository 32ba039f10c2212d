"""What the public and the private API build alike: routes, the Lambda permissions, a deployment
that follows every change, and a hardened stage. Plain functions called by each API component,
so each component still owns (parents) every resource it creates."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.backend import ServiceBackend
from components.health_route import add_health_route
from components.route_auth import cognito_authorizer, method_authorization
from stack_config.model import Service
from stack_config.route_names import path_slug as slug  # config validation rejects colliding slugs

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


@dataclass
class Served:
    """What a deployment snapshots: the resources it must wait for and, as plain data (Inputs
    allowed), every setting of theirs that changes what the stage serves."""

    resources: list[pulumi.Resource] = field(default_factory=list)
    settings: list[dict[str, Any]] = field(default_factory=list)

    def add(self, resource: pulumi.Resource, kind: str, **settings: Any) -> None:
        self.resources.append(resource)
        self.settings.append({"kind": kind, **settings})


def serve(
    parent: pulumi.Resource,
    name: str,
    api: aws.apigateway.RestApi,
    routed: Sequence[RoutedService],
    *,
    log_retention_days: int,
    tags: dict[str, str],
    policy: aws.apigateway.RestApiPolicy | None = None,
    stage_depends_on: Sequence[pulumi.Resource] = (),
    cognito_user_pool_arns: Sequence[str] = (),
) -> aws.apigateway.Stage:
    """Routes, permissions, deployment and stage for `api`: everything after the API itself.

    `policy`: the API's separate resource policy, which a deployment must follow.
    `stage_depends_on`: what the stage needs first besides the deployment, e.g. the account's
    CloudWatch Logs role (aws.apigateway.Account) that access logging requires.
    `cognito_user_pool_arns`: the user pools of the Cognito authorizer, made when a route has
    auth cognito.
    """
    authorizer = cognito_authorizer(
        parent, name, api, [r for item in routed for r in item.service.routes], cognito_user_pool_arns
    )
    served = add_routes(parent, name, api, routed, authorizer)
    add_health_route(parent, name, api, served)
    allow_invoke(parent, name, api, routed)
    if policy is not None:
        served.add(policy, "policy", document=policy.policy)
    return deploy(
        parent, name, api, served,
        log_retention_days=log_retention_days, tags=tags, stage_depends_on=stage_depends_on,
    )


def add_routes(
    parent: pulumi.Resource, name: str, api: aws.apigateway.RestApi, routed: Sequence[RoutedService],
    authorizer: aws.apigateway.Authorizer | None = None,
) -> Served:
    """Resources, methods and Lambda proxy integrations, and what a deployment must follow."""
    child = pulumi.ResourceOptions(parent=parent)
    resources: dict[str, aws.apigateway.Resource] = {}

    def resource_for(path: str) -> pulumi.Input[str]:
        if path == "/":
            return api.root_resource_id
        if path not in resources:
            parent_path, _, part = path.rpartition("/")
            resources[path] = aws.apigateway.Resource(
                f"{name}-res{slug(path)}",
                rest_api=api.id,
                parent_id=resource_for(parent_path or "/"),
                path_part=part,
                opts=child,
            )
        return resources[path].id

    served = Served()
    if authorizer is not None:
        # The authorizer's user pools are part of what the stage serves.
        served.add(authorizer, "authorizer", provider_arns=authorizer.provider_arns)
    for item in routed:
        for route in item.service.routes:
            route_name = f"{name}-{route.method.lower()}{slug(route.path)}"
            # Each resource is built from exactly the settings recorded for the deployment, so
            # a setting added here is redeployed when it changes without anyone remembering to.
            method_settings = {"http_method": route.method, **method_authorization(route, authorizer)}
            method = aws.apigateway.Method(
                route_name,
                rest_api=api.id,
                resource_id=resource_for(route.path),
                **method_settings,
                opts=child,
            )
            integration_settings = {
                "type": "AWS_PROXY",
                "integration_http_method": "POST",
                "uri": item.backend.invoke_arn,
            }
            integration = aws.apigateway.Integration(
                route_name,
                rest_api=api.id,
                resource_id=method.resource_id,
                http_method=method.http_method,
                **integration_settings,
                opts=child,
            )
            route_key = {"service": item.service.name, "handler": item.service.handler, "path": route.path}
            served.add(method, "method", **route_key, **method_settings)
            served.add(integration, "integration", **route_key, **integration_settings)
    return served


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


def digest(settings: Sequence[dict[str, Any]]) -> str:
    """A digest of everything the stage serves; order-independent, so listing the same routes
    differently does not redeploy."""
    canonical = sorted(json.dumps(s, sort_keys=True, default=str) for s in settings)
    return hashlib.sha256(json.dumps(canonical).encode()).hexdigest()


def fingerprint(settings: Sequence[dict[str, Any]]) -> pulumi.Output[str]:
    return pulumi.Output.from_input(list(settings)).apply(digest)


def deploy(
    parent: pulumi.Resource,
    name: str,
    api: aws.apigateway.RestApi,
    served: Served,
    *,
    log_retention_days: int,
    tags: dict[str, str],
    stage_depends_on: Sequence[pulumi.Resource] = (),
) -> aws.apigateway.Stage:
    """A deployment replaced whenever anything it serves changes, and a stage with JSON access
    logs and X-Ray tracing."""
    child = pulumi.ResourceOptions(parent=parent)
    deployment = aws.apigateway.Deployment(
        name,
        rest_api=api.id,
        triggers={"redeployment": fingerprint(served.settings)},
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(served.resources)),
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
        # Access logging fails ("CloudWatch Logs role ARN must be set in account settings")
        # until the account's role is set.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(stage_depends_on)),
    )
