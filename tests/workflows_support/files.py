"""Loads the repository's workflows and composite actions the way GitHub reads them."""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
GITHUB_DIR = REPO / ".github"
WORKFLOWS_DIR = GITHUB_DIR / "workflows"
ACTIONS_DIR = GITHUB_DIR / "actions"

# `uses: owner/repo[/path]@<sha> # vX.Y.Z`, or a local action in this repository.
USES_LINE = re.compile(r"^\s*(?:-\s+)?uses:\s*(?P<ref>\S+)(?:\s+#\s*(?P<comment>.*\S))?\s*$")
LOCAL_PREFIXES = ("./", "$/")


class _GitHubLoader(yaml.SafeLoader):
    """YAML 1.1 reads the key `on` as the boolean True; GitHub reads it as the string."""


_GitHubLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_GitHubLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


def load_yaml(path: Path) -> Any:
    # A copy of the document parsed once per test process: the tests read these files over a
    # hundred times and the pure-Python parser was most of their time; the copy keeps a test
    # that changes what it got from changing what the next one gets.
    return copy.deepcopy(_parsed(path))


@functools.cache
def _parsed(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_GitHubLoader)  # noqa: S506


@dataclass(frozen=True)
class Step:
    owner: str  # "<file>:<job>" or "<action dir>"
    body: dict[str, Any]

    @property
    def uses(self) -> str:
        return self.body.get("uses", "")

    @property
    def action(self) -> str:
        """`actions/checkout` for `actions/checkout@<sha>`; empty for run steps."""
        return self.uses.split("@", 1)[0]

    @property
    def run(self) -> str:
        return self.body.get("run", "")

    @property
    def inputs(self) -> dict[str, Any]:
        return self.body.get("with") or {}


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS_DIR.glob("*.yml")) + sorted(WORKFLOWS_DIR.glob("*.yaml"))


def action_files() -> list[Path]:
    return sorted(ACTIONS_DIR.glob("*/action.yml"))


def workflows() -> dict[str, dict[str, Any]]:
    """Workflow documents by file stem, e.g. `deploy`."""
    return {path.stem: load_yaml(path) for path in workflow_files()}


def actions() -> dict[str, dict[str, Any]]:
    """Composite action documents by directory name, e.g. `setup`."""
    return {path.parent.name: load_yaml(path) for path in action_files()}


def job_steps(job: dict[str, Any], owner: str) -> list[Step]:
    return [Step(owner, step) for step in job.get("steps", [])]


def all_steps() -> Iterator[Step]:
    for name, workflow in workflows().items():
        for job_id, job in workflow["jobs"].items():
            yield from job_steps(job, f"{name}:{job_id}")
    for name, action in actions().items():
        yield from job_steps(action["runs"], name)


def uses_lines() -> Iterator[tuple[Path, int, str, str | None]]:
    """Every `uses:` in workflows and actions as (file, line number, ref, trailing comment)."""
    for path in workflow_files() + action_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = USES_LINE.match(line)
            if match:
                yield path, number, match["ref"], match["comment"]


def is_local(ref: str) -> bool:
    return ref.startswith(LOCAL_PREFIXES)


def local_action(ref: str) -> str:
    """`setup` for `$/.github/actions/setup`."""
    return ref.rstrip("/").rsplit("/", 1)[-1]
