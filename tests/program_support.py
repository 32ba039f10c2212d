"""Rendering stacks under the official mocks, shared by the program, check and pack tests."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import pickle
from pathlib import Path

import pytest
from google.protobuf import struct_pb2

from pipeline import render
from pipeline.inventory import Inventory, InventoryResource
from pipeline.mocks import GatehouseMocks
from pipeline.stack_files import PROJECT_DIR, stack_config_map

PROGRAM_PARTS = ("Pulumi.yaml", "__main__.py", "components", "stack_config", "functions")

# --- one render per input, per pytest worker ----------------------------------------------------
# A render is a pure function of the program, the stack's config map, preview or not, and the
# one environment variable the program reads (GATEHOUSE_UNPROTECT); each costs about a second.
# Renders with the same inputs are shared. Never while a test has changed how rendering works
# (the mocks' class or the recording monitor patched): those render afresh and are not kept.
# Each render keeps what its monitor handed `on_resource` (each resource and its wire form, in
# registration order), so a later caller's `on_resource` (check's analysis stream) is called
# with exactly that again, in the same order. Under pytest-xdist the workers of one run also
# hand each other their renders, pickled into the run's temporary directory (`_shared_renders`).
_REAL_RENDER = render.render_stack
_MONITOR = render.RecordingMonitor
_MOCKS = dict(vars(GatehouseMocks))
_RENDERS: dict[tuple, tuple[Inventory, list]] = {}
_SHARED_DIR: list[Path] = []  # set once per worker by `_shared_renders`


@pytest.fixture(scope="session")
def _shared_renders(tmp_path_factory):
    """Where this run's workers leave their renders: beside each worker's own base temp dir
    (pytest removes it with the run's other temporary files)."""
    if os.environ.get("PYTEST_XDIST_WORKER") and not _SHARED_DIR:
        directory = tmp_path_factory.getbasetemp().parent / "renders"
        directory.mkdir(exist_ok=True)
        _SHARED_DIR.append(directory)


def _shared_file(key: tuple) -> Path | None:
    if not _SHARED_DIR:
        return None
    return _SHARED_DIR[0] / f"{hashlib.sha256(repr(key).encode()).hexdigest()}.pickle"


def _keep(key: tuple, inventory: Inventory, registered: list) -> None:
    _RENDERS[key] = inventory, registered
    shared = _shared_file(key)
    if shared is not None and not shared.exists():
        partial = shared.with_name(f"{shared.name}.{os.getpid()}")
        partial.write_bytes(pickle.dumps((inventory, registered), protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, shared)  # another worker reads it whole or not at all


def _kept(key: tuple) -> tuple[Inventory, list] | None:
    if key not in _RENDERS:
        shared = _shared_file(key)
        if shared is None or not shared.is_file():
            return None
        _RENDERS[key] = pickle.loads(shared.read_bytes())  # noqa: S301 - this run's own workers wrote it
    return _RENDERS[key]


@functools.cache
def _shipped_config(stack: str) -> dict[str, str]:
    return stack_config_map(stack)  # tests never write into the repository's stack files


def _real_program(project_dir: Path) -> bool:
    return all((Path(project_dir) / part).resolve() == (PROJECT_DIR / part).resolve() for part in PROGRAM_PARTS)


def _rendering_patched() -> bool:
    return render.RecordingMonitor is not _MONITOR or dict(vars(GatehouseMocks)) != _MOCKS


def _copied(message: struct_pb2.Struct) -> struct_pb2.Struct:
    kept = struct_pb2.Struct()
    kept.CopyFrom(message)  # not the monitor's own: that one holds its whole request alive
    return kept


def render_cached(stack: str, *, project_dir: Path = PROJECT_DIR, config: dict[str, str] | None = None,
                  preview: bool = False, on_resource=None) -> Inventory:
    """`render_stack` with its arguments, the render shared with every other call that has the
    same inputs. Callers must not change what it returns (as with `rendered`)."""
    if _rendering_patched() or not _real_program(project_dir):
        return _REAL_RENDER(stack, project_dir=project_dir, config=config, preview=preview, on_resource=on_resource)
    if config is not None:
        values = config
    elif Path(project_dir) == PROJECT_DIR:
        values = _shipped_config(stack)
    else:
        values = stack_config_map(stack, project_dir)
    key = (stack, tuple(sorted(values.items())), preview, os.environ.get("GATEHOUSE_UNPROTECT"))
    kept = _kept(key)
    if kept is not None:
        inventory, registered = kept
        for resource, wire in registered if on_resource is not None else ():
            on_resource(resource, wire)
        return inventory
    registered: list = []

    def record(resource, wire):
        registered.append((resource, render.WireProperties(_copied(wire.inputs), _copied(wire.outputs))))
        if on_resource is not None:
            on_resource(resource, wire)

    inventory = _REAL_RENDER(stack, project_dir=project_dir, config=dict(values), preview=preview, on_resource=record)
    _keep(key, inventory, registered)
    return inventory


def _render_stack(stack: str, /, **kwargs) -> Inventory:
    if set(kwargs) <= {"project_dir", "config", "preview", "on_resource"}:
        return render_cached(stack, **kwargs)
    return _REAL_RENDER(stack, **kwargs)  # a way of rendering this cache does not know


def render_through_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` and `verify` render through the cache (pipeline.check.render_stack and
    pipeline.render.render_stack, which verify imports when it predicts)."""
    from pipeline import check

    monkeypatch.setattr(render, "render_stack", _render_stack)
    monkeypatch.setattr(check, "render_stack", _render_stack)


@pytest.fixture
def cached_renders(_shared_renders, monkeypatch):
    render_through_cache(monkeypatch)


def rendered(stack: str) -> Inventory:
    return render_cached(stack)


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
