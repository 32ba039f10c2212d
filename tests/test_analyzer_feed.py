"""Analyze while rendering (pipeline/analyzer/feed.py, stream.py): each resource goes to the pack
as it is registered, the verdict is the one a whole-inventory analysis gives, errors are raised
where that analysis would raise them, and a failed render leaves no pack behind."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
from analyzer_support import TINY_PACK, bucket, bucket_policy, inventory, pack_children

from pipeline import check
from pipeline.analyzer import PackError, PackSession, PackStart, PolicyConfigError, StackContext
from pipeline.analyzer.feed import AnalyzeAsRendered
from pipeline.exit_codes import ExitCode
from pipeline.render import render_stack

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


def test_each_resource_reaches_the_pack_before_the_render_ends_and_the_verdict_is_unchanged():
    with PackStart(TINY_PACK, CONTEXT) as started:
        analysis = AnalyzeAsRendered(started, None, project="demo", stack="dev")
        for index, resource in enumerate(RESOURCES, start=1):
            analysis.add(resource)
            # The "render" goes on only once the pack has this resource: it was sent while
            # rendering, not after (index + 1: the root Stack went first).
            wait_for(lambda index=index: analysis.sent == index + 1, f"resource {index} sent")
        analysis.render_ended()
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
    before = pack_children()
    with PackStart(TINY_PACK, CONTEXT) as started:
        analysis = AnalyzeAsRendered(started, config_file, project="demo", stack="dev")
        analysis.add(RESOURCES[0])  # the render goes on; the feed has stopped
        analysis.render_ended()
        with pytest.raises(PolicyConfigError):
            analysis.finish(inventory(*RESOURCES[:1]))
    assert pack_children() == before


def test_a_pack_that_cannot_start_is_raised_by_finish(tmp_path):
    with PackStart(tmp_path / "no-such-pack", CONTEXT) as started:
        analysis = AnalyzeAsRendered(started, None, project="demo", stack="dev")
        analysis.add(RESOURCES[0])
        analysis.render_ended()
        with pytest.raises(PackError):
            analysis.finish(inventory(*RESOURCES[:1]))


def test_a_render_that_fails_midway_leaves_no_pack_and_no_feed_behind():
    before = pack_children()
    with PackStart(TINY_PACK, CONTEXT) as started:
        analysis = AnalyzeAsRendered(started, None, project="demo", stack="dev")
        analysis.add(RESOURCES[0])
        analysis.render_ended()  # what check does when the render raises
    started.wait_stopped(timeout=120)
    analysis._thread.join(timeout=120)
    assert not analysis._thread.is_alive()
    assert pack_children() == before


def test_check_streams_the_render_to_the_pack(monkeypatch, tmp_path):
    """In check, the pack has every resource of dev by the time the render returns."""
    seen = {}

    def render_then_wait(stack, **kwargs):
        inventory_ = render_stack(stack, **kwargs)
        feed = kwargs["on_resource"].__self__
        wait_for(lambda: feed.sent == len(inventory_.resources) + 1, "every resource sent")
        seen["sent_before_render_returned"] = feed.sent
        return inventory_

    monkeypatch.setattr(check, "render_stack", render_then_wait)
    with open(tmp_path / "out.txt", "w") as out:
        code, rendered = check.check_stack("dev", check.PROJECT_DIR, tmp_path / "reports", out)
    assert code == 0
    assert seen["sent_before_render_returned"] == len(rendered.resources) + 1


def test_check_judges_an_inventory_changed_after_the_render(monkeypatch, tmp_path):
    """A resource changed between registration and judgement (tests patch the render) is judged
    as changed: the stream's head start is dropped, not trusted."""

    def render_then_open(stack, **kwargs):
        inventory_ = render_stack(stack, **kwargs)
        opened = [replace(r, inputs={**r.inputs, "principal": "*"}, outputs={**r.outputs, "principal": "*"})
                  if r.name == "private-api-invoke-security" else r for r in inventory_.resources]
        return replace(inventory_, resources=tuple(opened))

    monkeypatch.setattr(check, "render_stack", render_then_open)
    with open(tmp_path / "out.txt", "w") as out:
        code, _ = check.check_stack("prod", check.PROJECT_DIR, tmp_path / "reports", out)
    assert code == ExitCode.POLICY
    assert "[lambda-permission-scoped]" in (tmp_path / "out.txt").read_text()
