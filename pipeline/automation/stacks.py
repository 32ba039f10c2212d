"""Facts about a stack read from the project directory: its file, its tier, its policy config."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline import stack_files
from pipeline.automation.review_config import ENVIRONMENT_KEY
from pipeline.errors import UsageError

REVIEW_STACK = re.compile(r"^pr-([1-9][0-9]*)$")
PROD_ENVIRONMENT = "prod"


def stack_file(work_dir: Path, stack: str) -> Path:
    return work_dir / f"Pulumi.{stack}.yaml"


def read_stack_file(work_dir: Path, stack: str) -> dict:
    return stack_files.read_stack_file(stack, work_dir)


def is_prod(work_dir: Path, stack: str) -> bool:
    """A stack is prod by name or by its declared environment, whichever says so."""
    if stack == PROD_ENVIRONMENT:
        return True
    path = stack_file(work_dir, stack)
    if not path.is_file():
        return False
    config = read_stack_file(work_dir, stack).get("config") or {}
    return config.get(ENVIRONMENT_KEY) == PROD_ENVIRONMENT


def policy_pack(work_dir: Path) -> Path:
    pack = work_dir / "policies"
    if not (pack / "PulumiPolicy.yaml").is_file():
        raise UsageError(f"the policy pack is missing: no PulumiPolicy.yaml in {pack}")
    return pack


def policy_config(work_dir: Path, stack: str) -> Path:
    """policies/config/<stack>.json; review stacks fall back to dev's (the same lower tier)."""
    own = work_dir / "policies" / "config" / f"{stack}.json"
    if own.is_file():
        return own
    if REVIEW_STACK.match(stack):
        dev = own.with_name("dev.json")
        if dev.is_file():
            return dev
    raise UsageError(f"no policy config for stack {stack}: expected {own}")
