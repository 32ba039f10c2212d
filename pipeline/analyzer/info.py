"""What a pack says about itself (GetAnalyzerInfo), in plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ENFORCEMENT_LEVELS = ("advisory", "mandatory", "remediate", "disabled")


@dataclass(frozen=True)
class PolicyInfo:
    name: str
    description: str
    enforcement_level: str
    kind: str  # "resource", "stack" or "unknown"
    config_properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    config_required: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackInfo:
    name: str
    version: str
    supports_config: bool
    policies: tuple[PolicyInfo, ...]
    # The pack's programmatic `initial_config`: policy name -> (level or None, properties).
    initial_config: dict[str, tuple[str | None, dict[str, Any]]] = field(default_factory=dict)

    def policy(self, name: str) -> PolicyInfo | None:
        return next((p for p in self.policies if p.name == name), None)
