"""Smoke test of the real pack in policies/ over the protocol. Not skipped when the pack fails
to import (as it was while the pack was being written): that is now a failure."""

import re
from pathlib import Path

from pipeline.analyzer import PackSession, StackContext

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def test_the_real_pack_lists_its_policies_and_accepts_every_shipped_config():
    with PackSession(POLICIES, StackContext(project="gatehouse", stack="prod")) as session:
        names = [p.name for p in session.info.policies]
        assert names, "the pack lists no policies"
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names), names
        for config in sorted((POLICIES / "config").glob("*.json")):
            reconciled = session.configure(config)
            assert set(names) <= set(reconciled), config
