"""Ways into a Lambda that bypass the private gateway."""

from __future__ import annotations

from collections.abc import Iterator

from gatehouse_guard.model import Finding, Resource
from gatehouse_guard.rules.unknowns import require

FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
APIGATEWAY_PRINCIPAL = "apigateway.amazonaws.com"


def check_function_url(url: Resource) -> Iterator[Finding]:
    """A function URL with auth NONE is a public door straight into the function."""
    if url.type != FUNCTION_URL:
        return
    auth = require(url.props.get("authorizationType"), "authorizationType")
    if str(auth).upper() != "AWS_IAM":
        yield Finding(
            f"{url.label} has authorizationType {auth}: anyone on the internet can invoke the "
            "function, bypassing the private API; use AWS_IAM or remove the function URL",
            url.urn or None,
        )


def check_lambda_permission(permission: Resource) -> Iterator[Finding]:
    """Invoke permissions must name one caller: never `*`, and API Gateway only with a source ARN."""
    if permission.type != PERMISSION:
        return
    principal = require(permission.props.get("principal"), "principal")
    if principal == "*":
        yield Finding(
            f"{permission.label} grants lambda invoke to principal '*': any AWS account can "
            f"call the function; allowed: {APIGATEWAY_PRINCIPAL} scoped by sourceArn",
            permission.urn or None,
        )
        return
    if principal != APIGATEWAY_PRINCIPAL:
        return
    source_arn = require(permission.props.get("sourceArn"), "sourceArn")
    if not source_arn:
        yield Finding(
            f"{permission.label} lets {APIGATEWAY_PRINCIPAL} invoke the function without a "
            "sourceArn, so any API in any account can call it; allowed: sourceArn set to "
            "this API's execution ARN (arn:aws:execute-api:<region>:<account>:<api-id>/*)",
            permission.urn or None,
        )
        return
    parts = str(source_arn).split(":", 5)
    api_part = parts[5].split("/", 1)[0] if len(parts) == 6 else ""
    if len(parts) < 6 or "*" in parts[4] or api_part in ("", "*"):
        yield Finding(
            f"{permission.label} has sourceArn {source_arn}, which matches any API; allowed: "
            "one API's execution ARN (arn:aws:execute-api:<region>:<account>:<api-id>/...)",
            permission.urn or None,
        )
