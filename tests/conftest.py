"""Shared test setup: the policy pack's `gatehouse_guard` package is importable as in the pack,
and no test may write into the repository's reports/ (tests/repository_guard.py)."""

from pipeline.policy_path import ensure_policies_on_path

ensure_policies_on_path()

from tests.repository_guard import no_writes_into_reports  # noqa: E402, F401 - an autouse fixture
