"""Advisory hygiene: you cannot investigate what you did not log."""

from __future__ import annotations

from collections.abc import Iterator

from gatehouse_guard.model import Finding, Resource
from gatehouse_guard.rules.unknowns import is_unknown

STAGE = "aws:apigateway/stage:Stage"


def check_stage_observability(stage: Resource) -> Iterator[Finding]:
    if stage.type != STAGE:
        return
    # An unknown value here is one that is set, just not resolved yet: that is all we ask.
    logs = stage.props.get("accessLogSettings") or {}
    missing = []
    if not is_unknown(logs) and not logs.get("destinationArn"):
        missing.append("access logs (accessLogSettings.destinationArn)")
    tracing = stage.props.get("xrayTracingEnabled")
    if tracing is not True and not is_unknown(tracing):
        missing.append("X-Ray tracing (xrayTracingEnabled: true)")
    if missing:
        yield Finding(f"{stage.label} has no {' and no '.join(missing)}", stage.urn or None)
