"""The neutral shapes every rule reads and returns, so rules stay pure functions of plain data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# pulumi-aws publishes the same load balancer resources under several modules: `aws:alb/*` (the
# ALB-named module, whose classes alias `aws:applicationloadbalancing/*`) and `aws:lb/*` (alias
# `aws:elasticloadbalancingv2/*`) are one elbv2 API. Rules name the `aws:lb/*` token only.
_SAME_AS_LB = ("aws:alb/", "aws:applicationloadbalancing/", "aws:elasticloadbalancingv2/")


def canonical_type(type_: str) -> str:
    """The one type token a rule names for `type_` (`aws:alb/listener:Listener` -> `aws:lb/...`)."""
    for prefix in _SAME_AS_LB:
        if type_.startswith(prefix):
            return "aws:lb/" + type_[len(prefix):]
    return type_


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it: inputs (resource policies) or outputs (stack policies)."""

    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    # property name -> URNs of the resources that value came from; the only join that still
    # works during a preview, when the ids of new resources are unknown.
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", canonical_type(self.type))

    @property
    def label(self) -> str:
        return f"{self.type.rsplit(':', 1)[-1]} '{self.name}'"


@dataclass(frozen=True)
class Finding:
    """A violation message; `unknown` marks one raised because a value could not be checked."""

    message: str
    urn: str | None = None
    unknown: bool = False


def as_list(value: Any) -> list[Any]:
    """A scalar or list prop as a list (pulumi-aws 7 made some list props single strings)."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def refers_to(source: Resource, prop: str, target: Resource, *target_keys: str) -> bool:
    """Whether `source.props[prop]` (a value or list) points at `target`.

    By value (the target's output `id`, `arn`, ...) when both are known, else through the
    property dependencies the engine records, which are known even during a preview.
    """
    if target.urn and target.urn in source.property_dependencies.get(prop, ()):
        return True
    values = {v for v in as_list(source.props.get(prop)) if isinstance(v, str)}
    return any(
        isinstance(target.props.get(key), str) and target.props.get(key) in values
        for key in target_keys
    )


class ReferenceIndex:
    """`refers_to` for many sources against one list of targets, without scanning the list per
    source: `first(source, prop)` is `next(t for t in targets if refers_to(source, prop, t,
    *keys))`, found through dictionaries. Joining every Integration to its Lambda by scanning was
    integrations x functions, i.e. quadratic in the number of services.
    """

    def __init__(self, targets: Sequence[Resource], *target_keys: str) -> None:
        self._targets = list(targets)
        self._by_urn: dict[str, int] = {}
        self._by_value: dict[str, int] = {}
        for index, target in enumerate(self._targets):
            if target.urn:
                self._by_urn.setdefault(target.urn, index)
            for key in target_keys:
                value = target.props.get(key)
                if isinstance(value, str):
                    self._by_value.setdefault(value, index)

    def first(self, source: Resource, prop: str) -> Resource | None:
        hits = [self._by_urn[u] for u in source.property_dependencies.get(prop, ()) if u in self._by_urn]
        hits += [
            self._by_value[v] for v in as_list(source.props.get(prop)) if isinstance(v, str) and v in self._by_value
        ]
        return self._targets[min(hits)] if hits else None


class StackIndex:
    """A stack's resources grouped by (canonical) type, built once per stack rule call so each
    rule looks up the types it reads instead of scanning every resource per resource."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.resources = list(resources)
        self._by_type: dict[str, list[Resource]] = {}
        for resource in self.resources:
            self._by_type.setdefault(resource.type, []).append(resource)

    def of(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for t in types for r in self._by_type.get(t, [])]


def text_values(value: Any) -> list[str]:
    """The strings in a scalar or list prop (unknowns and other types dropped)."""
    return [v for v in as_list(value) if isinstance(v, str)]
