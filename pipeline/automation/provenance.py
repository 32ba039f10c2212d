"""Only reviewed code deploys, and only forward.

`up` and `promote` deploy the checked-out commit, clean, and only over a stack whose recorded
commit (the `gatehouse:commit` tag) is that commit or one of its ancestors. Going back is a
rollback and has to be asked for by name (`--rollback`). A dirty working tree is refused in CI
and needs `--allow-dirty` elsewhere; its stamp then says so (`<sha>-dirty`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.automation import git_history
from pipeline.automation.review_config import SECRETS_KEYS
from pipeline.errors import UsageError

DIRTY_SUFFIX = "-dirty"
_SHA = re.compile(r"^[0-9a-f]{7,40}$")
# <command>-<stack>.{md,json,sarif}, as pipeline.automation.reports.writer names them
REPORT_FILE = re.compile(r"^(check|access|preview|up|promote|review|drift|destroy)-[A-Za-z0-9_.-]+"
                         r"\.(md|json|sarif)$")
_LISTED_PATHS = 5


class Refused(Exception):
    """A precondition of the command does not hold (ancestry, promotion, dirty tree in CI)."""


@dataclass(frozen=True)
class Provenance:
    """The code being deployed: a commit, and whether the working tree differed from it."""

    commit: str
    dirty: bool = False

    @property
    def stamp(self) -> str:
        return self.commit + (DIRTY_SUFFIX if self.dirty else "")


def in_ci() -> bool:
    """GitHub Actions (and most CI systems) set CI=true."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def is_commit_hash(text: str) -> bool:
    return bool(_SHA.match(text))


def split_stamp(stamp: str) -> tuple[str, bool]:
    """(`commit`, `dirty`) of a recorded `gatehouse:commit` value."""
    if stamp.endswith(DIRTY_SUFFIX):
        return stamp[: -len(DIRTY_SUFFIX)], True
    return stamp, False


def checked_out(work_dir: Path, commit: str, *, allow_dirty: bool, plan: Path | None = None,
                report_dir: Path | None = None) -> Provenance:
    """The provenance of deploying `work_dir` as `commit`, or why it may not deploy.

    What this run itself reads or writes does not count as uncommitted changes: the `plan` it
    applies, and the reports in `report_dir` (only files named like a report, so that
    `--report-dir .` cannot excuse program code).
    """
    if not git_history.is_checkout(work_dir):
        raise UsageError(f"{work_dir} is not a git checkout: up and promote deploy committed code "
                         "only, so that the stamp names what runs and its ancestry can be checked")
    head = git_history.resolve(work_dir, "HEAD")
    if git_history.resolve(work_dir, commit) != head:
        raise UsageError(f"--commit {commit} is not the checked-out commit {head}: the stack would be "
                         f"stamped with code it does not run; check out {commit} first")
    plan_file = plan.resolve() if plan else None
    reports = report_dir.resolve() if report_dir else None
    dirty = [_shown(work_dir, path) for path in git_history.dirty_paths(work_dir)
             if path != plan_file
             and not (path.parent == reports and REPORT_FILE.match(path.name))
             and not _only_secrets_keys_changed(work_dir, path)]
    if not dirty:
        return Provenance(head)
    listing = ", ".join(dirty[:_LISTED_PATHS]) + (" …" if len(dirty) > _LISTED_PATHS else "")
    if in_ci():
        raise Refused(f"the working tree has uncommitted changes ({listing}); with CI set only "
                      "committed code deploys, and --allow-dirty does not apply")
    if not allow_dirty:
        raise UsageError(f"the working tree has uncommitted changes ({listing}): commit them, or pass "
                         f"--allow-dirty to deploy them stamped {head}{DIRTY_SUFFIX}")
    return Provenance(head, dirty=True)


def _shown(work_dir: Path, path: Path) -> str:
    return str(path.relative_to(work_dir)) if path.is_relative_to(work_dir) else str(path)


def _only_secrets_keys_changed(work_dir: Path, path: Path) -> bool:
    """True for a stack file whose only change is the CLI's own secrets keys.

    With PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER the CLI restores `secretsprovider` and
    `encryptedkey` into a stack file that lacks them; that changes nothing that deploys, and
    must not make the next command of the same job refuse a "dirty" tree.
    """
    if path.parent != work_dir or not (path.name.startswith("Pulumi.") and path.suffix == ".yaml"):
        return False
    committed = git_history.committed_text(work_dir, path.name)
    try:
        before = yaml.safe_load(committed) if committed is not None else None
        after = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    if not isinstance(before, dict) or not isinstance(after, dict):
        return False
    return _without_secrets_keys(before) == _without_secrets_keys(after)


def _without_secrets_keys(stack_file: dict) -> dict:
    return {k: v for k, v in stack_file.items() if k not in SECRETS_KEYS}


def check_forward(work_dir: Path, stack: str, recorded: list[tuple[str, str]], commit: str, *,
                  rollback: bool) -> str:
    """A note on why deploying `commit` over `stack` is allowed, or Refused.

    `recorded` is what the stack is known to run, as (where it is recorded, stamp). Each must
    be `commit` or one of its ancestors; with `rollback`, each must instead be `commit` or one
    of its descendants (going back along the history, never sideways).
    """
    if not recorded:
        return f"{stack} has no recorded commit yet: first deploy of {commit}"
    for where, stamp in recorded:
        # git would resolve a branch name too (`main` is always "an ancestor" of main)
        if not is_commit_hash(split_stamp(stamp)[0]):
            raise Refused(f"{stack} records {stamp!r} as {where}, which is not a commit hash: "
                          "cannot tell what it runs; set the tag to the commit it runs")
    runs = "; ".join(f"{stamp} ({where})" for where, stamp in recorded)
    behind = [(where, stamp) for where, stamp in recorded
              if not _known_ancestor(work_dir, stack, where, split_stamp(stamp)[0], commit)]
    if not behind:
        if rollback:
            return f"{stack} runs {runs}; {commit} descends from it, so --rollback was not needed"
        return f"{stack} runs {runs}; {commit} descends from it"
    if not rollback:
        where, stamp = behind[0]
        raise Refused(f"{stack} runs {stamp} ({where}), which is not an ancestor of {commit}: "
                      "refusing to deploy an older or unrelated commit over it (to go back on "
                      "purpose, deploy an ancestor with --rollback)")
    for where, stamp in behind:
        running = split_stamp(stamp)[0]
        if not git_history.is_ancestor(work_dir, commit, running):
            raise Refused(f"--rollback deploys only an ancestor of what {stack} runs, and {commit} "
                          f"is not an ancestor of {running} ({where}): the histories diverged")
    return f"rollback, asked for by --rollback: {stack} runs {runs}; deploying its ancestor {commit}"


def _known_ancestor(work_dir: Path, stack: str, where: str, running: str, commit: str) -> bool:
    try:
        return git_history.is_ancestor(work_dir, running, commit)
    except git_history.UnknownCommit as error:
        raise git_history.UnknownCommit(
            f"{stack} runs {running} ({where}), which this clone does not have: {git_history.FETCH_HINT}"
            "; or it was deployed from a commit that was never pushed") from error
