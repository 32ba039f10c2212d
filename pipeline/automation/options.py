"""Options every automation command shares, and the settings they resolve to."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.automation.locking import DEFAULT_ATTEMPTS, DEFAULT_BASE_DELAY
from pipeline.automation.workspace import PULUMI_COMMAND_ENV, REPO_ROOT
from pipeline.errors import UsageError

_SHA = re.compile(r"^[0-9a-f]{7,40}$")


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report-dir", default="reports", metavar="DIR",
                        help="where the .md/.json/.sarif reports go (default: reports/)")
    parser.add_argument("--pulumi-command", metavar="PATH",
                        help=f"the pulumi CLI to drive (default: ${PULUMI_COMMAND_ENV}, else PATH)")
    parser.add_argument("--commit", metavar="SHA",
                        help="commit being deployed (default: $GITHUB_SHA, else git rev-parse HEAD)")
    parser.add_argument("--work-dir", metavar="DIR", default=str(REPO_ROOT),
                        help="the Pulumi project directory (default: this repository)")
    parser.add_argument("--lock-attempts", type=_positive_int, default=DEFAULT_ATTEMPTS, metavar="N",
                        help=f"tries while the stack is locked by another update (default {DEFAULT_ATTEMPTS})")
    parser.add_argument("--lock-wait", type=_non_negative_float, default=DEFAULT_BASE_DELAY,
                        metavar="SECONDS",
                        help=f"first wait when locked, doubled each retry (default {DEFAULT_BASE_DELAY:g})")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {text!r})")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds, 0 or more (got {text!r})")
    return value


@dataclass
class Settings:
    work_dir: Path
    report_dir: Path
    pulumi_command: str | None
    explicit_commit: str | None
    lock_attempts: int
    lock_wait: float
    sleep: Callable[[float], None] = field(default=time.sleep)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        work_dir = Path(args.work_dir).resolve()
        if not (work_dir / "Pulumi.yaml").is_file():
            raise UsageError(f"--work-dir {args.work_dir} is not a Pulumi project (no Pulumi.yaml)")
        return cls(
            work_dir=work_dir,
            report_dir=Path(args.report_dir),
            pulumi_command=args.pulumi_command,
            explicit_commit=args.commit,
            lock_attempts=args.lock_attempts,
            lock_wait=args.lock_wait,
        )

    def commit(self, *, required: bool) -> str | None:
        """The commit this run deploys: --commit, $GITHUB_SHA, or the work dir's HEAD."""
        if self.explicit_commit is not None:
            return _check_sha(self.explicit_commit, "--commit")
        if os.environ.get("GITHUB_SHA"):
            return _check_sha(os.environ["GITHUB_SHA"], "GITHUB_SHA")
        head = _git_head(self.work_dir)
        if head is None and required:
            raise UsageError("cannot tell which commit is being deployed: pass --commit SHA "
                             "(or run inside a git checkout, or set GITHUB_SHA)")
        return head


def _check_sha(value: str, source: str) -> str:
    sha = value.strip().lower()
    if not _SHA.match(sha):
        raise UsageError(f"{source} must be a git commit hash of 7 to 40 hex digits (got {value!r})")
    return sha


def _git_head(work_dir: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work_dir, capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and _SHA.match(sha) else None
