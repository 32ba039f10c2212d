"""GIVEN a machine with two CPUs or more, WHEN `check` renders a stack, THEN the render (every
thread of it) runs on one CPU and the analysis process and its pack on the others, and the
threads get their CPUs back afterwards; children checking stacks side by side get CPUs of their
own. With one CPU, no affinity calls or a refusal, nothing is pinned and check runs as before."""

from __future__ import annotations

import io
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from pipeline import check, check_parallel, cpu_placement
from pipeline.cli import main
from pipeline.cpu_placement import format_cpus, parse_cpus, render_on_one_cpu, split
from pipeline.stack_files import PROJECT_DIR
from tests.program_support import render_through_cache

ALLOWED = frozenset(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else frozenset()
two_cpus = pytest.mark.skipif(len(ALLOWED) < 2, reason="needs two CPUs to keep the render on one of them")


def thread_cpus() -> dict[int, frozenset[int]]:
    return {int(t): frozenset(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")}


@pytest.mark.parametrize(("allowed", "current", "expected"), [
    (None, 0, None),  # the OS does not say
    (frozenset({3}), 3, None),  # one CPU: nothing to split
    (frozenset({0, 1}), 1, ({1}, {0})),  # the CPU it is on
    (frozenset({0, 1, 2, 3}), 2, ({2}, {0, 1, 3})),
    (frozenset({4, 6}), 1, ({4}, {6})),  # on a CPU it may no longer use: the lowest allowed
    (frozenset({4, 6}), None, ({4}, {6})),
])
def test_the_render_keeps_the_cpu_it_is_on_and_the_helpers_get_the_rest(allowed, current, expected):
    assert split(allowed, current) == (None if expected is None else tuple(map(frozenset, expected)))


def test_cpu_lists_round_trip_and_nonsense_is_refused():
    assert format_cpus({3, 1, 2}) == "1,2,3"
    assert parse_cpus(format_cpus({0, 5})) == {0, 5}
    for text in ("", "a", "1,,2", "-1", "1;2"):
        with pytest.raises(ValueError):
            parse_cpus(text)


@two_cpus
def test_every_thread_runs_on_one_cpu_in_the_block_and_gets_its_cpus_back():
    stop = threading.Event()
    earlier = threading.Thread(target=stop.wait, daemon=True)
    earlier.start()
    before = thread_cpus()
    try:
        with render_on_one_cpu() as helpers:
            inside = threading.Thread(target=stop.wait, daemon=True)
            inside.start()
            during = thread_cpus()
            [render] = set(during.values())
            assert len(render) == 1 and helpers == ALLOWED - render
            assert set(during) >= {earlier.native_id, inside.native_id}
        after = thread_cpus()
        assert {t: after[t] for t in before} == before
        assert after[inside.native_id] == before[threading.get_native_id()]  # born pinned, freed too
    finally:
        stop.set()


@two_cpus
def test_a_refused_pin_leaves_everything_where_it_was(monkeypatch):
    before = thread_cpus()

    def refuse(*_):
        raise PermissionError("not in this sandbox")

    monkeypatch.setattr(os, "sched_setaffinity", refuse)
    with render_on_one_cpu() as helpers:
        assert helpers is None
        assert thread_cpus() == before
    assert cpu_placement.pin(frozenset({0})) is False


def test_without_affinity_calls_nothing_is_pinned(monkeypatch):
    monkeypatch.setattr(cpu_placement, "allowed_cpus", lambda: None)
    with render_on_one_cpu() as helpers:
        assert helpers is None


def children_of(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@two_cpus
def test_check_renders_on_one_cpu_beside_its_analysis_process_and_pack_on_the_others(monkeypatch, tmp_path, _shared_renders):
    render_through_cache(monkeypatch)
    cached_render = check.render_stack
    seen: dict[str, object] = {}

    def render_and_look(stack, *, on_resource, **kwargs):
        inventory = cached_render(stack, on_resource=on_resource, **kwargs)
        analysis = on_resource.__self__  # the AnalyzeAsRendered the render feeds
        assert analysis.sent == len(inventory.resources) + 1  # answered once its pack is serving
        relay = analysis._process.pid  # noqa: SLF001 - the analysis process
        [pack] = [c for c in children_of(relay) if b"pulumi.policy" in Path(f"/proc/{c}/cmdline").read_bytes()]
        seen.update(render=set(thread_cpus().values()), relay=os.sched_getaffinity(relay),
                    pack=os.sched_getaffinity(pack))
        return inventory

    monkeypatch.setattr(check, "render_stack", render_and_look)
    before = thread_cpus()
    code, _ = check.check_stack("dev", PROJECT_DIR, tmp_path, io.StringIO())
    assert code == 0
    [render] = seen["render"]
    assert len(render) == 1
    assert seen["relay"] == seen["pack"] == ALLOWED - render
    assert {t: cpus for t, cpus in thread_cpus().items() if t in before} == before


def test_children_checking_at_once_never_share_a_cpu(monkeypatch):
    monkeypatch.setattr(check_parallel, "allowed_cpus", lambda: frozenset(range(6)))
    running: list[frozenset[int]] = []
    overlaps: list[tuple] = []
    given: list[frozenset[int]] = []
    lock = threading.Lock()

    def child(argv, **_):
        cpus = parse_cpus(argv[argv.index("--cpus") + 1])
        with lock:
            overlaps.extend((cpus, other) for other in running if cpus & other)
            running.append(cpus)
            given.append(cpus)
        time.sleep(0.02)
        with lock:
            running.remove(cpus)
        return subprocess.CompletedProcess(argv, 0, stdout="", stderr="")

    monkeypatch.setattr(check_parallel.subprocess, "run", child)
    assert check_parallel.run_in_children([f"s{i}" for i in range(7)], [], 3, io.StringIO()) == 0
    assert overlaps == [] and len(given) == 7
    assert set(given) == {frozenset({0, 1}), frozenset({2, 3}), frozenset({4, 5})}


@pytest.mark.parametrize(("allowed", "jobs", "groups"), [
    (frozenset(range(4)), 2, [{0, 1}, {2, 3}]),
    (frozenset(range(5)), 2, [{0, 1, 2}, {3, 4}]),
    (frozenset({0, 2, 4, 6}), 2, [{0, 2}, {4, 6}]),
    (frozenset(range(3)), 2, None),  # too few for two each: left to the scheduler
    (frozenset(range(8)), 1, None),  # one child: check's own placement does the rest
    (None, 2, None),
])
def test_cpu_groups_are_disjoint_neighbours_of_two_or_more(allowed, jobs, groups):
    assert check_parallel.cpu_groups(allowed, jobs) == (None if groups is None else list(map(frozenset, groups)))


def test_too_few_cpus_start_the_children_without_cpus(monkeypatch):
    monkeypatch.setattr(check_parallel, "allowed_cpus", lambda: frozenset({0, 1}))
    argvs = []
    monkeypatch.setattr(check_parallel.subprocess, "run",
                        lambda argv, **_: argvs.append(argv) or subprocess.CompletedProcess(argv, 0, "", ""))
    check_parallel.run_in_children(["dev", "prod"], [], 2, io.StringIO())
    assert len(argvs) == 2 and not any("--cpus" in argv for argv in argvs)


def test_a_child_keeps_to_the_cpus_it_was_given_before_it_checks(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(check, "pin", lambda cpus: calls.append(("pin", cpus)) or True)
    monkeypatch.setattr(check, "check_stack", lambda stack, *_, **__: calls.append(("check", stack)) or (0, None))
    assert main(["check", "--stack", "dev", "--jobs", "1", "--cpus", "0,1", "--report-dir", str(tmp_path)]) == 0
    assert calls == [("pin", frozenset({0, 1})), ("check", "dev")]


def test_a_bad_cpu_list_is_a_usage_error_naming_the_option(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["check", "--cpus", "one"])
    assert stopped.value.code == 2
    assert "--cpus: must be CPU numbers separated by commas" in capsys.readouterr().err


@two_cpus
def test_the_cpu_a_thread_is_on_is_read_from_proc_and_is_one_it_may_use():
    assert cpu_placement.current_cpu() in ALLOWED
    with render_on_one_cpu():
        [pinned] = os.sched_getaffinity(0)
        assert cpu_placement.current_cpu() == pinned  # running, so on the one CPU it may use
