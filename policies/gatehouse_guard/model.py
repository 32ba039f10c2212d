"""The neutral shapes every rule reads and returns, so rules stay pure functions of plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


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
