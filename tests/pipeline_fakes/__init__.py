"""Helpers around the stand-in `pulumi` (bin/pulumi): scenarios to play back, and the argv it
recorded. The automation commands are pointed at it with --pulumi-command."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi.automation import _cmd, _stack

from pipeline_fakes.in_process import STAND_IN, InProcessSubprocess, quick_log_watcher

CLI_VERSION = "v3.205.0"  # the newest CLI whose engine events the SDK reads from --event-log
COMMIT = "0123456789abcdef0123456789abcdef01234567"
OTHER_COMMIT = "fedcba9876543210fedcba9876543210fedcba98"
EVENT_LOG = "<event-log>"


class FakePulumi:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch, process: bool = False):
        """`process`: the SDK starts the stand-in as a process; otherwise it is answered in this
        one (pipeline_fakes.in_process), with the same argv, environment and directory."""
        # A copy run by this interpreter directly: `env python3` may be a slow pyenv shim.
        self.path = root / "fake-cli" / "bin" / "pulumi"
        self.path.parent.mkdir(parents=True)
        source = STAND_IN.read_text(encoding="utf-8").split("\n", 1)[1]
        self.path.write_text(f"#!{sys.executable} -S\n{source}", encoding="utf-8")
        self.path.chmod(self.path.stat().st_mode | stat.S_IXUSR)
        self.calls_path = root / "fake-cli" / "calls.jsonl"
        self.state_path = root / "fake-cli" / "state.json"
        self.calls_path.touch()
        self.state: dict = {"version": CLI_VERSION, "stacks": {}}
        for name in ("dev", "staging", "prod"):
            self.add_stack(name)
        self.save()
        if not process:
            monkeypatch.setattr(_cmd, "subprocess", InProcessSubprocess(self.path))
        monkeypatch.setattr(_stack, "_watch_logs", quick_log_watcher(_stack._watch_logs))
        monkeypatch.setenv("FAKE_PULUMI_CALLS", str(self.calls_path))
        monkeypatch.setenv("FAKE_PULUMI_STATE", str(self.state_path))
        monkeypatch.delenv("GITHUB_SHA", raising=False)
        monkeypatch.delenv("GATEHOUSE_PULUMI_COMMAND", raising=False)
        monkeypatch.delenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", raising=False)
        for name in ("CI", "GITHUB_OUTPUT", "GATEHOUSE_SECRETS_PROVIDER"):  # set on CI runners
            monkeypatch.delenv(name, raising=False)

    # scenarios ---------------------------------------------------------------------------
    def add_stack(self, name: str, tags: dict | None = None, outputs: dict | None = None) -> None:
        self.state["stacks"][name] = {"tags": tags or {}, "history": [], "outputs": outputs or {}}

    def remove_stack(self, name: str) -> None:
        del self.state["stacks"][name]

    def outputs(self, stack: str, secret: tuple[str, ...] = (), **values) -> None:
        """What `stack output` shows for `stack` now; `secret` keys show as [secret] unless asked."""
        self.state["stacks"][stack]["outputs"] = values
        self.state["stacks"][stack]["secretOutputs"] = list(secret)

    def outputs_after_up(self, **values) -> None:
        self.state.setdefault("up", {})["outputs"] = values

    def resources(self, operation: str, *steps: dict) -> None:
        """Play these resource steps ({op, type, name, diffs?}) instead of made-up ones."""
        self.state.setdefault(operation, {})["resources"] = list(steps)

    def changes(self, operation: str, **counts: int) -> None:
        self.state.setdefault(operation, {})["changes"] = counts

    def violation(self, policy: str, level: str, message: str, resource: str = "private-api",
                  resource_type: str = "aws:apigateway/restApi:RestApi") -> None:
        self.state.setdefault("policy", []).append(
            {"policy": policy, "level": level, "message": message, "resource": resource,
             "type": resource_type})

    def fail(self, operation: str, error: str) -> None:
        self.state.setdefault(operation, {})["error"] = error

    def locked(self, times: int, holder: str = "alice@ci-runner-7") -> None:
        self.state["lock"] = {"times": times, "holder": holder}

    def deployed(self, stack: str, commit: str | None, result: str = "succeeded",
                 git_head: str | None = None, verified: bool = True) -> None:
        """Give `stack` a last update with `result`, tagged with `commit` (and, unless told
        otherwise, `gatehouse:verified` as `pipeline verify` leaves it after a good deploy)."""
        entry = self.state["stacks"][stack]
        if commit is not None:
            entry["tags"]["gatehouse:commit"] = commit
            if verified and result == "succeeded":
                entry["tags"]["gatehouse:verified"] = commit
        environment = {"exec.kind": "auto.local", **({"git.head": git_head} if git_head else {})}
        entry["history"].insert(0, {
            "version": len(entry["history"]) + 1, "kind": "update", "result": result,
            "startTime": "2026-11-22T04:00:00.000Z", "endTime": "2026-11-22T04:01:00.000Z",
            "message": "", "environment": environment, "config": {},
            "resourceChanges": {"same": 3}})

    def save(self) -> None:
        self.state_path.write_text(json.dumps(self.state), encoding="utf-8")

    def load(self) -> dict:
        return json.loads(self.state_path.read_text(encoding="utf-8"))

    # what it saw --------------------------------------------------------------------------
    def records(self) -> list[dict]:
        lines = self.calls_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]

    def calls(self) -> list[list[str]]:
        """Every argv after `version`, with the random --event-log path replaced by EVENT_LOG."""
        argvs = [r["argv"] for r in self.records() if r["argv"] != ["version"]]
        return [[EVENT_LOG if i and argv[i - 1] == "--event-log" else a for i, a in enumerate(argv)]
                for argv in argvs]


def git(work: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com"}
    done = subprocess.run(["git", *args], cwd=work, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def new_commit(work: Path, message: str) -> str:
    """Commit a change on top of HEAD; the new commit's hash."""
    changes = work / "CHANGES.txt"
    with changes.open("a", encoding="utf-8") as f:
        f.write(message + "\n")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message)
    return git(work, "rev-parse", "HEAD")


def make_project(root: Path) -> Path:
    """A minimal Pulumi project directory, a git repository with one commit: the stack files
    and the policy pack layout."""
    work = root / "project"
    (work / "policies" / "config").mkdir(parents=True)
    (work / "Pulumi.yaml").write_text("name: gatehouse\nruntime: python\n", encoding="utf-8")
    for stack in ("dev", "staging", "prod"):
        (work / f"Pulumi.{stack}.yaml").write_text(
            f"config:\n  aws:region: us-east-1\n  gatehouse:environment: {stack}\n", encoding="utf-8")
        (work / "policies" / "config" / f"{stack}.json").write_text("{}\n", encoding="utf-8")
    (work / "policies" / "PulumiPolicy.yaml").write_text("runtime: python\n", encoding="utf-8")
    (work / ".gitignore").write_text("Pulumi.pr-*.yaml\n", encoding="utf-8")  # as the repository's
    # No template: the sample hooks and description git copies in are inert, and every test
    # copies (and pytest later deletes) this directory.
    git(work, "init", "--quiet", "--initial-branch=main", "--template=")
    new_commit(work, "initial")
    return work


def copy_project(template: Path, root: Path) -> Path:
    """A copy of a make_project() directory, git repository and all, as root/project: the same
    files and the same initial commit, for a few ms instead of four git commands."""
    return Path(shutil.copytree(template, root / "project", symlinks=True))
