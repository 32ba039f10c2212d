"""Per-route authorization: what each route's `auth` sets on its API Gateway Method, and the one
Cognito user-pool authorizer a public API gets when any of its routes asks for it."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from stack_config.model import Route
from stack_config.platform_model import METHOD_AUTHORIZATION

# Cognito user-pool authorizers read the caller's ID or access token from this header.
TOKEN_SOURCE = "method.request.header.Authorization"


def cognito_authorizer(
    parent: pulumi.Resource,
    name: str,
    api: aws.apigateway.RestApi,
    routes: Sequence[Route],
    user_pool_arns: Sequence[str],
) -> aws.apigateway.Authorizer | None:
    """`{name}-cognito`, when a route uses it; None otherwise (no idle authorizer)."""
    if not any(route.auth == "cognito" for route in routes):
        return None
    if not user_pool_arns:
        raise ValueError("a cognito route needs at least one user pool ARN")
    return aws.apigateway.Authorizer(
        f"{name}-cognito",
        rest_api=api.id,
        type="COGNITO_USER_POOLS",
        provider_arns=list(user_pool_arns),
        identity_source=TOKEN_SOURCE,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def method_authorization(route: Route, authorizer: aws.apigateway.Authorizer | None) -> dict:
    """The Method's `authorization` (and `authorizer_id` for cognito) for this route."""
    settings: dict = {"authorization": METHOD_AUTHORIZATION[route.auth]}
    if route.auth == "cognito":
        if authorizer is None:
            raise ValueError(f"route {route.method} {route.path} needs the Cognito authorizer")
        settings["authorizer_id"] = authorizer.id
    return settings
