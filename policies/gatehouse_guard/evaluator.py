"""Evaluate an IAM resource policy for one request, the way API Gateway does for execute-api.

Scanners call an API private because its endpoint type says PRIVATE; what actually decides who
gets in is the resource policy. This module answers, for a request described by its action,
resource ARN, principal and condition context: Allow, ExplicitDeny or ImplicitDeny, and which
statements decided.

    any matching Deny  -> ExplicitDeny (the matching Deny statements)
    else any Allow     -> Allow        (the matching Allow statements)
    else               -> ImplicitDeny ()

The whole policy is validated before anything is evaluated, so a typo in a statement the request
never reaches still fails loudly (IAM refuses such a policy on save). `parse_policy` compiles a
policy once; `evaluate` then answers many requests against it, and `explain` says why.

Two IAM readings that text comparison gets wrong:
- a role in Principal/NotPrincipal (`arn:aws:iam::<acct>:role/<path>/<name>`) stands for its
  sessions (`arn:aws:sts::<acct>:assumed-role/<name>/<session>`), who are the actual callers;
- policy variables (`${aws:SourceVpce}`) are live in Version 2012-10-17 and literal text in
  2008-10-17 or without a Version (see variables.py).
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .arns import SHORTHAND_PREFIX, expand_resource, resource_matches, wildcard_match
from .conditions import (
    ConditionBlock,
    ConditionError,
    ContextValue,
    Outcome,
    RequestContext,
    compile_condition,
    normalise_context,
)
from .variables import SUBSTITUTING_VERSION, Template, compile_value

ALLOW = "Allow"
EXPLICIT_DENY = "ExplicitDeny"
IMPLICIT_DENY = "ImplicitDeny"

VERSIONS = ("2012-10-17", "2008-10-17")
POLICY_KEYS = ("Version", "Id", "Statement")
STATEMENT_KEYS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
)  # fmt: skip
PRINCIPAL_TYPES = ("AWS", "Service", "Federated", "CanonicalUser")
REQUEST_FIELDS = ("action", "resource", "principal", "context")
ANONYMOUS = "*"

_ACCOUNT_ID = re.compile(r"\d{12}")
# `arn:aws:iam::123456789012:role/Path/Name` and a session of it,
# `arn:aws:sts::123456789012:assumed-role/Name/session` (the session ARN drops the path).
_ROLE_ARN = re.compile(r"arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}):role/(?:.*/)?(?P<name>[^/]+)")
_SESSION_ARN = re.compile(
    r"arn:(?P<partition>[^:]+):sts::(?P<account>\d{12}):assumed-role/(?P<name>[^/]+)/[^/]+"
)


class PolicyError(ValueError):
    """A policy the evaluator refuses: the message names the statement and what is allowed."""


class RequestError(ValueError):
    """A request description that is not well formed: the message names the field."""


def _freeze(value: Any) -> Any:
    if isinstance(value, Mapping):
        return frozenset((key, _freeze(item)) for key, item in value.items())
    if isinstance(value, list | tuple):
        return tuple(_freeze(item) for item in value)
    return value


@dataclass(frozen=True)
class Request:
    """One call: `principal` "*" is an anonymous caller (the usual private-API client)."""

    action: str
    resource: str
    principal: str | Mapping[str, str | Sequence[str]] = ANONYMOUS
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("action", "resource"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise RequestError(f"{name} must be a non-empty string (got {value!r})")
        object.__setattr__(self, "principal", _checked_principal(self.principal))
        object.__setattr__(self, "context", _checked_context(self.context))

    def __hash__(self) -> int:
        return hash((self.action, self.resource, _freeze(self.principal), _freeze(self.context)))

    @classmethod
    def from_mapping(cls, data: object) -> Request:
        """Build a request from its JSON form; RequestError names a missing or unknown field."""
        if not isinstance(data, Mapping):
            raise RequestError(f"a request must be a JSON object with {', '.join(REQUEST_FIELDS)}")
        unknown = sorted(set(data) - set(REQUEST_FIELDS))
        if unknown:
            raise RequestError(
                f"unknown field {unknown[0]!r} (allowed: {', '.join(REQUEST_FIELDS)})"
            )
        missing = [name for name in ("action", "resource") if name not in data]
        if missing:
            raise RequestError(f"missing field {missing[0]!r} (required: action, resource)")
        return cls(
            action=data["action"],
            resource=data["resource"],
            principal=data.get("principal", ANONYMOUS),
            context=data.get("context", {}),
        )


def _checked_principal(principal: object) -> str | Mapping[str, tuple[str, ...]]:
    if principal == ANONYMOUS:
        return ANONYMOUS
    allowed = f'"*" (anonymous) or an object such as {{"AWS": "<arn>"}} with keys {", ".join(PRINCIPAL_TYPES)}'
    if not isinstance(principal, Mapping) or not principal:
        raise RequestError(f"principal must be {allowed} (got {principal!r})")
    checked = {}
    for kind, ids in principal.items():
        values = (ids,) if isinstance(ids, str) else ids
        if (
            kind not in PRINCIPAL_TYPES
            or not isinstance(values, list | tuple)
            or not all(isinstance(value, str) and value for value in values)
        ):
            raise RequestError(f"principal must be {allowed} (got {kind!r}: {ids!r})")
        checked[kind] = tuple(values)
    return types.MappingProxyType(checked)


def _checked_context(context: object) -> Mapping[str, ContextValue]:
    if not isinstance(context, Mapping):
        raise RequestError(f"context must be an object of condition key -> value (got {context!r})")
    checked: dict[str, ContextValue] = {}
    seen: dict[str, str] = {}
    for key, value in context.items():
        if not isinstance(key, str) or not key:
            raise RequestError(f"context keys must be non-empty strings (got {key!r})")
        if key.lower() in seen:
            raise RequestError(
                f"context keys {seen[key.lower()]!r} and {key!r} are the same key"
                " (condition key names are case-insensitive)"
            )
        seen[key.lower()] = key
        if isinstance(value, str | bool):
            checked[key] = value
        elif isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            checked[key] = tuple(value)
        else:
            raise RequestError(
                f"context {key!r} must be a string, a boolean or a list of strings (got {value!r})"
            )
    return types.MappingProxyType(checked)


@dataclass(frozen=True)
class Decision:
    decision: str
    statements: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "statements": list(self.statements)}


@dataclass(frozen=True)
class _Principals:
    anyone: bool
    ids: Mapping[str, tuple[str, ...]]


# A Resource value: policy text, or (text before the resource portion, Template of the rest)
# when the resource portion holds policy variables.
ResourcePattern = str | tuple[str, Template]


@dataclass(frozen=True)
class StatementTrace:
    """How one statement met one request: each element, and each condition key test."""

    label: str
    effect: str
    principal: bool
    action: bool
    resource: bool
    conditions: tuple[Outcome, ...]

    @property
    def applies(self) -> bool:
        return self.principal and self.action and self.resource and all(
            outcome.matched for outcome in self.conditions
        )


@dataclass(frozen=True)
class Statement:
    label: str  # the Sid, or "#<index>" in the Statement list
    effect: str
    principals: _Principals
    principal_negated: bool
    actions: tuple[str, ...]
    action_negated: bool
    resources: tuple[ResourcePattern, ...]
    resource_negated: bool
    condition: ConditionBlock

    def _principal(self, request: Request) -> bool:
        return _principal_matches(self.principals, request.principal) != self.principal_negated

    def _action(self, request: Request) -> bool:
        return _any_action(self.actions, request.action) != self.action_negated

    def _resource(self, request: Request, context: RequestContext) -> bool:
        return _resource_element(self.resources, request.resource, context, self.resource_negated)

    def applies_to(self, request: Request, context: RequestContext) -> bool:
        return (
            self._principal(request)
            and self._action(request)
            and self._resource(request, context)
            and self.condition.matches(context)
        )

    def trace(self, request: Request, context: RequestContext) -> StatementTrace:
        return StatementTrace(
            label=self.label,
            effect=self.effect,
            principal=self._principal(request),
            action=self._action(request),
            resource=self._resource(request, context),
            conditions=self.condition.outcomes(context),
        )


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


def _account_of(principal_id: str) -> str | None:
    if _ACCOUNT_ID.fullmatch(principal_id):
        return principal_id
    segments = principal_id.split(":", 5)
    if len(segments) == 6 and segments[0] == "arn" and _ACCOUNT_ID.fullmatch(segments[4]):
        return segments[4]
    return None


def _aws_id_matches(policy_id: str, request_id: str) -> bool:
    if policy_id == request_id:
        return True
    # An account (bare id or its :root ARN) in a resource policy stands for every principal in
    # that account, which the account's own IAM policies then narrow.
    is_account = _ACCOUNT_ID.fullmatch(policy_id) or policy_id.endswith(":root")
    return bool(is_account) and _account_of(policy_id) == _account_of(request_id)


def _is_session_of(role_arn: str, session_arn: str) -> bool:
    """A role in a resource policy stands for its sessions: the caller is always a session."""
    role, session = _ROLE_ARN.fullmatch(role_arn), _SESSION_ARN.fullmatch(session_arn)
    return bool(
        role
        and session
        and (role["partition"], role["account"]) == (session["partition"], session["account"])
        # role names are unique in an account whatever their case
        and role["name"].lower() == session["name"].lower()
    )


def _principal_matches(principals: _Principals, request_principal: object) -> bool:
    if principals.anyone or "*" in principals.ids.get("AWS", ()):
        return True  # "*" and {"AWS": "*"} are the same thing, anonymous callers included
    if not isinstance(request_principal, Mapping):
        return False
    for kind, policy_ids in principals.ids.items():
        for request_id in request_principal.get(kind, ()):
            for policy_id in policy_ids:
                if policy_id == "*" or policy_id == request_id:
                    return True
                if kind == "AWS" and (
                    _aws_id_matches(policy_id, request_id) or _is_session_of(policy_id, request_id)
                ):
                    return True
    return False


def _any_action(patterns: tuple[str, ...], action: str) -> bool:
    return any(wildcard_match(pattern, action, ignore_case=True) for pattern in patterns)


@lru_cache(maxsize=16384)
def _covers(pattern: str, resource: str) -> bool:
    # Probes ask for the same few resources over and over, scenario after scenario.
    expanded = expand_resource(pattern, resource)
    return expanded is not None and resource_matches(expanded, resource)


def _one_resource(pattern: ResourcePattern, resource: str, context: RequestContext) -> bool | None:
    """Whether one Resource value covers `resource`; None when a variable in it has no value."""
    if isinstance(pattern, str):
        return _covers(pattern, resource)
    head, template = pattern
    pieces = template.resolve(context.singles)
    if pieces is None:
        return None
    expanded = expand_resource(head, resource)
    return expanded is not None and resource_matches(((expanded, False), *pieces), resource)


def _resource_element(
    patterns: tuple[ResourcePattern, ...], resource: str, context: RequestContext, negated: bool
) -> bool:
    if not negated:
        return any(_one_resource(pattern, resource, context) for pattern in patterns)
    results = [_one_resource(pattern, resource, context) for pattern in patterns]
    # A NotResource value that cannot be resolved proves nothing about the request: like a
    # condition that cannot be compared, it keeps the statement from applying.
    return not any(results) and None not in results


def _compile_resource(text: str, substitute: bool) -> ResourcePattern:
    """IAM substitutes variables "only in the resource portion of the ARN ... after the fifth
    colon"; API Gateway's `execute-api:/...` shorthand is all resource portion."""
    if not substitute or "${" not in text:
        return text
    if text.startswith(SHORTHAND_PREFIX):
        head, tail = SHORTHAND_PREFIX, text[len(SHORTHAND_PREFIX) :]
    else:
        segments = text.split(":", 5)
        if len(segments) < 6:
            return text
        head, tail = ":".join(segments[:5]) + ":", segments[5]
    template = compile_value(tail)
    return (head, template) if isinstance(template, Template) else text


