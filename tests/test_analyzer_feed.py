"""Analyze while rendering (pipeline/analyzer/feed.py, relay.py, stream.py): each resource goes to
the pack as it is registered, the verdict is the one a whole-inventory analysis gives, errors are
raised where that analysis would raise them, and a failed render leaves no analysis process and
no pack behind."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

import pytest
from analyzer_support import TINY_PACK, bucket, bucket_policy, inventory

from pipeline import check
from pipeline.analyzer import PackError, PackSession, PolicyConfigError, StackContext
from pipeline.analyzer.feed import AnalyzeAsRendered
from pipeline.exit_codes import ExitCode
from tests import pack_zygote
from tests.program_support import render_cached

CONTEXT = StackContext(project="demo", stack="dev")


def wait_for(condition, what: str, limit: float = 60.0) -> None:
    """Bounded wait for something another thread or process does (no timing is asserted)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting: {what}")
        time.sleep(0.01)


def verdict(result) -> list[tuple[str, str | None, str]]:
    return sorted((v.policy_name, v.urn, v.message) for v in result.violations)


def whole(resources, config_file=None):
    with PackSession(TINY_PACK, CONTEXT) as session:
        session.configure(config_file)
        return session.analyze(inventory(*resources))


RESOURCES = (
    bucket("logs", acl="public-read"),
    bucket("data", tags={}),
    bucket_policy("data-policy", bucket_id="elsewhere", depends_on=bucket("data").urn),
)


