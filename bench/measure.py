"""Run one measurement in a child process and collect its numbers.

Wall time is taken here, around the whole child (interpreter start, imports, work, exit): what
someone running `python -m pipeline check` waits for. Peak memory is the child's own
ru_maxrss, and its children's (the pack process) reported separately, since the two run side by
side and `RUSAGE_CHILDREN` only ever reports the largest single process.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.stack_files import PROJECT_DIR


class BenchError(RuntimeError):
    """A measured run failed; the message carries the child's stderr tail."""


@dataclass(frozen=True)
class Sample:
    mode: str
    resources: int
    wall: float  # seconds, whole child process
    maxrss_mib: float  # the measured process
    children_maxrss_mib: float  # the largest process it waited for (the pack, for check)
    phases: dict[str, float]


def with_bytecode_cache(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a measured run gets: the caller's, with Python's bytecode cache on. With
    PYTHONDONTWRITEBYTECODE set (some machines set it for everyone) every run would compile the
    project's modules again, ~0.1 s per process, which no second run of a command at a terminal
    pays; so it is dropped, and the compiled files go where `make test` keeps them (the
    virtualenv's pycache/) unless PYTHONPYCACHEPREFIX already says where."""
    env = dict(os.environ if environ is None else environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("PYTHONPYCACHEPREFIX", str(Path(sys.prefix) / "pycache"))
    return env


def run_json_child(command: list[str], cwd: Path, what: str, *, timeout: float) -> tuple[dict, float]:
    """Run `command` (with the bytecode cache on), timed from start to exit; returns its last
    stdout line as JSON and the wall time. A failure raises BenchError with the tail of its stderr."""
    started = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False,
                              env=with_bytecode_cache())
    except subprocess.TimeoutExpired:
        raise BenchError(f"{what} took over {timeout:.0f}s") from None
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        # Lines are cut short: node quotes whole lines of minified library code.
        tail = "\n".join(line[:300] for line in done.stderr.strip().splitlines()[-15:])
        raise BenchError(f"{what} exited with code {done.returncode}:\n{tail}")
    return json.loads(lines[-1]), wall


def run_child(mode: str, project_dir: Path, report_dir: Path, *, timeout: float = 600.0) -> Sample:
    command = [sys.executable, "-m", "bench.child", mode, str(project_dir), str(report_dir)]
    result, wall = run_json_child(command, PROJECT_DIR, f"{mode} of {project_dir}", timeout=timeout)
    if result["exit_code"] != 0:
        raise BenchError(f"{mode} of {project_dir} reported exit code {result['exit_code']}; the bench measures a passing check")
    return Sample(
        mode=mode,
        resources=result["resources"],
        wall=wall,
        maxrss_mib=result["maxrss_kib"] / 1024,
        children_maxrss_mib=result["children_maxrss_kib"] / 1024,
        phases=result["phases"],
    )


@dataclass(frozen=True)
class Summary:
    """The median of several samples of one mode at one size."""

    mode: str
    resources: int
    wall: float
    wall_spread: tuple[float, float]  # min, max
    maxrss_mib: float
    children_maxrss_mib: float
    phases: dict[str, float]
    repeats: int


def summarize(samples: list[Sample]) -> Summary:
    if not samples:
        raise ValueError("no samples to summarize")
    if len({(s.mode, s.resources) for s in samples}) != 1:
        raise ValueError("samples of different modes or sizes cannot be summarized together")
    walls = [s.wall for s in samples]
    keys = sorted({k for s in samples for k in s.phases})
    return Summary(
        mode=samples[0].mode,
        resources=samples[0].resources,
        wall=statistics.median(walls),
        wall_spread=(min(walls), max(walls)),
        maxrss_mib=statistics.median(s.maxrss_mib for s in samples),
        children_maxrss_mib=statistics.median(s.children_maxrss_mib for s in samples),
        phases={k: statistics.median(s.phases.get(k, 0.0) for s in samples) for k in keys},
        repeats=len(samples),
    )
