"""Deferred checks: what the policy pack could not verify in a preview because the value comes
from resources not created yet, and verifies during the update ("verified at deploy").

The pack reports them through the SDK's only non-blocking path for a mandatory policy: one
ADVISORY diagnostic per policy call, "can't run policy '<name>' from policy pack '<pack>@v<v>'
during preview: <check>\\n<check>...", each check line carrying DEFERRED_MARK
(policies/gatehouse_guard/rules/unknowns.py). This module turns such diagnostics back into one
entry per check, for any engine: the offline `check` and the CLI's engine events alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from pipeline.automation.reports.model import Deferred, Violation

DEFERRED_MARK = "verified at deploy"
_SDK_PREFIX = re.compile(r"^can't run policy '[^']*' from policy pack '[^']*' during preview: ")
# A check line starts with the resource's label, as the pack's rules write it: "RestApi 'name': ".
_LABEL = re.compile(r"^(?P<type>[A-Za-z0-9]+) '(?P<name>[^']+)': ")


class Named(Protocol):
    urn: str
    type: str
    name: str


def is_deferred(violation: Violation) -> bool:
    return violation.level == "advisory" and DEFERRED_MARK in violation.message


def deferred_checks(violation: Violation, resources: Iterable[Named] = ()) -> list[Deferred]:
    """One entry per deferred check in `violation`'s message; the resource is the diagnostic's
    own (Analyze) or, for a stack policy, the one the check line names (its URN and full type
    when `resources` has it)."""
    by_label = {(r.type.rsplit(":", 1)[-1], r.name): r for r in resources}
    found = []
    for line in violation.message.splitlines():
        line = _SDK_PREFIX.sub("", line.strip())
        if DEFERRED_MARK not in line:
            continue
        urn, resource_type, resource_name = violation.urn, violation.resource_type, violation.resource_name
        label = _LABEL.match(line)
        if label and not resource_name:
            named = by_label.get((label["type"], label["name"]))
            urn = named.urn if named else ""
            resource_type = named.type if named else label["type"]
            resource_name = label["name"]
        found.append(Deferred(
            policy=violation.policy, message=line, urn=urn,
            resource_type=resource_type, resource_name=resource_name,
        ))
    return found


def split_deferred(
    violations: Iterable[Violation], resources: Iterable[Named] = (),
) -> tuple[list[Violation], list[Deferred]]:
    """(violations that are findings, deferred checks) from what the pack reported."""
    resources = list(resources)
    kept: list[Violation] = []
    deferred: list[Deferred] = []
    for violation in violations:
        if is_deferred(violation):
            deferred.extend(deferred_checks(violation, resources))
        else:
            kept.append(violation)
    return kept, deferred
