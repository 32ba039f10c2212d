"""The declared promotion order and the rules for moving a commit along it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from pipeline.automation.provenance import is_commit_hash, split_stamp
from pipeline.errors import UsageError

ORDER_FILE = Path(__file__).resolve().parents[1] / "promotion.yaml"
COMMIT_TAG = "gatehouse:commit"


def load_order(path: Path = ORDER_FILE) -> list[str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UsageError(f"cannot read the promotion order from {path}: {error}") from error
    order = data.get("order") if isinstance(data, dict) else None
    if (not isinstance(order, list) or len(order) < 2
            or not all(isinstance(s, str) and s for s in order) or len(set(order)) != len(order)):
        raise UsageError(f"order in {path} must be a list of two or more distinct stack names")
    return order


def check_step(order: list[str], source: str, target: str) -> None:
    """Allow only the next stage: no skipping, no going back, no staying put."""
    for role, stack in (("--from", source), ("--to", target)):
        if stack not in order:
            raise UsageError(f"{role} {stack} is not in the promotion order ({' → '.join(order)})")
    step = order.index(target) - order.index(source)
    if step == 1:
        return
    allowed = order[order.index(source) + 1] if source != order[-1] else None
    hint = f"promote --from {source} --to {allowed}" if allowed else f"{source} is the last stage"
    if step <= 0:
        raise UsageError(f"cannot promote backwards or in place from {source} to {target} ({hint})")
    skipped = ", ".join(order[order.index(source) + 1 : order.index(target)])
    raise UsageError(f"cannot promote {source} to {target}: that skips {skipped} ({hint})")


def source_problem(stack: str, commit: str, tags: dict[str, str], last_update, *,
                   contains: Callable[[str, str], bool], exact: bool = False) -> str | None:
    """Why `stack` may not be the source of promoting `commit`, or None when it may.

    `last_update` is the newest `UpdateSummary` of kind "update" (None when there is none).
    The source must run `commit` or a descendant of it (`contains(commit, running)`): a later
    push may already have moved it on. With `exact` (applying a saved plan) it must still run
    `commit` itself, the commit the plan was made from.
    """
    if last_update is None:
        return f"{stack} has never been updated; run `up --stack {stack}` first"
    if last_update.result != "succeeded":
        return f"the last update of {stack} {last_update.result}; fix it before promoting"
    deployed = tags.get(COMMIT_TAG)
    if deployed is None:
        return f"{stack} has no {COMMIT_TAG} tag, so its commit is unknown; run `up --stack {stack}`"
    running, dirty = split_stamp(deployed)
    if not is_commit_hash(running):
        return f"{stack} records {deployed!r} as its {COMMIT_TAG} tag, which is not a commit hash"
    if dirty:
        return (f"{stack} runs {deployed}, a working tree nobody committed; deploy a commit to "
                f"{stack} before promoting")
    if exact and not (running == commit or (contains(commit, running) and contains(running, commit))):
        return (f"{stack} now runs {running}, not {commit}, the commit the plan was made from; "
                "preview again and approve the new plan")
    if not contains(commit, running):
        return (f"{stack} runs commit {running}, which does not contain {commit}; promote what "
                f"{stack} runs, or update it first")
    # The CLI records the git HEAD it ran from; a manual `pulumi up` after ours shows up here.
    head = (last_update.environment or {}).get("git.head")
    if head and not (head.startswith(running) or running.startswith(head)):  # tags may be short
        return f"the last update of {stack} ran from commit {head}, not {running} as its tag says"
    return None
