"""GIVEN the tests' way of starting a pack (forked from a preloaded forkserver, tests/pack_zygote.py)
and the launcher's own (`subprocess.Popen`, as the CLI's shim runs it), WHEN the same pack is
started both ways, THEN it sees the same process (working directory, sys.path, argv, environment,
stdin, no project module it did not import itself) and ends the same way (its exit code, its
traceback on stderr, the signal that stopped it), and /proc shows the forked packs as ours."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap

import pytest
from analyzer_support import bucket, inventory, pack_children

from pipeline.analyzer import PackError, PackSession, StackContext, analyze_inventory, launcher
from pipeline.cpu_placement import render_on_one_cpu
from tests import pack_zygote

pytestmark = pytest.mark.skipif(
    sys.version_info[:2] != (3, 11), reason="the forked start is installed on Python 3.11 only (tests/pack_zygote.py)"
)
SPAWNS = {"popen": pack_zygote.real_spawn, "forked": pack_zygote.spawn_pack}
STARTED_AS = {"popen": "Popen", "forked": "ForkedPack"}
CONTEXT = StackContext(project="demo", stack="dev", config={"demo:region": "eu-west-1"})

FACTS = """
    import json, os, sys
    from pulumi_policy import PolicyPack, StackValidationPolicy

    PROJECT = ("pipeline", "tests", "stack_config", "components", "bench", "gatehouse_guard")

    def report(args, report_violation):
        report_violation(json.dumps({
            "cwd": os.getcwd(),
            "path": sys.path,
            "argv": sys.argv[1:],
            "env": {k: os.environ.get(k) for k in
                    ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_CONFIG", "PATH")},
            "stdin": sys.stdin.read(),
            "stdout_write_through": sys.stdout.write_through,
            "cpus": sorted(os.sched_getaffinity(0)),
            "project_modules": sorted(m for m in sys.modules if m.split(".")[0] in PROJECT),
        }))

    PolicyPack("facts", [StackValidationPolicy("facts", "Reports its process.", report)])
"""


def write_pack(directory, main):
    directory.mkdir()
    (directory / "PulumiPolicy.yaml").write_text("runtime: python\nversion: 1.0.0\n")
    (directory / "__main__.py").write_text(textwrap.dedent(main))
    return directory


@pytest.fixture(params=sorted(SPAWNS))
def spawn(request, monkeypatch):
    monkeypatch.setattr(launcher, "spawn_pack", SPAWNS[request.param])
    return request.param


def facts_when_started(spawn_name, pack, monkeypatch):
    monkeypatch.setattr(launcher, "spawn_pack", SPAWNS[spawn_name])
    with PackSession(pack, CONTEXT) as session:
        assert type(session.process.process).__name__ == STARTED_AS[spawn_name]
        [violation] = session.analyze(inventory()).violations
    return json.loads(violation.message.splitlines()[-1])


def test_a_forked_pack_sees_the_process_a_fresh_interpreter_gives_it(tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "facts", FACTS)
    forked = facts_when_started("forked", pack, monkeypatch)
    fresh = facts_when_started("popen", pack, monkeypatch)
    assert {**forked, "argv": forked["argv"][1:]} == {**fresh, "argv": fresh["argv"][1:]}
    assert fresh["cwd"] == str(pack) and fresh["path"][:2] == [".", str(pack)]  # the SDK puts "." first
    assert fresh["argv"][1] == "."
    assert fresh["env"]["PULUMI_CONFIG"] == json.dumps({"demo:region": "eu-west-1"})
    assert fresh["stdin"] == "" and fresh["stdout_write_through"] is True
    assert fresh["project_modules"] == []


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to pin to one of them")
def test_a_forked_pack_keeps_to_the_cpus_of_whoever_started_it_as_a_popen_child_does(tmp_path, monkeypatch):
    pack = write_pack(tmp_path / "facts", FACTS)
    everything = sorted(os.sched_getaffinity(0))
    with render_on_one_cpu() as others:  # this thread on one CPU: what a pack started now inherits
        mine = sorted(os.sched_getaffinity(0))
        forked = facts_when_started("forked", pack, monkeypatch)
        fresh = facts_when_started("popen", pack, monkeypatch)
    assert len(mine) == 1 and sorted(others) == sorted(set(everything) - set(mine))
    assert forked["cpus"] == fresh["cpus"] == mine
    assert facts_when_started("forked", pack, monkeypatch)["cpus"] == everything


@pytest.mark.parametrize(("main", "code", "stderr"), [
    ('raise RuntimeError("rules module is missing")', 1, "RuntimeError: rules module is missing"),
    ("import sys\nsys.exit(3)", 3, None),
    ('import sys\nsys.exit("no port for you")', 1, "no port for you"),
])
def test_a_pack_that_ends_on_start_ends_alike_either_way(tmp_path, spawn, main, code, stderr):
    pack = write_pack(tmp_path / "ends", main)
    with pytest.raises(PackError) as raised:
        analyze_inventory(inventory(bucket("b")), pack_dir=pack, config_file=None)
    message = str(raised.value)
    assert message.startswith(f"policy pack {pack} failed to start: the process exited with code {code}")
    if stderr is None:
        assert message.endswith("and wrote nothing to stderr")
    else:
        assert stderr in message


def test_a_stopped_pack_dies_of_sigterm_and_is_shown_as_ours_until_then(tmp_path, spawn):
    before = pack_children()
    pack = write_pack(tmp_path / "facts", FACTS)
    session = PackSession(pack, CONTEXT)
    process = session.process.process
    assert pack_children() == before | {process.pid}
    session.close()
    assert process.returncode == -signal.SIGTERM
    assert pack_children() == before
    with pytest.raises(ProcessLookupError):
        os.kill(process.pid, 0)


def test_another_interpreter_or_python_setting_is_started_with_popen(tmp_path, monkeypatch):
    argv = [os.path.realpath(launcher.sys.executable) + "-other", "-u", "-m", "pulumi.policy", "x", "."]
    assert not pack_zygote.forkable(argv, dict(os.environ))
    argv[0] = launcher.sys.executable
    assert pack_zygote.forkable(argv, dict(os.environ))
    assert not pack_zygote.forkable(argv, {**os.environ, "PYTHONPATH": str(tmp_path)})
    assert not pack_zygote.forkable([*argv[:3], "pipeline.analyzer.relay"], dict(os.environ))
