"""Pytest fixtures and a runner for the automation tests: import them into a test module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import cli
from pipeline_fakes import COMMIT, FakePulumi, make_project


@dataclass
class Env:
    fake: FakePulumi
    work: Path
    reports: Path

    def run(self, *argv: str, commit: str | None = COMMIT, lock_wait: str = "0") -> int:
        """`python -m pipeline ...` against the stand-in, the temp project and report dir."""
        self.fake.save()
        common = ["--pulumi-command", str(self.fake.path), "--work-dir", str(self.work),
                  "--report-dir", str(self.reports), "--lock-wait", lock_wait]
        if commit:
            common += ["--commit", commit]
        return cli.main([*argv, *common])


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Env:
    # Only this command set: the other command modules are tested (and may be built) elsewhere.
    monkeypatch.setattr(cli, "COMMAND_MODULES", ("pipeline.automation.commands",))
    return Env(FakePulumi(tmp_path, monkeypatch), make_project(tmp_path), tmp_path / "reports")
