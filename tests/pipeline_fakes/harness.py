"""Pytest fixtures and a runner for the automation tests: import them into a test module."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline import cli
from pipeline_fakes import FakePulumi, copy_project, git, make_project, new_commit

HEAD = "HEAD"  # run(commit=HEAD): pass the project's checked-out commit


@dataclass
class Env:
    fake: FakePulumi
    work: Path
    reports: Path

    @property
    def commit(self) -> str:
        """The project's checked-out commit."""
        return git(self.work, "rev-parse", "HEAD")

    def new_commit(self, message: str) -> str:
        return new_commit(self.work, message)

    def checkout(self, commit: str) -> None:
        git(self.work, "checkout", "--quiet", "--detach", commit)

    def report(self, name: str) -> dict:
        return json.loads((self.reports / f"{name}.json").read_text())

    def run(self, *argv: str, commit: str | None = HEAD, lock_wait: str = "0") -> int:
        """`python -m pipeline ...` against the stand-in, the temp project and report dir."""
        self.fake.save()
        common = ["--pulumi-command", str(self.fake.path), "--work-dir", str(self.work),
                  "--report-dir", str(self.reports), "--lock-wait", lock_wait]
        if commit:
            common += ["--commit", self.commit if commit == HEAD else commit]
        try:
            return cli.main([*argv, *common])
        finally:
            self.fake.state = self.fake.load()  # what the run left is where the next one starts


_TEMPLATES: dict[int, Path] = {}


def project_template(factory: pytest.TempPathFactory) -> Path:
    """make_project() once per test process (each xdist worker its own); tests get copies."""
    key = id(factory)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = make_project(factory.mktemp("project-template"))
    return _TEMPLATES[key]


def make_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factory: pytest.TempPathFactory,
             process: bool = False) -> Env:
    return Env(FakePulumi(tmp_path, monkeypatch, process=process),
               copy_project(project_template(factory), tmp_path), tmp_path / "reports")


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> Env:
    """The stand-in answered in this process (pipeline_fakes.in_process)."""
    return make_env(tmp_path, monkeypatch, tmp_path_factory)


@pytest.fixture
def process_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                tmp_path_factory: pytest.TempPathFactory) -> Env:
    """The stand-in started as a process by the SDK, as the real CLI is. Each command keeps a
    test on it, so every command's CLI calls still cross a real process boundary somewhere."""
    return make_env(tmp_path, monkeypatch, tmp_path_factory, process=True)
