"""One measured run, in a process of its own: `python -m bench.child MODE PROJECT_DIR REPORT_DIR`.

MODE `floor` renders the stack under the bare recording mocks (`render_stack` alone); MODE
`check` runs the whole `pipeline check` for the stack (render, policy pack over gRPC, matrix,
reports). The last stdout line is a JSON object: resources, phase times, and peak RSS of this
process and of its waited-for children (the pack). A fresh process per run keeps each run's
peak memory its own and pays the imports every real invocation pays; both modes end as
`python -m pipeline` does (`pipeline.cli.leave`).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the heavy imports, so they count as a phase

import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

MODES = ("floor", "check")


def _timed(phases: dict[str, float], name: str, fn):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            value = fn(*args, **kwargs)
        finally:
            phases[name] = phases.get(name, 0.0) + time.perf_counter() - started
        if name == "policy":
            for key, seconds in getattr(value, "timings", {}).items():
                phases[f"policy.{key}"] = seconds
        return value

    return wrapper


def run(mode: str, project_dir: Path, report_dir: Path) -> dict:
    from bench.synthetic import STACK
    from pipeline.render import render_stack

    phases: dict[str, float] = {}
    if mode == "floor":
        from pipeline.cpu_placement import render_on_one_cpu

        imported = time.perf_counter()
        with render_on_one_cpu():  # where check's render runs: one CPU (cpu_placement.py)
            inventory = render_stack(STACK, project_dir=project_dir)
        phases["render"] = time.perf_counter() - imported
        code = 0
    else:
        from pipeline import check

        imported = time.perf_counter()
        # Time the two expensive steps where check calls them; the rest (config, matrix,
        # printing, reports) is what remains of the total.
        check.render_stack = _timed(phases, "render", check.render_stack)
        # The pack analyzes while the render runs; what is timed here is what check still waits
        # for once the render and its own checks are done: the last answers and AnalyzeStack.
        check.AnalyzeAsRendered.verdict = _timed(phases, "policy", check.AnalyzeAsRendered.verdict)
        with open(os.devnull, "w") as sink:
            code, inventory = check.check_stack(STACK, project_dir, report_dir, sink)
        phases["rest"] = time.perf_counter() - imported - phases.get("render", 0) - phases.get("policy", 0)
    finished = time.perf_counter()
    phases["imports"] = imported - STARTED
    return {
        "mode": mode,
        "exit_code": int(code),
        "resources": len(inventory.resources) if inventory is not None else 0,
        "seconds_in_process": finished - STARTED,
        "phases": phases,
        # Linux reports ru_maxrss in KiB.
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


def main(argv: list[str]) -> int:
    if len(argv) != 3 or argv[0] not in MODES:
        print(f"usage: python -m bench.child {{{','.join(MODES)}}} PROJECT_DIR REPORT_DIR", file=sys.stderr)
        return 2
    result = run(argv[0], Path(argv[1]), Path(argv[2]))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    from pipeline.cli import leave

    leave(main(sys.argv[1:]))  # both modes end as `python -m pipeline` does
