"""The engine operations the commands are made of, each fed into the run's `Report`.

Every preview and update carries the policy pack and the stack's policy config: there is no
code path that runs them without it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pulumi.automation import CommandError, Stack, StackNotFoundError

from pipeline.automation import stacks
from pipeline.automation.locking import retry_on_lock
from pipeline.automation.options import Settings
from pipeline.automation.progress import EventCollector, op_name
from pipeline.automation.promotion import COMMIT_TAG
from pipeline.automation.provenance import Refused
from pipeline.automation.reports.model import SECRET_OUTPUT, Report
from pipeline.automation.workspace import describe_backend, open_stack, pulumi_command
from pipeline.deferred import split_deferred
from pipeline.errors import UsageError

__all__ = ["DriftFound", "PolicyBlocked", "Refused", "StackMissing", "StackRun"]

T = TypeVar("T")
NO_CHANGES_EXPECTED = "no changes were expected"


class PolicyBlocked(Exception):
    """A mandatory policy violation stopped the run."""


class DriftFound(Exception):
    """A refresh preview found the cloud differs from the stack's state."""


class StackMissing(UsageError):
    """The stack does not exist in the backend (yet)."""


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
            raise StackMissing(f"stack {name!r} does not exist in {describe_backend()}: create it "
                               f"with `python -m pipeline init --stack {name}` first")
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
        if collector.resources:
            self.report.resources = collector.resources
        if collector.mandatory:
            names = ", ".join(sorted({v.policy for v in collector.mandatory}))
            raise PolicyBlocked(f"{self.name}: mandatory policy violation(s): {names}")

    def preview(self, *, save_plan: Path | None = None) -> None:
        """Preview with the pack; with `save_plan`, also write the update plan the CLI computed
        (`pulumi preview --save-plan`), which `update(plan=...)` then holds the update to."""
        policy = self._policy_args()
        print(f"[{self.name}] preview with {policy['policy_packs'][0]} and "
              f"{policy['policy_pack_configs'][0]}", flush=True)
        plan = str(save_plan) if save_plan else None
        try:
            result, _ = self._engine(
                lambda on_event: self.stack.preview(on_event=on_event, plan=plan, **policy))
        except PolicyBlocked:
            if save_plan:  # a plan the pack refused must never be applied
                save_plan.unlink(missing_ok=True)
            raise
        self.report.changes = _counts(result.change_summary)
        if save_plan:
            self.report.notes.append(f"update plan saved to {save_plan}")

    def update(self, stamp: str, *, plan: Path | None = None) -> None:
        """Preview (unless `plan` holds the approved one), refuse on a mandatory violation,
        update, then stamp the stack with `stamp`."""
        if plan is None:
            self.preview()
        else:
            self.report.notes.append(f"applying the update plan {plan}: the engine refuses any "
                                     "operation the approved preview did not plan")
        policy = self._policy_args()
        message = f"gatehouse {self.report.command} {stamp}"
        result, _ = self._engine(lambda on_event: self.stack.up(
            on_event=on_event, message=message, plan=str(plan) if plan else None, **policy))
        if result.summary.resource_changes is not None:
            self.report.changes = _counts(result.summary.resource_changes)
        self.report.outputs = _masked(result.outputs)
        self.stack.set_tag(COMMIT_TAG, stamp)
        print(f"[{self.name}] updated; tagged {COMMIT_TAG}={stamp}", flush=True)

    def recorded_commits(self) -> list[tuple[str, str]]:
        """What the stack is known to run, as (where it is recorded, commit): the stamp of the
        pipeline's last update (`gatehouse:commit`), and the git HEAD the CLI recorded for the
        stack's last update, which differs when someone ran `pulumi up` by hand since."""
        found = []
        stamp = self.stack.list_tags().get(COMMIT_TAG)
        if stamp:
            found.append((f"its {COMMIT_TAG} tag", stamp))
        last = self.stack.history(page_size=1, show_secrets=False)
        if last and last[0].kind == "update":
            head = (last[0].environment or {}).get("git.head")
            if head and not (stamp and (head.startswith(stamp) or stamp.startswith(head))):
                found.append(("the git HEAD of its last update", head))
        return found

    def read_outputs(self) -> None:
        """The stack's current outputs into the report; a stack never updated has none."""
        try:
            self.report.outputs = _masked(self.stack.outputs())
        except CommandError as error:
            self.report.notes.append(f"could not read the outputs of {self.name}: "
                                     f"{_last_line(str(error))}")

    def drift(self) -> None:
        try:
            result, _ = self._engine(lambda on_event: self.stack.preview_refresh(
                on_event=on_event, expect_no_changes=True))
        except CommandError as error:
            if NO_CHANGES_EXPECTED in str(error):
                raise DriftFound(f"{self.name} has drifted from its state: "
                                 f"{_describe_drift(self.report)}") from error
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


def _describe_drift(report: Report) -> str:
    """Which resources differ and in which properties; the counts when the engine named none."""
    named = [f"{r.type} {r.name}" + (f" ({', '.join(r.properties)})" if r.properties else "")
             for r in report.resources]
    counts = _describe(report.changes)
    return f"{counts}: {'; '.join(named)}" if named else counts


def _masked(outputs) -> dict[str, object]:
    return {key: SECRET_OUTPUT if out.secret else out.value for key, out in (outputs or {}).items()}


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no error text"
