"""`make check`'s own cost: the shipped stacks checked one after another in one process
(`--jobs 1`) against the default, one child process per stack bounded by the CPUs. Each run is
the whole command in a fresh process, as a person at a terminal waits for it."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import BenchError, with_bytecode_cache
from pipeline.stack_files import PROJECT_DIR

Runner = Callable[[list[str]], float]  # argv -> wall seconds (raises BenchError on failure)


def _run(argv: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, env=with_bytecode_cache())
    wall = time.perf_counter() - started
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-10:])
        raise BenchError(f"{' '.join(argv[2:])} exited with code {done.returncode}:\n{tail}")
    return wall


@dataclass(frozen=True)
class MakeCheck:
    sequential: float  # median wall seconds, --jobs 1
    parallel: float  # median wall seconds, default jobs
    repeats: int

    @property
    def speedup(self) -> float:
        return self.sequential / self.parallel


def measure_make_check(repeat: int, report_dir: Path, run: Runner = _run, log=sys.stderr) -> MakeCheck:
    base = [sys.executable, "-m", "pipeline", "check", "--report-dir", str(report_dir)]
    walls: dict[str, list[float]] = {"sequential": [], "parallel": []}
    for round_ in range(1, repeat + 1):
        for mode, extra in (("sequential", ["--jobs", "1"]), ("parallel", [])):
            wall = run(base + extra)
            walls[mode].append(wall)
            print(f"  round {round_}/{repeat}  make check  {mode:<10}  {wall:6.2f} s", file=log, flush=True)
    return MakeCheck(statistics.median(walls["sequential"]), statistics.median(walls["parallel"]), repeat)


def render(result: MakeCheck) -> str:
    return (
        "| make check (shipped stacks) | wall s |\n|---|---:|\n"
        f"| one process, stacks in turn (`--jobs 1`) | {result.sequential:.2f} |\n"
        f"| one child per stack, bounded by CPUs (default) | {result.parallel:.2f} |\n"
        f"\n- make check: parallel is {result.speedup:.2f}x faster than sequential "
        f"(median of {result.repeats})"
    )
