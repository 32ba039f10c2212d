"""What a pack run found, in a shape that owes nothing to gRPC: for printing and exit codes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipeline.analyzer.info import PackInfo
from pipeline.analyzer.requests import urn_name, urn_type

if TYPE_CHECKING:  # `check` unpickles results without the gRPC client or config validation
    from pulumi.runtime.proto import analyzer_pb2

    from pipeline.analyzer.config import PolicyConfig
    from pipeline.analyzer.engine_service import LogLine


@dataclass(frozen=True)
class Violation:
    policy_name: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    message: str  # as the pack sent it: the policy description, a newline, the detail
    urn: str  # "" for a stack-wide violation
    resource_type: str
    resource_name: str
    description: str
    policy_pack_name: str = ""
    policy_pack_version: str = ""


@dataclass(frozen=True)
class AnalysisResult:
    pack: PackInfo
    config: Mapping[str, PolicyConfig]
    violations: tuple[Violation, ...]
    logs: tuple[LogLine, ...]
    timings: Mapping[str, float] = field(default_factory=dict)

    def at_level(self, level: str) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level == level]

    @property
    def has_mandatory(self) -> bool:
        return any(v.enforcement_level == "mandatory" for v in self.violations)


def violations_from(
    response: analyzer_pb2.AnalyzeResponse,
    *,
    urn: str | None,
    types_by_urn: Mapping[str, str],
    pack_version: str,
) -> Iterable[Violation]:
    """Convert diagnostics the way the CLI does.

    For Analyze the CLI files every diagnostic under the analyzed resource's URN (`urn`);
    for AnalyzeStack it keeps the diagnostic's own URN. `remediate` is reported as
    `mandatory` (nothing was remediated), and the PulumiPolicy.yaml version wins.
    """
    from pipeline.analyzer.client import level_name

    for d in response.diagnostics:
        level = level_name(d.enforcementLevel)
        target = urn if urn is not None else d.urn
        yield Violation(
            policy_name=d.policyName,
            enforcement_level="mandatory" if level == "remediate" else level,
            message=d.message,
            urn=target,
            resource_type=types_by_urn.get(target, urn_type(target)) if target else "",
            resource_name=urn_name(target) if target else "",
            description=d.description,
            policy_pack_name=d.policyPackName,
            policy_pack_version=pack_version or d.policyPackVersion,
        )
