"""bench/: the synthetic stacks are valid configs of the requested size, the verdicts read the
numbers right, and `python -m bench` runs end to end at a tiny size. No timing assertions: the
numbers depend on the machine; only their presence and consistency are checked."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import main as bench_main
from bench.make_check import measure_make_check
from bench.make_check import render as render_make_check
from bench.measure import Sample, summarize
from bench.synthetic import STACK, synthetic_services, write_project
from bench.table import Row, marginal_ms, verdicts
from pipeline.stack_files import stack_config_map
from stack_config import load_stack_config
from stack_config.pulumi_source import decode_config


def synthetic_config(tmp_path, services, routes):
    project = write_project(tmp_path / "project", services, routes)
    values = stack_config_map(STACK, project)
    return values, load_stack_config(decode_config(values), STACK)


@pytest.mark.parametrize(("services", "routes"), [(1, 1), (7, 3), (40, 6)])
def test_synthetic_stack_is_a_valid_config_of_the_requested_size(tmp_path, services, routes):
    _, config = synthetic_config(tmp_path, services, routes)
    assert len(config.services) == services
    assert {len(s.routes) for s in config.services} == {routes}
    assert config.services[0].visibility == "private"  # dev's custom domain needs a private service
    if services > 1:
        assert {s.visibility for s in config.services} == {"public", "private"}


def test_everything_but_the_services_comes_from_dev(tmp_path):
    values, _ = synthetic_config(tmp_path, 3, 2)
    dev = stack_config_map(STACK)
    assert values.pop("gatehouse:services") != dev.pop("gatehouse:services")
    assert values == dev


@pytest.mark.parametrize(("services", "routes"), [(0, 3), (2, 0), (2, 7)])
def test_impossible_sizes_are_refused(services, routes):
    with pytest.raises(ValueError, match="must be"):
        synthetic_services(services, routes)


def summary(mode, resources, wall):
    return summarize([Sample(mode, resources, wall, 100.0, 0.0, {})])


def rows(floor_walls, check_walls, resources=(100, 1000, 4000)):
    return [
        Row(i, summary("floor", n, f), summary("check", n, c))
        for i, (n, f, c) in enumerate(zip(resources, floor_walls, check_walls, strict=True), start=1)
    ]


def test_linear_growth_within_the_ratio_passes():
    found = rows(floor_walls=(1.0, 5.5, 20.5), check_walls=(1.15, 6.1, 22.1))
    assert marginal_ms(found, "floor") == [None, pytest.approx(5.0), pytest.approx(5.0)]
    assert verdicts(found) == [
        "check/floor: worst 1.15x at 1 services, within the 1.2x limit",
        "floor growth: linear (marginal cost of the last step 5.00 ms/res, 1.00x the step before; limit 1.5x)",
        "check growth: linear (marginal cost of the last step 5.33 ms/res, 0.97x the step before; limit 1.5x)",
    ]


def test_a_ratio_just_over_the_limit_is_flagged():
    found = rows(floor_walls=(1.0, 5.5, 20.5), check_walls=(1.25, 6.1, 22.1))
    assert verdicts(found)[0] == "check/floor: worst 1.25x at 1 services, OVER the 1.2x limit"


def test_quadratic_check_and_a_wide_gap_are_flagged():
    # Check time ~ n^2: marginal cost from 1000 to 4000 is five times the one before.
    found = rows(floor_walls=(1.0, 5.5, 20.5), check_walls=(1.0, 10.0, 160.0))
    lines = verdicts(found)
    assert lines[0] == "check/floor: worst 7.80x at 3 services, OVER the 1.2x limit"
    assert lines[2].startswith("check growth: faster than linear")


def test_bench_runs_end_to_end_at_a_tiny_size(tmp_path, capsys):
    results = tmp_path / "bench.json"
    assert bench_main(["--sizes", "1", "--repeat", "1", "--work-dir", str(tmp_path), "--json", str(results),
                       "--no-make-check"]) == 0
    (row,) = json.loads(results.read_text())["rows"]
    floor, check = row["floor"], row["check"]
    assert floor["resources"] == check["resources"] > 0
    assert floor["wall"] > 0 and check["wall"] > 0
    assert floor["children_maxrss_mib"] == 0  # the floor starts no pack
    assert check["children_maxrss_mib"] > 0  # the check's pack ran and was waited for
    assert check["phases"]["policy.resources"] == check["resources"] + 1  # every resource + the root stack
    report = json.loads((tmp_path / "reports-1" / f"check-{STACK}.json").read_text())
    assert report["outcome"] == "ok"
    out = capsys.readouterr().out
    assert f"| 1 | {check['resources']} |" in out
    assert "check/floor: worst" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--sizes", "0,10"], "--sizes: must be distinct positive service counts"),
        (["--sizes", "ten"], "--sizes: must be service counts separated by commas"),
        (["--routes", "9"], "--routes: must be a whole number 1..6"),
        (["--repeat", "0"], "--repeat: must be a whole number at least 1"),
    ],
)
def test_bad_arguments_are_one_line_usage_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        bench_main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_make_check_is_timed_sequential_against_parallel_in_alternation(tmp_path):
    seen = []
    walls = iter([30.0, 18.0, 31.0, 17.0, 29.0, 19.0])

    def fake_run(argv):
        seen.append(argv[argv.index("check") + 1:])
        return next(walls)

    result = measure_make_check(3, tmp_path / "reports", run=fake_run, log=io.StringIO())
    assert (result.sequential, result.parallel) == (30.0, 18.0)  # medians
    assert seen[0][-2:] == ["--jobs", "1"] and "--jobs" not in seen[1]
    assert [s[:2] for s in seen] == [["--report-dir", str(tmp_path / "reports")]] * 6
    assert "parallel is 1.67x faster than sequential (median of 3)" in render_make_check(result)


def test_measured_runs_keep_python_s_bytecode_cache(tmp_path, monkeypatch):
    from bench import measure

    env = measure.with_bytecode_cache({"PYTHONDONTWRITEBYTECODE": "1", "PATH": "/bin"})
    assert "PYTHONDONTWRITEBYTECODE" not in env and env["PATH"] == "/bin"
    assert env["PYTHONPYCACHEPREFIX"] == str(Path(sys.prefix) / "pycache")  # where `make test` keeps them
    assert measure.with_bytecode_cache({"PYTHONPYCACHEPREFIX": str(tmp_path)})["PYTHONPYCACHEPREFIX"] == str(tmp_path)

    seen = {}

    def child(command, **kwargs):
        seen.update(kwargs["env"])
        return subprocess.CompletedProcess(command, 0, stdout='{"ok": true}\n', stderr="")

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.setattr(measure.subprocess, "run", child)
    assert measure.run_json_child(["python", "-c", "pass"], tmp_path, "a run", timeout=5)[0] == {"ok": True}
    assert "PYTHONDONTWRITEBYTECODE" not in seen and "PYTHONPYCACHEPREFIX" in seen