def _strings(label: str, element: str, raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise PolicyError(
            f"statement {label}: {element} must be a non-empty string or list of strings"
            f" (got {raw!r})"
        )
    return tuple(items)


def _one_of(label: str, body: Mapping[str, Any], positive: str) -> tuple[object, bool]:
    negative = f"Not{positive}"
    if (positive in body) == (negative in body):
        raise PolicyError(f"statement {label}: needs exactly one of {positive} or {negative}")
    return (body[positive], False) if positive in body else (body[negative], True)


def _principals(label: str, element: str, raw: object) -> _Principals:
    if raw == "*":
        return _Principals(anyone=True, ids={})
    allowed = f'"*" or an object with keys {", ".join(PRINCIPAL_TYPES)}'
    if not isinstance(raw, Mapping) or not raw:
        raise PolicyError(f"statement {label}: {element} must be {allowed} (got {raw!r})")
    unknown = [kind for kind in raw if kind not in PRINCIPAL_TYPES]
    if unknown:
        raise PolicyError(
            f"statement {label}: {element} has unknown principal type {unknown[0]!r}"
            f" (allowed: {', '.join(PRINCIPAL_TYPES)})"
        )
    ids = {kind: _strings(label, f"{element}.{kind}", value) for kind, value in raw.items()}
    for kind, values in ids.items():
        partial = next((v for v in values if v != "*" and "*" in v), None)
        if partial:
            # IAM: "You cannot use a wildcard to match part of a principal name or ARN"; such a
            # policy is refused on save, and read as text it would look like a closed door.
            raise PolicyError(
                f"statement {label}: {element}.{kind} {partial!r} has a wildcard inside it, which"
                ' IAM refuses; allowed: "*" alone, or exact ids with a Condition such as'
                ' ArnLike on aws:PrincipalArn'
            )
    return _Principals(anyone=False, ids=ids)


def _statement(index: int, body: object, substitute: bool) -> Statement:
    if not isinstance(body, Mapping):
        raise PolicyError(f"statement #{index}: must be an object (got {type(body).__name__})")
    sid = body.get("Sid")
    label = sid if isinstance(sid, str) and sid else f"#{index}"
    unknown = [key for key in body if key not in STATEMENT_KEYS]
    if unknown:
        raise PolicyError(
            f"statement {label}: unknown element {unknown[0]!r} (allowed: {', '.join(STATEMENT_KEYS)})"
        )
    effect = body.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'statement {label}: Effect must be "Allow" or "Deny" (got {effect!r})')
    principal, principal_negated = _one_of(label, body, "Principal")
    actions, action_negated = _one_of(label, body, "Action")
    resources, resource_negated = _one_of(label, body, "Resource")
    element = "NotPrincipal" if principal_negated else "Principal"
    try:
        condition = compile_condition(body.get("Condition"), substitute=substitute)
    except ConditionError as error:
        raise PolicyError(f"statement {label}: {error}") from None
    return Statement(
        label=label,
        effect=effect,
        principals=_principals(label, element, principal),
        principal_negated=principal_negated,
        actions=_strings(label, "NotAction" if action_negated else "Action", actions),
        action_negated=action_negated,
        resources=tuple(
            _compile_resource(text, substitute)
            for text in _strings(label, "NotResource" if resource_negated else "Resource", resources)
        ),
        resource_negated=resource_negated,
        condition=condition,
    )


