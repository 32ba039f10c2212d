"""Why a resource policy answered a request the way it did: the deciding statements, each
condition key test with the values compared, and the classic traps when the policy falls into one.

Deciding statements are the ones the decision names (the matching Denies, else the matching
Allows); on an ImplicitDeny no statement decided, so every Allow is shown with what kept it from
applying -- that is the answer to "why do I get 403?".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TRAP_SOURCE_IP = "aws:SourceIp behind a VPC endpoint"
TRAP_ANDED_KEYS = "keys under one operator are ANDed"
TRAP_LITERAL_VARIABLES = "policy variables are literal text"
TRAP_ABSENT_KEY_ALLOWS = "an absent key satisfies the test"
TRAP_ENDPOINT_WILDCARD = "an endpoint wildcard admits other endpoints"
TRAP_NOT_PRINCIPAL_ALLOW = "NotPrincipal with Allow"


def _outcome_json(outcome) -> dict[str, Any]:
    return {
        "operator": outcome.operator,
        "key": outcome.key,
        "policyValues": list(outcome.policy_values),
        "requestValues": None if outcome.request_values is None else list(outcome.request_values),
        "matched": outcome.matched,
        "reason": outcome.reason,
    }


def _statement_json(trace) -> dict[str, Any]:
    failed = [
        name
        for name, held in (("principal", trace.principal), ("action", trace.action), ("resource", trace.resource))
        if not held
    ]
    failed += [f"condition {o.operator} {o.key}" for o in trace.conditions if not o.matched]
    return {
        "statement": trace.label,
        "effect": trace.effect,
        "applies": trace.applies,
        "principal": trace.principal,
        "action": trace.action,
        "resource": trace.resource,
        "conditions": [_outcome_json(o) for o in trace.conditions],
        "summary": (
            f"{trace.effect} {trace.label} applies: every element and condition holds"
            if trace.applies
            else f"{trace.effect} {trace.label} does not apply: {', '.join(failed)} does not hold"
        ),
    }


def _deciding(decision, traces) -> list:
    if decision.statements:
        return [t for t in traces if t.label in decision.statements and t.applies]
    return [t for t in traces if t.effect == "Allow"]


def _has_variables(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return any(_has_variables(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_variables(v) for v in value)
    return False


def _traps(document: Mapping[str, Any], request, decision, traces) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    through_endpoint = any(k.lower() == "aws:sourcevpce" for k in request.context)
    source_ip_tests = sorted(
        {t.label for t in traces for o in t.conditions if o.key.lower() == "aws:sourceip"}
    )
    if source_ip_tests and (through_endpoint or not any(k.lower() == "aws:sourceip" for k in request.context)):
        found.append({
            "trap": TRAP_SOURCE_IP,
            "statements": ", ".join(source_ip_tests),
            "explanation": (
                "behind a VPC endpoint aws:SourceIp is absent from the request, so a positive "
                "test on it never matches and a negated one always does; test aws:VpcSourceIp "
                "(the caller's address inside the VPC) instead"
            ),
        })
    for trace in traces:
        by_operator: dict[str, list] = {}
        for outcome in trace.conditions:
            by_operator.setdefault(outcome.operator, []).append(outcome)
        for operator, outcomes in by_operator.items():
            negated = "Not" in operator.split(":")[-1]
            if trace.effect == "Deny" and negated and len(outcomes) > 1:
                kept_out = [o.key for o in outcomes if not o.matched]
                found.append({
                    "trap": TRAP_ANDED_KEYS,
                    "statements": trace.label,
                    "explanation": (
                        f"{operator} lists {', '.join(o.key for o in outcomes)}: keys under one "
                        "operator are ANDed, so this Deny fires only when every one of them "
                        "differs"
                        + (
                            f" (here {', '.join(kept_out)} has a listed value, so it did not fire)"
                            if kept_out
                            else ""
                        )
                        + "; write one Deny per key"
                    ),
                })
    if document.get("Version") != "2012-10-17" and _has_variables(document.get("Statement")):
        found.append({
            "trap": TRAP_LITERAL_VARIABLES,
            "statements": "",
            "explanation": (
                "the policy uses ${...} but its Version is "
                f"{document.get('Version') or 'absent'}; IAM substitutes policy variables only "
                'in "Version": "2012-10-17" policies and compares them as literal text otherwise'
            ),
        })
    if decision.decision == "Allow":
        found += _allow_traps(document, decision, traces)
        for trace in traces:
            if trace.label not in decision.statements or not trace.applies:
                continue
            loose = [o for o in trace.conditions if o.request_values is None and o.matched and o.operator != "Null"]
            if loose:
                found.append({
                    "trap": TRAP_ABSENT_KEY_ALLOWS,
                    "statements": trace.label,
                    "explanation": (
                        f"{', '.join(o.key for o in loose)} is absent from the request, and "
                        f"{', '.join(dict.fromkeys(o.operator for o in loose))} matches an absent "
                        "key: this Allow admits callers who carry no such key at all"
                    ),
                })
    return found


def _bodies_by_label(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    raw = document.get("Statement")
    bodies = raw if isinstance(raw, list) else [raw]
    return {
        (b.get("Sid") if isinstance(b.get("Sid"), str) and b.get("Sid") else f"#{i}"): b
        for i, b in enumerate(bodies)
        if isinstance(b, Mapping)
    }


def _allow_traps(document: Mapping[str, Any], decision, traces) -> list[dict[str, str]]:
    found = []
    bodies = _bodies_by_label(document)
    for trace in traces:
        if trace.label not in decision.statements or not trace.applies:
            continue
        if "NotPrincipal" in bodies.get(trace.label, {}):
            found.append({
                "trap": TRAP_NOT_PRINCIPAL_ALLOW,
                "statements": trace.label,
                "explanation": (
                    "an Allow with NotPrincipal grants every principal but the ones named, "
                    "anonymous callers included; name who is allowed in Principal instead"
                ),
            })
        wild = [
            o for o in trace.conditions
            if o.key.lower() == "aws:sourcevpce" and "Like" in o.operator and "Not" not in o.operator
            and any("*" in v or "?" in v for v in o.policy_values)
        ]
        if wild:
            found.append({
                "trap": TRAP_ENDPOINT_WILDCARD,
                "statements": trace.label,
                "explanation": (
                    f"{wild[0].operator} aws:SourceVpce {', '.join(wild[0].policy_values)} admits "
                    "every endpoint whose id fits, in any VPC of any account; list the endpoint "
                    "ids with StringEquals"
                ),
            })
    return found


def explanation_json(document: Mapping[str, Any], request, decision, traces) -> dict[str, Any]:
    """The decision with `why` (deciding statements) and `traps`, as `pipeline access` prints."""
    return {
        **decision.to_json(),
        "why": [_statement_json(t) for t in _deciding(decision, traces)],
        "traps": _traps(document, request, decision, traces),
    }


def explanation_text(answer: Mapping[str, Any]) -> str:
    """`explanation_json` for a person: the decision, then why, then the traps."""
    named = ", ".join(answer["statements"]) or "no statement"
    lines = [f"{answer['decision']} ({named})"]
    for statement in answer["why"]:
        lines.append(f"  {statement['summary']}")
        for test in statement["conditions"]:
            mark = "holds" if test["matched"] else "fails"
            values = ", ".join(test["policyValues"])
            lines.append(f"    {mark}: {test['operator']} {test['key']} [{values}]: {test['reason']}")
    for trap in answer["traps"]:
        where = f" ({trap['statements']})" if trap["statements"] else ""
        lines.append(f"  trap: {trap['trap']}{where}: {trap['explanation']}")
    return "\n".join(lines)
