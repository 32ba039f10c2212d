"""Engine events as they happen: one progress line per resource event, and the policy
findings and change summary collected for the report."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from enum import Enum
from typing import TextIO

from pulumi.automation import EngineEvent

from pipeline.automation.reports.model import LEVELS, ResourceChange, Violation

# Older engines reported advisory findings as "warning".
_LEVEL_ALIASES = {"warning": "advisory"}
_QUIET_OPS = {"same"}
# A refresh (or read) step is news only when the engine found properties that differ.
_UNCHANGED_UNLESS_DIFFS = {"refresh", "read"}
_ROOT_STACK = "pulumi:pulumi:Stack"


def split_urn(urn: str) -> tuple[str, str]:
    """(type, name) of `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`."""
    parts = urn.split("::")
    if len(parts) < 4:
        return "", urn
    return parts[2].split("$")[-1], "::".join(parts[3:])


def op_name(op: object) -> str:
    return op.value if isinstance(op, Enum) else str(op)


class EventCollector:
    """An `on_event` callback for Stack.preview/up/refresh/destroy.

    The SDK calls it from its log-watcher thread, hence the lock around shared state.
    """

    def __init__(self, stack: str, out: TextIO | None = None):
        self.stack = stack
        self.out = out or sys.stdout
        self.violations: list[Violation] = []
        self.errors: list[str] = []
        self.changes: dict[str, int] | None = None
        self._resources: dict[str, ResourceChange] = {}  # by URN, in the order first seen
        self._lock = threading.Lock()

    def __call__(self, event: EngineEvent) -> None:
        with self._lock:
            for handler in self._handlers:
                handler(self, event)

    def _line(self, text: str) -> None:
        print(f"[{self.stack}] {text}", file=self.out, flush=True)

    def _resource(self, event: EngineEvent) -> None:
        for kind, payload in (("", event.resource_pre_event), ("done", event.res_outputs_event)):
            if payload is None:
                continue
            meta = payload.metadata
            op = op_name(meta.op)
            if op not in _QUIET_OPS:
                label = f"{op} {kind}".strip()
                self._line(f"{label:<14} {meta.type}  {split_urn(meta.urn)[1]}")
                self._record(meta)
        if event.res_op_failed_event is not None:
            meta = event.res_op_failed_event.metadata
            self._line(f"{'FAILED ' + op_name(meta.op):<14} {meta.type}  {split_urn(meta.urn)[1]}")
            self._record(meta, failed=True)

    def _record(self, meta, *, failed: bool = False) -> None:
        """Keep the step for the report; a later event for the same URN refines it."""
        op = op_name(meta.op)
        # The detailed diff names property paths (`ingress[0].cidrIpv4`); `diffs` only the
        # top-level keys, and is all older providers send.
        properties = tuple(sorted(meta.detailed_diff or meta.diffs or ()))
        if meta.type == _ROOT_STACK or (op in _UNCHANGED_UNLESS_DIFFS and not properties):
            return
        earlier = self._resources.get(meta.urn)
        self._resources[meta.urn] = ResourceChange(
            op=op, type=meta.type, name=split_urn(meta.urn)[1], urn=meta.urn,
            properties=properties or (earlier.properties if earlier else ()),
            failed=failed or bool(earlier and earlier.failed))

    def _diagnostic(self, event: EngineEvent) -> None:
        diag = event.diagnostic_event
        if diag is None or diag.severity not in ("error", "warning"):
            return
        message = " ".join(diag.message.split())
        if diag.severity == "error":
            self.errors.append(message)
        self._line(f"{diag.severity}: {message}")

    def _policy(self, event: EngineEvent) -> None:
        policy = event.policy_event
        if policy is None:
            return
        level = _LEVEL_ALIASES.get(policy.enforcement_level, policy.enforcement_level)
        if level not in LEVELS:
            level = "mandatory"  # an unknown level must not pass silently
        urn = policy.resource_urn or ""
        resource_type, resource_name = split_urn(urn) if urn else ("", "")
        self.violations.append(Violation(
            policy=policy.policy_name, level=level, message=policy.message.strip(), urn=urn,
            resource_type=resource_type, resource_name=resource_name,
        ))
        self._line(f"policy {level}: {policy.policy_name} {resource_name}".rstrip())

    def _summary(self, event: EngineEvent) -> None:
        if event.summary_event is not None:
            self.changes = {op_name(op): int(n) for op, n in event.summary_event.resource_changes.items()}

    _handlers: tuple[Callable[[EventCollector, EngineEvent], None], ...] = (
        _resource, _diagnostic, _policy, _summary,
    )

    @property
    def resources(self) -> list[ResourceChange]:
        return list(self._resources.values())

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.level == "mandatory"]
