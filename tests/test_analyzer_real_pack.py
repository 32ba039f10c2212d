"""Smoke test of the real pack in policies/ over the protocol; skipped until it imports."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.analyzer import PackSession, StackContext

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def _importable() -> bool:
    if not (POLICIES / "__main__.py").is_file():
        return False
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import gatehouse_guard.policies"
    return subprocess.run(
        [sys.executable, "-c", probe, str(POLICIES)], capture_output=True, check=False
    ).returncode == 0


pytestmark = pytest.mark.skipif(not _importable(), reason="policies/ does not import yet")


def test_the_real_pack_lists_its_policies_and_accepts_every_shipped_config():
    with PackSession(POLICIES, StackContext(project="gatehouse", stack="prod")) as session:
        names = [p.name for p in session.info.policies]
        assert names, "the pack lists no policies"
        assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", n) for n in names), names
        for config in sorted((POLICIES / "config").glob("*.json")):
            reconciled = session.configure(config)
            assert set(names) <= set(reconciled), config
