"""Rendering stacks under the official mocks, shared by the program, check and pack tests."""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pipeline.inventory import Inventory, InventoryResource
from pipeline.render import render_stack
from pipeline.stack_files import PROJECT_DIR

PROGRAM_PARTS = ("Pulumi.yaml", "__main__.py", "components", "stack_config", "functions")


@functools.cache
def rendered(stack: str) -> Inventory:
    return render_stack(stack)


def only(inventory: Inventory, type_: str, name: str | None = None) -> InventoryResource:
    found = [r for r in inventory.by_type(type_) if name is None or r.name == name]
    assert len(found) == 1, f"expected one {type_} {name or ''}, found {[r.name for r in found]}"
    return found[0]


def policy_of(resource: InventoryResource) -> dict:
    return json.loads(resource.inputs["policy"])


def project_copy(tmp_path: Path, stack_files: dict[str, str]) -> Path:
    """A project directory with the real program and the given stack files (name → YAML text)."""
    for part in PROGRAM_PARTS:
        (tmp_path / part).symlink_to(PROJECT_DIR / part)
    for name, text in stack_files.items():
        (tmp_path / f"Pulumi.{name}.yaml").write_text(text)
    return tmp_path


def copy_stack_file(stack: str) -> str:
    return (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()




def recorded_registrations(monkeypatch) -> list:
    """Each render's registrations from now on (a list per render), to show a bad config
    registers nothing."""
    from pipeline import render

    recorded: list[list] = []

    class Watching(render.RecordingMonitor):
        def __init__(self, mocks):
            super().__init__(mocks)
            recorded.append(self.registrations)

    monkeypatch.setattr(render, "RecordingMonitor", Watching)
    return recorded
