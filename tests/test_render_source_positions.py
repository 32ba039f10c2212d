"""The render leaves out the SDK's per-resource stack traces (pipeline/render.py
_no_source_positions): what it records is the same as with them, and the SDK's own function is
back once the render ends, however it ends."""

import contextlib
import dataclasses
import inspect

import pytest
from pulumi.runtime import resource as runtime_resource

from pipeline import render
from pipeline.stack_files import stack_config_map
from stack_config.errors import ConfigError
from tests.program_support import render_cached


def test_the_locked_sdk_still_builds_a_stack_trace_per_registration():
    # If an SDK upgrade renames or drops the hook, the render would quietly pay for the walk
    # again (or, renamed, spare nothing): this test says so first.
    assert callable(runtime_resource._get_stack_trace)
    assert "_get_stack_trace()" in inspect.getsource(runtime_resource.register_resource)


@pytest.mark.parametrize("preview", [False, True], ids=["rendered", "first-deploy"])
def test_the_recorded_inventory_is_the_same_with_the_sdks_stack_traces(monkeypatch, preview):
    spared = render_cached("dev", preview=preview)  # the suite's shared render, made with the sparing
    monkeypatch.setattr(render, "_no_source_positions", contextlib.nullcontext)
    walked = render.render_stack("dev", preview=preview)
    assert _comparable(spared) == _comparable(walked)
    assert spared.outputs == walked.outputs


def _comparable(inventory):
    # Registration order, and so the order of a resource's dependencies, varies from render to
    # render (the SDK registers from its executor's threads); what depends on what does not.
    return sorted(
        (dataclasses.replace(resource, dependencies=tuple(sorted(resource.dependencies)),
                             property_dependencies={key: tuple(sorted(urns)) for key, urns in
                                                    resource.property_dependencies.items()})
         for resource in inventory.resources),
        key=lambda resource: resource.urn,
    )


def test_registrations_carry_no_stack_trace_and_the_sdk_gets_its_function_back(monkeypatch):
    traces = []
    real_register = render.RecordingMonitor.RegisterResource

    def register(self, request):
        traces.append(len(request.stackTrace.frames))
        return real_register(self, request)

    monkeypatch.setattr(render.RecordingMonitor, "RegisterResource", register)
    sdk_function = runtime_resource._get_stack_trace
    render.render_stack("dev")
    assert traces and set(traces) == {0}
    assert runtime_resource._get_stack_trace is sdk_function


def test_a_render_that_fails_gives_the_sdk_its_function_back():
    config = stack_config_map("dev") | {"gatehouse:logRetentionDays": "-1"}
    sdk_function = runtime_resource._get_stack_trace
    with pytest.raises(ConfigError):
        render.render_stack("dev", config=config)
    assert runtime_resource._get_stack_trace is sdk_function
