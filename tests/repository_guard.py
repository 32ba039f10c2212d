"""A test must never write into the repository's own reports/ (`make test` once overwrote
reports/check-prod.md with a config-error report): every test runs under this guard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pipeline.stack_files import PROJECT_DIR

REPORTS = PROJECT_DIR / "reports"


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file below `directory` → (size, mtime_ns); empty when it does not exist."""
    found: dict[str, tuple[int, int]] = {}
    for root, _, files in os.walk(directory):
        for name in files:
            stat = os.stat(os.path.join(root, name))
            found[os.path.relpath(os.path.join(root, name), directory)] = (stat.st_size, stat.st_mtime_ns)
    return found


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


@pytest.fixture(autouse=True)
def no_writes_into_reports(request):
    before = snapshot(REPORTS)
    yield
    written = changes(before, snapshot(REPORTS))
    if written:
        pytest.fail(
            f"{request.node.nodeid} wrote into the repository's reports/ ({', '.join(written)}): "
            "pass --report-dir under tmp_path",
            pytrace=False,
        )