def parse_policy(policy: str | Mapping[str, Any]) -> Policy:
    """Validate a policy document (JSON text or parsed) into its compiled form."""
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except json.JSONDecodeError as error:
            raise PolicyError(
                f"policy is not valid JSON: line {error.lineno} column {error.colno}: {error.msg}"
            ) from None
    if not isinstance(policy, Mapping):
        raise PolicyError("a policy must be a JSON object with Version and Statement")
    unknown = [key for key in policy if key not in POLICY_KEYS]
    if unknown:
        raise PolicyError(
            f"policy has unknown element {unknown[0]!r} (allowed: {', '.join(POLICY_KEYS)})"
        )
    version = policy.get("Version")
    if version is not None and version not in VERSIONS:
        raise PolicyError(f"policy Version must be one of {', '.join(VERSIONS)} (got {version!r})")
    if "Statement" not in policy:
        raise PolicyError("policy has no Statement")
    raw = policy["Statement"]
    bodies = raw if isinstance(raw, list) else [raw]
    # Without a Version, IAM reads the policy as 2008-10-17: variables are literal text.
    substitute = version == SUBSTITUTING_VERSION
    return Policy(tuple(_statement(index, body, substitute) for index, body in enumerate(bodies)))


def _compiled(policy: str | Mapping[str, Any] | Policy) -> Policy:
    return policy if isinstance(policy, Policy) else parse_policy(policy)


def _decide(statements: Sequence[Statement]) -> Decision:
    denies = tuple(s.label for s in statements if s.effect == "Deny")
    if denies:
        return Decision(EXPLICIT_DENY, denies)
    allows = tuple(s.label for s in statements if s.effect == "Allow")
    if allows:
        return Decision(ALLOW, allows)
    return Decision(IMPLICIT_DENY, ())


def evaluate(policy: str | Mapping[str, Any] | Policy, request: Request) -> Decision:
    """The decision of `policy` on `request`; raises PolicyError for a malformed policy.

    Pass a Policy from `parse_policy` to evaluate many requests against one compiled policy."""
    parsed = _compiled(policy)
    context = normalise_context(request.context)
    return _decide([s for s in parsed.statements if s.applies_to(request, context)])


def explain(
    policy: str | Mapping[str, Any] | Policy, request: Request
) -> tuple[Decision, tuple[StatementTrace, ...]]:
    """The decision and, for every statement, how it met the request (for `pipeline access`)."""
    parsed = _compiled(policy)
    context = normalise_context(request.context)
    traces = tuple(s.trace(request, context) for s in parsed.statements)
    applying = [s for s, t in zip(parsed.statements, traces, strict=True) if t.applies]
    return _decide(applying), traces
