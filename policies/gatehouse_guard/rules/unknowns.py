"""Values the engine cannot know yet, and what the pack does about them in each mode.

The pulumi-policy runtime hands rules a proxy that raises `UnknownValueError` on an unknown
value and then reports the whole policy as *advisory*, whatever its enforcement level. That
would let an unverifiable prod change through and hide the known findings of the same policy,
so the pack converts props to plain data with an `UNKNOWN` marker instead, and each rule decides
which unknowns are security-relevant (`require`), turning them into `unknown` findings.

What such a finding becomes depends on the run (`deliver`):

- preview (`pulumi.runtime.is_dry_run()`: the CLI starts the pack with PULUMI_DRY_RUN=true): the
  value is unknown because the resource it comes from is not created yet. It is a *deferred*
  check, reported without blocking and marked "verified at deploy": during the update the engine
  resolves the value first and the same rule runs on it at the policy's full level (a resource
  policy on the resource's inputs before it is created; a stack policy on the outputs once the
  update has registered every resource).
- update: a value still unknown cannot be verified; in prod that is a finding at the policy's
  level (mandatory), lower tiers leave it alone.

A known bad value is a finding in both modes, at the policy's level.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi_policy import proxy
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from gatehouse_guard.model import Finding, Resource


class _Unknown:
    """A value the engine does not know yet. Reading into it (`.get`, `[...]`) gives UNKNOWN
    again, so a rule that expects an object where the whole object is unknown reaches `require`
    with UNKNOWN instead of failing on an attribute error."""

    def __repr__(self) -> str:
        return "UNKNOWN"

    def get(self, key: Any, default: Any = None) -> Any:
        return self

    def __getitem__(self, key: Any) -> Any:
        return self


UNKNOWN: Any = _Unknown()

# The engine's wire sentinels for computed values (what a raw, un-proxied prop holds).
_SENTINELS = frozenset(
    getattr(proxy, name) for name in dir(proxy) if name.startswith("UNKNOWN_") and name.endswith("_VALUE")
)


class Unresolved(Exception):
    """A security-relevant value is unknown; `what` says which and why it matters."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN or (isinstance(value, str) and value in _SENTINELS)


def plain(value: Any) -> Any:
    """Deep-copy engine props (proxies or plain) into dicts/lists, unknowns as `UNKNOWN`."""
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, Mapping):
        out = {}
        for key in value:
            try:
                out[key] = plain(value[key])
            except UnknownValueError:
                out[key] = UNKNOWN
        return out
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        items = []
        for i in range(len(value)):
            try:
                items.append(plain(value[i]))
            except UnknownValueError:
                items.append(UNKNOWN)
        return items
    return value


def require(value: Any, what: str) -> Any:
    """Return `value`, or raise `Unresolved` when it (or anything inside it) is unknown."""
    if _contains_unknown(value):
        raise Unresolved(what)
    return value


def require_known(value: Any, what: str) -> Any:
    """Return `value`, or raise `Unresolved` when it is itself unknown; unknowns inside it are
    left for the rule to judge part by part (so a known bad part still counts in a preview)."""
    if is_unknown(value):
        raise Unresolved(what)
    return value


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


def unknown_finding(what: str, resource: Resource | None = None) -> Finding:
    """The finding for a security-relevant value that is unknown; `deliver` words it per mode."""
    if resource is None:
        return Finding(f"{what} is unknown", None, unknown=True)
    return Finding(f"{resource.label}: {what} is unknown", resource.urn or None, unknown=True)


def checked(
    rule: Callable[[Resource], Iterable[Finding]], resource: Resource
) -> list[Finding]:
    """Run `rule` on one resource; an `Unresolved` value becomes an `unknown` finding, and the
    findings the rule already made on known values before it hit the unknown one are kept."""
    findings: list[Finding] = []
    try:
        for finding in rule(resource):
            findings.append(finding)
    except Unresolved as exc:
        findings.append(unknown_finding(exc.what, resource))
    return findings


DEFERRED_MARK = "verified at deploy"
PROD = "prod"


class Deferred(UnknownValueError):
    """Raised by a policy after it reported its known findings, to report its deferred checks.

    The protocol has one way for a mandatory policy to report something that does not block:
    the SDK catches `UnknownValueError` from `validate` and adds one ADVISORY diagnostic for the
    policy ("can't run policy '<name>' ... during preview: <message>"), keeping the diagnostics
    the policy reported before at its own level (pulumi_policy/policy.py, Analyze and
    AnalyzeStack). One line of `message` per deferred check, each carrying DEFERRED_MARK.
    """

    def __init__(self, checks: Sequence[str]) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [])
        self.checks = tuple(checks)
        self.message = "\n".join(self.checks)


def in_preview() -> bool:
    """Whether the engine runs a preview; the SDK sets it from PULUMI_DRY_RUN for each call."""
    return pulumi.runtime.is_dry_run()


def deferred_text(finding: Finding) -> str:
    # The update runs the same rule on the known value, at the policy's full level.
    return f"{finding.message} until the resources it comes from are created: {DEFERRED_MARK}"


def unverifiable_text(finding: Finding) -> str:
    return (
        f"{finding.message} even during the update, so it cannot be verified; prod only "
        "accepts values the pack can check (make it a plain value, or one the engine knows "
        "once the resources it comes from exist)"
    )


def deliver(
    findings: Iterable[Finding], report_violation: Callable[[str, str | None], None], *,
    tier: str, preview: bool,
) -> None:
    """Report `findings` the way the mode asks (see the module docstring); raises `Deferred`
    last, after every other finding is reported, when a preview deferred any check."""
    deferred: list[str] = []
    for finding in findings:
        if not finding.unknown:
            report_violation(finding.message, finding.urn)
        elif preview:
            deferred.append(deferred_text(finding))
        elif tier == PROD:
            report_violation(unverifiable_text(finding), finding.urn)
    if deferred:
        raise Deferred(deferred)
