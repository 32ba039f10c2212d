"""Run the Pulumi program engine-free, under Pulumi's official mocks, and record what it registers.

The program is the real `__main__.py`, run with the stack's config exactly as the CLI would pass
it; the mock monitor records every RegisterResource call (type, name, parent, inputs in the
engine's camelCase form, dependencies) and the mocks answer with realistic ids and ARNs.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import runpy
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as runtime_mocks
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.proto import source_pb2

from pipeline.inventory import UNKNOWN, Inventory, InventoryResource, WireProperties
from pipeline.mocks import GatehouseMocks
from pipeline.stack_files import PROJECT_DIR, project_name, stack_config_map


class RecordingMonitor(runtime_mocks.MockMonitor):
    """The documented mock monitor, keeping what the engine would have been told.

    `on_resource`, when set, is called with each resource as it is registered, in registration
    order, and its wire form (`check` streams them to the policy pack while the program goes on;
    the wire form spares it re-encoding the dicts; holding it holds the whole request, so it is
    let go once used)."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.registrations: list[InventoryResource] = []
        self.on_resource: Callable[[InventoryResource, WireProperties], None] | None = None
        self._order = threading.Lock()  # the SDK registers from its executor's threads

    def RegisterResource(self, request):  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            resource = InventoryResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                provider=request.provider,
                protect=bool(request.protect),
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                # The wire form itself: assets, secrets and unknowns keep the engine's
                # signature objects, exactly what the CLI would hand a policy pack.
                inputs=json_format.MessageToDict(request.object),
                outputs=json_format.MessageToDict(response.object),
            )
            with self._order:
                self.registrations.append(resource)
                if self.on_resource is not None:
                    self.on_resource(resource, WireProperties(request.object, response.object))
        return response


def render_stack(
    stack: str,
    *,
    project_dir: Path = PROJECT_DIR,
    config: dict[str, str] | None = None,
    preview: bool = False,
    on_resource: Callable[[InventoryResource, WireProperties], None] | None = None,
) -> Inventory:
    """Run the program for `stack`; raises ConfigError (nothing registered) for a bad stack file.

    `config` replaces the stack file's values (tests use it to try broken stacks). `preview`
    renders the stack as the preview of its first deploy sees it: nothing exists yet, so what
    the provider computes is unknown (the SDK's dry-run mode of the mocks). `on_resource` sees
    each resource as it is registered (RecordingMonitor).
    """
    values = stack_config_map(stack, project_dir) if config is None else config
    project = project_name(project_dir)
    mocks = GatehouseMocks(
        region=values.get("aws:region", "us-east-1"), vpc_cidr=_vpc_cidr_hint(values), stack=stack,
        preview=preview,
    )
    monitor = RecordingMonitor(mocks)
    monitor.on_resource = on_resource
    runtime_settings.set_root_resource(None)  # a fresh root Stack for every render
    pulumi.runtime.set_all_config(values)
    exported: dict[str, Any] = {}

    @pulumi.runtime.test
    def run() -> pulumi.Output:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        root = runtime_settings.get_root_resource()
        outputs = dict(root.outputs) if root is not None else {}
        if preview:
            # Each export on its own: one built from unknown values never resolves in a preview
            # and stays unknown; one built from config alone is known, as in the real preview.
            exported.update(dict.fromkeys(outputs, UNKNOWN))
            return pulumi.Output.all(*(
                pulumi.Output.from_input(value).apply(functools.partial(exported.__setitem__, key))
                for key, value in outputs.items()
            ))
        return pulumi.Output.all(**outputs).apply(exported.update) if outputs else None

    try:
        with _no_source_positions(), collecting_less_often():  # set_mocks registers the root Stack
            pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
            run()
    finally:
        # The mocks' settings are process-wide: leave no dry run behind for whatever runs next.
        runtime_settings.SETTINGS.dry_run = False
    return Inventory(
        project=project,
        stack=stack,
        resources=tuple(monitor.registrations),
        outputs=exported,
    )


@contextlib.contextmanager
def _no_source_positions() -> Iterator[None]:
    """The SDK walks the whole Python stack for every resource it registers (traceback's
    extract_stack, then a file URI per frame) to tell the engine which line of the program
    declared it. Only the engine's messages use that; the recording monitor never reads it. It
    was 13% of a 50-service render, more under deeper callers (a test runner's frames), so the
    render leaves the request's stack trace empty and puts the SDK's function back after."""
    real = getattr(runtime_resource, "_get_stack_trace", None)
    if real is None:  # an SDK without the hook: nothing to spare
        yield
        return
    runtime_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        runtime_resource._get_stack_trace = real


# The collector's thresholds while the program runs (CPython's default is (700, 10, 10)).
RENDER_GC_THRESHOLD = (10_000, 20, 20)


@contextlib.contextmanager
def collecting_less_often() -> Iterator[None]:
    """A render allocates millions of short-lived objects (Outputs, futures, tasks, request
    dicts) on top of a large heap that lives on (pulumi-aws's classes, the program, what is
    registered). At CPython's default thresholds the collector ran ~1,400 times in a 50-service
    render, nine of them over the whole heap: a third of the render (measured with gc.callbacks:
    1.4-2.1 s of 4.1-6.3 s). Collecting the young generation after 10,000 allocations instead of
    700, and the older ones 20 times less often each, leaves ~90 collections and none over the
    whole heap (0.5-0.7 s). Cycles are still collected, later; the process's own thresholds come
    back when the render ends, and a caller that already collects less often keeps its own.
    `check` holds it over the whole stack: back at the defaults right after the render, the
    next allocations would collect the whole heap the render left (measured: one full
    collection in the matrix and reports, 0.2-0.3 s at 50 services)."""
    previous = gc.get_threshold()
    gc.set_threshold(*(max(mine, theirs) for mine, theirs in zip(RENDER_GC_THRESHOLD, previous, strict=True)))
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _vpc_cidr_hint(values: dict[str, str]) -> str:
    """Where the mock ENIs' addresses come from: the stack's VPC range."""
    import json

    try:
        network = json.loads(values.get("gatehouse:network", "{}"))
        return network.get("create", {}).get("cidr") or network.get("adopt", {}).get("vpcCidr") or "10.0.0.0/16"
    except (ValueError, AttributeError):
        return "10.0.0.0/16"
