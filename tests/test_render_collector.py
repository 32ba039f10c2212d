"""The render runs the program with the collector's thresholds raised (pipeline/render.py
collecting_less_often), `check` keeps them over what it does with the render, and the caller's
own thresholds are back once either ends, however it ends."""

import gc

import pytest

from pipeline import check, render
from pipeline.stack_files import PROJECT_DIR, stack_config_map
from stack_config.errors import ConfigError

DEFAULTS = (700, 10, 10)  # CPython's


@pytest.fixture
def thresholds():
    """Set the process's thresholds for one test and put the suite's back after."""
    suite = gc.get_threshold()

    def set_to(values):
        gc.set_threshold(*values)

    yield set_to
    gc.set_threshold(*suite)


def test_the_program_runs_with_the_render_thresholds_and_the_callers_come_back(thresholds):
    thresholds(DEFAULTS)
    seen = []
    render.render_stack("dev", on_resource=lambda resource, wire: seen.append(gc.get_threshold()))
    assert seen and set(seen) == {render.RENDER_GC_THRESHOLD}
    assert gc.get_threshold() == DEFAULTS


def test_a_caller_that_collects_less_often_keeps_its_own(thresholds):
    thresholds((50_000, 5, 100))
    with render.collecting_less_often():
        assert gc.get_threshold() == (50_000, render.RENDER_GC_THRESHOLD[1], 100)
    assert gc.get_threshold() == (50_000, 5, 100)


def test_a_render_that_fails_gives_the_caller_its_thresholds_back(thresholds):
    thresholds(DEFAULTS)
    config = stack_config_map("dev") | {"gatehouse:logRetentionDays": "-1"}
    with pytest.raises(ConfigError):
        render.render_stack("dev", config=config)
    assert gc.get_threshold() == DEFAULTS


def test_check_keeps_the_thresholds_over_the_whole_stack(thresholds, monkeypatch, tmp_path):
    thresholds(DEFAULTS)
    seen = []

    def judged(stack, project_dir, report_dir, out, *, first_deploy, helper_cpus):
        seen.append(gc.get_threshold())
        raise RuntimeError("the stack's check failed")

    monkeypatch.setattr(check, "_check_stack", judged)
    with pytest.raises(RuntimeError):
        check.check_stack("dev", PROJECT_DIR, tmp_path, None)
    assert seen == [render.RENDER_GC_THRESHOLD]
    assert gc.get_threshold() == DEFAULTS
