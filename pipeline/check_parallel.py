"""`check` over several stacks at once: one child process per stack (`python -m pipeline check
--stack S`), at most one per two CPUs by default, their output printed whole and in stack order,
the exit code the worst of theirs. Children checking at the same time get CPUs of their own
(`--cpus`), at least two each, so that one's pack never lands on another's render
(pipeline/cpu_placement.py)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TextIO

from pipeline.cpu_placement import allowed_cpus, format_cpus
from pipeline.exit_codes import ExitCode

REPO_ROOT = Path(__file__).resolve().parents[1]
# The most serious outcome wins: a config error, then a pack failure, then a violation.
SEVERITY = (ExitCode.USAGE, ExitCode.FAILED, ExitCode.POLICY)


def worst(codes: Sequence[int]) -> int:
    for code in SEVERITY:
        if code in codes:
            return code
    unknown = [c for c in codes if c != ExitCode.OK]
    return max(unknown) if unknown else ExitCode.OK


def default_jobs(stacks: int) -> int:
    """One stack per two CPUs: each already keeps two busy (its render here, its pack beside
    it), and each child pays the program's imports again (~3 s, most of it pulumi-aws's WAFv2
    types), so on two cores stacks in turn in one process are faster (bench/README.md)."""
    cpus = len(allowed_cpus() or ()) or os.cpu_count() or 1  # no affinity calls (macOS): all of them
    return max(1, min(cpus // 2, stacks))


def cpu_groups(allowed: frozenset[int] | None, jobs: int) -> list[frozenset[int]] | None:
    """`jobs` disjoint sets of neighbouring CPUs, two or more each, covering `allowed`; None when
    there are too few CPUs for that (the children are then left to the scheduler)."""
    if allowed is None or jobs < 2 or len(allowed) < 2 * jobs:
        return None
    cpus = sorted(allowed)
    size, extra = divmod(len(cpus), jobs)
    groups, start = [], 0
    for index in range(jobs):
        end = start + size + (1 if index < extra else 0)
        groups.append(frozenset(cpus[start:end]))
        start = end
    return groups


def run_in_children(stacks: Sequence[str], child_args: Sequence[str], jobs: int, out: TextIO) -> int:
    """`child_args`: what every child gets besides `--stack S` (report dir, project dir, ...)."""
    groups = cpu_groups(allowed_cpus(), jobs)
    free: queue.SimpleQueue[frozenset[int] | None] = queue.SimpleQueue()
    for group in groups or [None] * jobs:
        free.put(group)

    def one(stack: str) -> subprocess.CompletedProcess:
        group = free.get()  # one per running child: the pool runs at most `jobs` at once
        try:
            return subprocess.run(
                [sys.executable, "-m", "pipeline", "check", "--stack", stack, *child_args,
                 *(["--cpus", format_cpus(group)] if group else [])],
                cwd=REPO_ROOT, capture_output=True, text=True, check=False,
            )
        finally:
            free.put(group)

    codes: list[int] = []
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for stack, done in zip(stacks, pool.map(one, stacks), strict=True):
            out.write(done.stdout)
            if done.stderr.strip():
                out.write(done.stderr if done.stderr.endswith("\n") else done.stderr + "\n")
            out.flush()
            if done.returncode not in tuple(ExitCode):
                out.write(f"== {stack}: check exited with code {done.returncode}\n")
            codes.append(done.returncode)
    return worst(codes)
