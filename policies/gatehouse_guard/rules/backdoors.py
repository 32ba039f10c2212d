"""Ways into a Lambda that bypass the private gateway."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from gatehouse_guard.arns import parse_execute_api_arn
from gatehouse_guard.model import Finding, Resource, StackIndex, as_list
from gatehouse_guard.rules.topology import Topology
from gatehouse_guard.rules.unknowns import checked, is_unknown, require

FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl"
PERMISSION = "aws:lambda/permission:Permission"
RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
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
        if isinstance(principal, str) and _service_principal(principal) and not (
            permission.props.get("sourceArn") or permission.props.get("sourceAccount")
        ):
            yield Finding(
                f"{permission.label} lets {principal} invoke the function with neither sourceArn "
                "nor sourceAccount, so that service acting for any account can call it; allowed: "
                "sourceArn naming our own resource",
                permission.urn or None,
            )
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


def _service_principal(principal: str) -> bool:
    return principal.endswith(".amazonaws.com") or principal.endswith(".amazonaws.com.cn")


def _api_named_by(topology: Topology, source: Resource, prop: str) -> tuple[Resource | None, str]:
    """The API an execute-api source ARN names: (the API if the stack declares it, its id)."""
    api = topology.api(source, prop)
    if api is not None:
        return api, str(api.props.get("id") or api.name)
    parsed = parse_execute_api_arn(str(source.props.get(prop) or ""))
    api_id = parsed.api_id if parsed else ""
    return topology.api_by_id(api_id), api_id


def _wrong_api(topology: Topology, function: Resource, api: Resource | None, api_id: str) -> str | None:
    """Why an API Gateway grant to `api` opens `function` to a caller it should not have."""
    routed = topology.routed_from(function)
    shown = api.label if api is not None else f"API {api_id} (not declared by this stack)"
    if topology.is_private_function(function) and (api is None or topology.is_public_api(api)):
        private = [a.label for a in routed if not topology.is_public_api(a)]
        allowed = ", ".join(dict.fromkeys(private)) or "the PRIVATE API"
        return (f"lets {shown} invoke {function.label}, a private service; allowed: only {allowed}")
    if routed and all(a is not api for a in routed):
        allowed = ", ".join(dict.fromkeys(a.label for a in routed))
        return f"lets {shown} invoke {function.label}, which only {allowed} routes to; allowed: {allowed}"
    return None


def check_lambda_invoke_sources(resources: Sequence[Resource]) -> list[Finding]:
    return invoke_source_findings(Topology(StackIndex(resources)))


def invoke_source_findings(topology: Topology) -> list[Finding]:
    """Every grant to invoke one of our functions (a `Permission`, qualified or not, or a whole
    `lambda/ResourcePolicy`) names a caller that routes to it, never a public one."""
    findings: list[Finding] = []
    for permission in topology.index.of(PERMISSION):
        findings.extend(checked(partial(_check_permission_source, topology=topology), permission))
    for policy in topology.index.of(RESOURCE_POLICY):
        findings.extend(checked(partial(_check_resource_policy, topology=topology), policy))
    return findings


def _check_permission_source(permission: Resource, *, topology: Topology) -> Iterator[Finding]:
    function = topology.function(permission, "function")
    if function is None or permission.props.get("principal") != APIGATEWAY_PRINCIPAL:
        return
    api, api_id = _api_named_by(topology, permission, "sourceArn")
    if api is None:
        # A missing sourceArn, or one naming no API or any API, is lambda-permission-scoped's
        # finding; so is one unknown in a preview with no dependency naming the API (that
        # policy defers it, and this one sees the known value after the update).
        source_arn = permission.props.get("sourceArn")
        if not source_arn or is_unknown(source_arn) or not api_id or set("*?") & set(api_id):
            return
    problem = _wrong_api(topology, function, api, api_id)
    if problem:
        qualifier = permission.props.get("qualifier")
        via = f" (qualifier {qualifier})" if isinstance(qualifier, str) and qualifier else ""
        yield Finding(f"{permission.label}{via} {problem}", permission.urn or None)


def _principals(statement: Mapping[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        return [str(v) for key in ("AWS", "Service", "Federated") for v in as_list(principal.get(key))]
    return [str(p) for p in as_list(principal)]


def _condition_values(statement: Mapping[str, Any], *keys: str) -> list[str]:
    wanted = {k.lower() for k in keys}
    values = []
    for operands in (statement.get("Condition") or {}).values():
        if isinstance(operands, Mapping):
            for key, value in operands.items():
                if key.lower() in wanted:
                    values.extend(str(v) for v in as_list(value))
    return values


def _check_resource_policy(policy: Resource, *, topology: Topology) -> Iterator[Finding]:
    raw = require(policy.props.get("policy"), "policy")
    try:
        document = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError as exc:
        yield Finding(f"{policy.label}: its policy is not valid JSON ({exc})", policy.urn or None)
        return
    function = topology.function(policy, "resourceArn")
    for i, statement in enumerate(s for s in as_list((document or {}).get("Statement")) if isinstance(s, Mapping)):
        if statement.get("Effect") != "Allow":
            continue
        sid = statement.get("Sid") or f"#{i}"
        scoped = _condition_values(statement, "aws:SourceArn", "aws:SourceAccount", "aws:PrincipalOrgID")
        for principal in _principals(statement):
            if principal == "*" or principal.startswith("arn:aws:iam::*"):
                if not _condition_values(statement, "aws:PrincipalOrgID", "aws:SourceVpce"):
                    yield Finding(
                        f"{policy.label} statement {sid} lets principal '{principal}' invoke the "
                        "function: anyone with AWS credentials can call it, bypassing the private "
                        f"API; allowed: {APIGATEWAY_PRINCIPAL} conditioned on one API's aws:SourceArn",
                        policy.urn or None,
                    )
            elif _service_principal(principal) and not scoped:
                yield Finding(
                    f"{policy.label} statement {sid} lets {principal} invoke the function with no "
                    "aws:SourceArn or aws:SourceAccount condition, so that service acting for any "
                    "account can call it; allowed: a condition naming our own resource",
                    policy.urn or None,
                )
            elif principal == APIGATEWAY_PRINCIPAL and function is not None:
                for arn in _condition_values(statement, "aws:SourceArn"):
                    parsed = parse_execute_api_arn(arn)
                    api_id = parsed.api_id if parsed else ""
                    problem = _wrong_api(topology, function, topology.api_by_id(api_id), api_id)
                    if problem:
                        yield Finding(f"{policy.label} statement {sid} {problem}", policy.urn or None)
