"""A pack started in the background: usable once waited for, stopped however the caller leaves,
and its start failure re-raised where the caller waits."""

import pytest
from analyzer_support import TINY_PACK, bucket, inventory, pack_children

from pipeline.analyzer import PackError, PackStart, StackContext, analyze_inventory

CONTEXT = StackContext(project="demo", stack="dev")


def test_a_background_start_is_the_session_analyze_uses():
    before = pack_children()
    started = PackStart(TINY_PACK, CONTEXT)
    result = analyze_inventory(inventory(bucket("logs", acl="public-read")), pack_dir=TINY_PACK,
                               config_file=None, started=started)
    assert [v.policy_name for v in result.violations] == ["no-public-bucket"]
    assert pack_children() == before


def test_a_start_nobody_waits_for_is_still_stopped():
    before = pack_children()
    with PackStart(TINY_PACK, CONTEXT) as started:
        pass  # e.g. the render failed
    started.wait_stopped(timeout=120)  # the start may end after close(); it then stops itself
    assert pack_children() == before


def test_a_failed_start_is_raised_where_the_caller_waits(tmp_path):
    with PackStart(tmp_path / "no-such-pack", CONTEXT) as started, pytest.raises(PackError):
        started.session()
