"""Values the engine cannot know during a preview.

The pulumi-policy runtime hands rules a proxy that raises `UnknownValueError` on an unknown
value and then reports the whole policy as *advisory*, whatever its enforcement level. That
would let an unverifiable prod change preview green, so the pack converts props to plain data
with an `UNKNOWN` marker instead, and each rule decides which unknowns are security-relevant
(`require`), turning them into findings the policy reports at its own level (prod) or drops
(lower tiers, where `pulumi up` re-runs the pack once the values are known).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from pulumi_policy import proxy
from pulumi_policy.proxy import UnknownValueError

from gatehouse_guard.model import Finding, Resource


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


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


def _contains_unknown(value: Any) -> bool:
    if is_unknown(value):
        return True
    if isinstance(value, Mapping):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_contains_unknown(v) for v in value)
    return False


def checked(
    rule: Callable[[Resource], Iterable[Finding]], resource: Resource
) -> list[Finding]:
    """Run `rule` on one resource; an `Unresolved` value becomes an `unknown` finding."""
    try:
        return list(rule(resource))
    except Unresolved as exc:
        return [
            Finding(
                f"{resource.label}: {exc.what} is unknown during preview, so it cannot be "
                "verified; prod only accepts values the pack can check (run again once it is "
                "known, or make it a plain value)",
                resource.urn or None,
                unknown=True,
            )
        ]
