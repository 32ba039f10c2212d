"""A stack locked by another update: bounded retries with backoff, then LOCKED naming the holder."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import json

import pytest
from pipeline_fakes.harness import env, process_env  # noqa: F401  (fixtures)
from pulumi.automation import CommandError, ConcurrentUpdateError
from pulumi.automation._cmd import CommandResult

from pipeline.automation.locking import StackLocked, lock_holder, retry_on_lock
from pipeline.exit_codes import ExitCode

DIY_LOCK = ("error: the stack is currently locked by 1 lock(s). Either wait for the other "
            "process(es) to end or delete the lock file with `pulumi cancel`.\n  s3://state/.pulumi/"
            "locks/organization/gatehouse/dev/9.json: created by bob@laptop (pid 77) at 2026-11-22T05:00:00Z")
CLOUD_LOCK = "error: [409] Conflict: Another update is currently in progress."


def locked_error(stderr=DIY_LOCK):
    return ConcurrentUpdateError(CommandResult(stdout="", stderr=stderr, code=255))


class Flaky:
    def __init__(self, failures, stderr=DIY_LOCK):
        self.failures, self.stderr, self.calls = failures, stderr, 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise locked_error(self.stderr)
        return "done"


def test_retries_with_exponential_backoff_until_the_lock_is_released():
    waits = []
    operation = Flaky(failures=3)

    result = retry_on_lock(operation, stack="dev", attempts=5, base_delay=2, sleep=waits.append,
                           notify=lambda _: None)

    assert result == "done" and operation.calls == 4
    assert waits == [2, 4, 8]


def test_gives_up_after_the_bounded_attempts_naming_the_holder():
    waits = []
    operation = Flaky(failures=10)

    with pytest.raises(StackLocked) as locked:
        retry_on_lock(operation, stack="dev", attempts=3, base_delay=1, sleep=waits.append,
                      notify=lambda _: None)

    assert operation.calls == 3 and waits == [1, 2]
    assert "bob@laptop (pid 77) since 2026-11-22T05:00:00Z" in str(locked.value)


def test_pulumi_cloud_lock_does_not_name_a_holder():
    assert lock_holder(CLOUD_LOCK) is None
    with pytest.raises(StackLocked, match="the backend did not say whose"):
        retry_on_lock(Flaky(9, CLOUD_LOCK), stack="prod", attempts=1, sleep=lambda _: None)


def test_other_cli_errors_are_not_retried():
    calls = []

    def broken():
        calls.append(1)
        raise CommandError(CommandResult(stdout="", stderr="error: boom", code=255))

    with pytest.raises(CommandError):
        retry_on_lock(broken, stack="dev", attempts=5, sleep=lambda _: pytest.fail("slept"))
    assert len(calls) == 1


def test_sdk_classifies_the_stand_in_lock_message_as_concurrent_update():
    from pulumi.automation.errors import create_command_error
    assert isinstance(create_command_error(CommandResult("", DIY_LOCK, 255)), ConcurrentUpdateError)


def test_command_waits_out_a_lock_then_succeeds(process_env, capsys):
    env = process_env  # the stand-in as a real process: this command's boundary
    env.fake.locked(times=2)

    assert env.run("preview", "--stack", "dev") == ExitCode.OK

    previews = [c for c in env.fake.calls() if c[1] == "preview"]
    assert len(previews) == 3
    assert capsys.readouterr().out.count("stack is locked by alice@ci-runner-7") == 2


def test_command_exits_locked_when_the_lock_outlasts_the_retries(env, capsys):
    env.fake.locked(times=5)

    code = env.run("up", "--stack", "staging", "--lock-attempts", "3")

    assert code == ExitCode.LOCKED
    assert "locked by alice@ci-runner-7 (pid 4242)" in capsys.readouterr().err
    # select, read what the stack runs (tags, history), three tries at the preview, no update
    assert [c[1] for c in env.fake.calls()] == ["stack"] * 3 + ["preview"] * 3
    saved = json.loads((env.reports / "up-staging.json").read_text())
    assert saved["outcome"] == "locked" and "alice@ci-runner-7" in saved["notes"][-1]
