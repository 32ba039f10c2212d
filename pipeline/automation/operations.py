"""The engine operations the commands are made of, each fed into the run's `Report`.

Every preview and update carries the policy pack and the stack's policy config: there is no
code path that runs them without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pulumi.automation import CommandError, Stack, StackNotFoundError

from pipeline.automation import stacks
from pipeline.automation.locking import retry_on_lock
from pipeline.automation.options import Settings
from pipeline.automation.progress import EventCollector, op_name
from pipeline.automation.promotion import COMMIT_TAG
from pipeline.automation.reports.model import Report
from pipeline.automation.workspace import describe_backend, open_stack, pulumi_command
from pipeline.deferred import split_deferred
from pipeline.errors import UsageError

T = TypeVar("T")
NO_CHANGES_EXPECTED = "no changes were expected"


class PolicyBlocked(Exception):
    """A mandatory policy violation stopped the run."""


class DriftFound(Exception):
    """A refresh preview found the cloud differs from the stack's state."""


class Refused(Exception):
    """A precondition of the command does not hold (promotion rules)."""


class StackRun:
    """One stack, the settings it runs with, and the report its operations fill."""

    def __init__(self, settings: Settings, stack: Stack, report: Report):
        self.settings = settings
        self.stack = stack
        self.report = report

    @classmethod
    def open(cls, settings: Settings, name: str, report: Report, *, create: bool = False) -> StackRun:
        run = cls.open_if_exists(settings, name, report, create=create)
        if run is None:
            raise UsageError(f"stack {name!r} does not exist in {describe_backend()}: "
                             f"create it with `pulumi stack init {name}` first")
        return run

    @classmethod
    def open_if_exists(cls, settings: Settings, name: str, report: Report, *,
                       create: bool = False) -> StackRun | None:
        print(f"[{name}] backend: {describe_backend()}", flush=True)
        command = pulumi_command(settings.pulumi_command)
        try:
            stack = open_stack(name, settings.work_dir, command, create=create)
        except StackNotFoundError:
            return None
        return cls(settings, stack, report)

    @property
    def name(self) -> str:
        return self.stack.name

    def _policy_args(self) -> dict[str, list[str]]:
        work_dir = self.settings.work_dir
        return {
            "policy_packs": [str(stacks.policy_pack(work_dir))],
            "policy_pack_configs": [str(stacks.policy_config(work_dir, self.name))],
        }

    def _engine(self, run: Callable[[EventCollector], T]) -> tuple[T, EventCollector]:
        """Run one engine operation with lock retry, a fresh event collector per attempt,
        and the policy verdict folded into the report even when the CLI fails."""
        collectors: list[EventCollector] = []

        def attempt() -> T:
            collectors.append(EventCollector(self.name))
            return run(collectors[-1])

        try:
            result = retry_on_lock(attempt, stack=self.name, attempts=self.settings.lock_attempts,
                                   base_delay=self.settings.lock_wait, sleep=self.settings.sleep)
        except CommandError:
            self._absorb(collectors[-1])
            raise
        self._absorb(collectors[-1])
        return result, collectors[-1]

    def _absorb(self, collector: EventCollector) -> None:
        found, deferred = split_deferred(collector.violations)
        self.report.add_violations(found)
        self.report.deferred += [d for d in deferred if d not in self.report.deferred]
        if collector.changes is not None:
            self.report.changes = collector.changes
        if collector.mandatory:
            names = ", ".join(sorted({v.policy for v in collector.mandatory}))
            raise PolicyBlocked(f"{self.name}: mandatory policy violation(s): {names}")

    def preview(self) -> None:
        policy = self._policy_args()
        print(f"[{self.name}] preview with {policy['policy_packs'][0]} and "
              f"{policy['policy_pack_configs'][0]}", flush=True)
        result, _ = self._engine(lambda on_event: self.stack.preview(on_event=on_event, **policy))
        self.report.changes = _counts(result.change_summary)

    def update(self, commit: str) -> None:
        """Preview, refuse on a mandatory violation, update, then stamp the commit."""
        self.preview()
        policy = self._policy_args()
        message = f"gatehouse {self.report.command} {commit}"
        result, _ = self._engine(
            lambda on_event: self.stack.up(on_event=on_event, message=message, **policy))
        if result.summary.resource_changes is not None:
            self.report.changes = _counts(result.summary.resource_changes)
        self.stack.set_tag(COMMIT_TAG, commit)
        print(f"[{self.name}] updated; tagged {COMMIT_TAG}={commit}", flush=True)

    def drift(self) -> None:
        try:
            result, _ = self._engine(lambda on_event: self.stack.preview_refresh(
                on_event=on_event, expect_no_changes=True))
        except CommandError as error:
            if NO_CHANGES_EXPECTED in str(error):
                raise DriftFound(f"{self.name} has drifted from its state: "
                                 f"{_describe(self.report.changes)}") from error
            raise
        self.report.changes = _counts(result.change_summary)

    def destroy(self, *, remove: bool = False) -> None:
        result, _ = self._engine(lambda on_event: self.stack.destroy(
            on_event=on_event, remove=remove, message=f"gatehouse {self.report.command}"))
        if result.summary.resource_changes is not None:
            self.report.changes = _counts(result.summary.resource_changes)

    def last_update(self):
        """The newest history entry of kind `update`, or None."""
        for entry in self.stack.history(show_secrets=False):
            if entry.kind == "update":
                return entry
        return None


def _counts(changes) -> dict[str, int]:
    return {op_name(op): int(n) for op, n in (changes or {}).items()}


def _describe(changes: dict[str, int]) -> str:
    changed = {op: n for op, n in changes.items() if n and op != "same"}
    return ", ".join(f"{n} to {op}" for op, n in sorted(changed.items())) or "changes proposed"