def descendants_running(fragment: bytes) -> set[int]:
    """PIDs of this test process's descendants (children, grandchildren...) whose command line
    has `fragment`: the analysis process is our child, its pack our grandchild."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit():
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
                commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except OSError:
            continue

    def ours(pid: int) -> bool:
        while pid in parents and pid > 1:
            pid = parents[pid]
            if pid == os.getpid():
                return True
        return False

    forked_from = pack_zygote.server_pid() if fragment == b"pulumi.policy" else None
    return {
        pid for pid, command in commands.items()
        if (fragment in command or parents[pid] == forked_from) and ours(pid)
    }


def analysis_processes() -> set[int]:
    return descendants_running(b"pipeline.analyzer.relay") | descendants_running(b"pulumi.policy")


def nothing_left_running(before: set[int]) -> bool:
    """No relay or pack beyond those running `before` (other tests' pooled packs, in this worker)."""
    return analysis_processes() <= before


def test_each_resource_reaches_the_pack_before_the_render_ends_and_the_verdict_is_unchanged():
    with AnalyzeAsRendered(TINY_PACK, CONTEXT, None) as analysis:
        for index, resource in enumerate(RESOURCES, start=1):
            analysis.add(resource)
            # The "render" goes on only once the pack has been sent this resource: it was sent
            # while rendering, not after (index + 1: the root Stack went first).
            assert analysis.sent == index + 1
        streamed = analysis.finish(inventory(*RESOURCES))
    assert verdict(streamed) == verdict(whole(RESOURCES))
    assert {v.policy_name for v in streamed.violations} == {"no-public-bucket", "bucket-tags", "bucket-policy-bound"}


def test_a_stream_finished_with_another_inventory_judges_that_inventory():
    """What was sent is only a head start: the verdict is on what `finish` is given."""
    changed = (bucket("logs", acl="private"), *RESOURCES[1:])
    with PackSession(TINY_PACK, CONTEXT) as session:
        session.configure(None)
        stream = session.stream(project="demo", stack="dev")
        for resource in RESOURCES:
            stream.add(resource)
        result = stream.finish(inventory(*changed))
    assert verdict(result) == verdict(whole(changed))
    assert "no-public-bucket" not in {v.policy_name for v in result.violations}


def test_a_bad_policy_config_is_raised_by_finish(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text('{"no-public-bucket": {"forbiddenAcls": "not-a-list"}}')
    before = analysis_processes()
    with AnalyzeAsRendered(TINY_PACK, CONTEXT, config_file) as analysis:
        analysis.add(RESOURCES[0])  # the render goes on; nothing more is sent
        with pytest.raises(PolicyConfigError, match="forbiddenAcls"):
            analysis.finish(inventory(*RESOURCES[:1]))
    wait_for(lambda: nothing_left_running(before), "the analysis and its pack stopped")


def test_a_pack_that_cannot_start_is_raised_by_finish(tmp_path):
    with AnalyzeAsRendered(tmp_path / "no-such-pack", CONTEXT, None) as analysis:
        analysis.add(RESOURCES[0])
        with pytest.raises(PackError, match="no-such-pack"):
            analysis.finish(inventory(*RESOURCES[:1]))


def test_an_analysis_process_that_dies_is_a_pack_error_with_its_stderr(tmp_path):
    broken = tmp_path / "python"
    broken.write_text("#!/bin/sh\necho 'the analysis process broke' >&2\nexit 7\n")
    broken.chmod(0o755)
    with AnalyzeAsRendered(TINY_PACK, CONTEXT, None, python=str(broken)) as analysis:
        analysis.add(RESOURCES[0])  # a write into a pipe nobody reads: not an error yet
        with pytest.raises(PackError, match=r"exited \(7\)[\s\S]*the analysis process broke"):
            analysis.finish(inventory(*RESOURCES[:1]))


def test_a_render_that_fails_midway_leaves_no_analysis_and_no_pack_behind():
    before = analysis_processes()
    with AnalyzeAsRendered(TINY_PACK, CONTEXT, None) as analysis:
        analysis.add(RESOURCES[0])
        assert analysis.sent == 2  # the pack is up and has been sent something
        started = analysis_processes() - before
        assert len(started) == 2  # this run's relay and its pack
    # Leaving the block (what check does when the render raises) waited for both to end.
    assert nothing_left_running(before)


def test_check_streams_the_render_to_the_pack(cached_renders, monkeypatch, tmp_path):
    """In check, the pack has every resource of dev by the time the render returns."""
    seen = {}

    def render_then_wait(stack, **kwargs):
        inventory_ = render_cached(stack, **kwargs)  # replays the monitor's calls as they came
        seen["sent_before_render_returned"] = kwargs["on_resource"].__self__.sent
        return inventory_

    monkeypatch.setattr(check, "render_stack", render_then_wait)
    with open(tmp_path / "out.txt", "w") as out:
        code, rendered = check.check_stack("dev", check.PROJECT_DIR, tmp_path / "reports", out)
    assert code == 0
    assert seen["sent_before_render_returned"] == len(rendered.resources) + 1


def test_check_judges_an_inventory_changed_after_the_render(cached_renders, monkeypatch, tmp_path):
    """A resource changed between registration and judgement (tests patch the render) is judged
    as changed: the stream's head start is dropped, not trusted."""

    def render_then_open(stack, **kwargs):
        inventory_ = render_cached(stack, **kwargs)  # replays the monitor's calls as they came
        opened = [replace(r, inputs={**r.inputs, "principal": "*"}, outputs={**r.outputs, "principal": "*"})
                  if r.name == "private-api-invoke-security" else r for r in inventory_.resources]
        return replace(inventory_, resources=tuple(opened))

    monkeypatch.setattr(check, "render_stack", render_then_open)
    with open(tmp_path / "out.txt", "w") as out:
        code, _ = check.check_stack("prod", check.PROJECT_DIR, tmp_path / "reports", out)
    assert code == ExitCode.POLICY
    assert "[lambda-permission-scoped]" in (tmp_path / "out.txt").read_text()


def test_check_with_a_config_error_found_while_rendering_leaves_nothing_behind(tmp_path, monkeypatch):
    def broken_render(*args, **kwargs):
        raise check.ConfigError("Pulumi.dev.yaml", "gatehouse:services", "is a mistake found by the program")

    monkeypatch.setattr(check, "render_stack", broken_render)
    before = analysis_processes()
    with open(tmp_path / "out.txt", "w") as out:
        code, inventory_ = check.check_stack("dev", check.PROJECT_DIR, tmp_path / "reports", out)
    assert (code, inventory_) == (ExitCode.USAGE, None)
    assert "gatehouse:services is a mistake found by the program" in (tmp_path / "out.txt").read_text()
    assert nothing_left_running(before)
