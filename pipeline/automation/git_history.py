"""What the project's git checkout says about a commit: is it there, is it an ancestor of
another, is the working tree clean. Each question is one `git` call; nothing is written."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pipeline.errors import UsageError

_TIMEOUT = 30
# `git merge-base --is-ancestor A B` "exits with status 0 if true, or with status 1 if not.
# Errors are signaled by a non-zero status that is not 1." (git-merge-base(1))
_NOT_ANCESTOR = 1
FETCH_HINT = ("fetch the history first (actions/checkout with `fetch-depth: 0`, or "
              "`git fetch --unshallow`)")


class UnknownCommit(UsageError):
    """A commit the checkout does not have (a shallow clone, or a commit from elsewhere)."""


def _git(work_dir: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=work_dir, capture_output=True, text=True,
                              timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"cannot run git in {work_dir}: {error}") from error


def is_checkout(work_dir: Path) -> bool:
    done = _git(work_dir, "rev-parse", "--is-inside-work-tree")
    return done.returncode == 0 and done.stdout.strip() == "true"


def resolve(work_dir: Path, commit: str) -> str:
    """The full hash of `commit`, or UnknownCommit when this checkout does not have it."""
    done = _git(work_dir, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if done.returncode != 0:
        raise UnknownCommit(f"commit {commit} is not in the git history of {work_dir}: {FETCH_HINT}")
    return done.stdout.strip()


def is_ancestor(work_dir: Path, older: str, newer: str) -> bool:
    """True when `older` is `newer` or one of its ancestors."""
    older_sha, newer_sha = resolve(work_dir, older), resolve(work_dir, newer)
    done = _git(work_dir, "merge-base", "--is-ancestor", older_sha, newer_sha)
    if done.returncode == 0:
        return True
    if done.returncode == _NOT_ANCESTOR:
        return False
    raise UsageError(f"git merge-base --is-ancestor {older} {newer} failed: {done.stderr.strip()}")


def dirty_paths(work_dir: Path) -> list[Path]:
    """Changed, staged or untracked (not ignored) files, as absolute paths; empty when clean."""
    top = _git(work_dir, "rev-parse", "--show-toplevel")
    done = _git(work_dir, "status", "--porcelain", "--untracked-files=all")
    if top.returncode != 0 or done.returncode != 0:
        raise UsageError(f"git status failed in {work_dir}: {(done.stderr or top.stderr).strip()}")
    root = Path(top.stdout.strip())
    # "XY PATH", or "XY ORIG -> PATH" for a rename (git-status(1), short format)
    return [root / line[3:].split(" -> ")[-1].strip('"') for line in done.stdout.splitlines() if line.strip()]


def committed_text(work_dir: Path, path: str) -> str | None:
    """`path` as HEAD has it, or None when HEAD has no such file."""
    done = _git(work_dir, "show", f"HEAD:./{path}")  # `./`: relative to work_dir, not the repo root
    return done.stdout if done.returncode == 0 else None
