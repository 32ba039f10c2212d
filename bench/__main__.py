"""`python -m bench` (`make bench`): what `pipeline check` costs as an estate grows.

For each size, a synthetic dev-shaped stack is written to a scratch project directory, then the
floor (render under bare recording mocks) and the full check are each run `--repeat` times in
fresh child processes, interleaved so a busy moment on a shared machine hits both alike. Prints
the results table (medians), the check's phases and the verdicts, as Markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench import machine
from bench.make_check import measure_make_check
from bench.make_check import render as render_make_check
from bench.measure import BenchError, Sample, run_child, summarize
from bench.synthetic import ROUTE_SHAPES, write_project
from bench.table import Row, phases_table, results_table, verdicts

DEFAULT_SIZES = (1, 10, 50, 200, 400)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be service counts separated by commas, e.g. 1,10,50 (got {text!r})") from None
    if not sizes or min(sizes) < 1 or len(set(sizes)) != len(sizes):
        raise argparse.ArgumentTypeError(f"must be distinct positive service counts (got {text!r})")
    return tuple(sorted(sizes))


def _bounded(low: int, high: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low or (high is not None and value > high):
            allowed = f"{low}..{high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be a whole number {allowed} (got {text!r})")
        return value

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, help="service counts (default: 1,10,50,200,400)")
    parser.add_argument("--routes", type=_bounded(1, len(ROUTE_SHAPES)), default=3, help="routes per service (default: 3)")
    parser.add_argument("--repeat", type=_bounded(1), default=3, help="runs per size and mode; medians are reported (default: 3)")
    parser.add_argument("--work-dir", type=Path, help="keep the synthetic projects and reports here (default: a temporary directory)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write every sample here")
    parser.add_argument("--no-make-check", dest="make_check", action="store_false",
                        help="skip timing `make check` sequential against parallel")
    return parser.parse_args(argv)


def measure_all(sizes: tuple[int, ...], routes: int, repeat: int, work_dir: Path, log=sys.stderr) -> list[Row]:
    projects = {n: write_project(work_dir / f"services-{n}", n, routes) for n in sizes}
    if repeat > 1:
        # One unmeasured check at the smallest size first: it compiles what the measured runs
        # then read from the bytecode cache (bench/measure.py), so round 1 is not the one that
        # compiles. (A single round measures what a first run pays.)
        run_child("check", projects[min(sizes)], work_dir / "reports-warm-up")
    samples: dict[tuple[int, str], list[Sample]] = {}
    for round_ in range(1, repeat + 1):
        for n in sizes:
            for mode in ("floor", "check"):
                sample = run_child(mode, projects[n], work_dir / f"reports-{n}")
                samples.setdefault((n, mode), []).append(sample)
                print(f"  round {round_}/{repeat}  {n:>4} services  {mode:<5}  {sample.wall:6.2f} s  "
                      f"{sample.resources} resources", file=log, flush=True)
    return [Row(n, summarize(samples[n, "floor"]), summarize(samples[n, "check"])) for n in sizes]


def render(rows: list[Row], routes: int, repeat: int, host: dict[str, str]) -> str:
    parts = [
        f"Synthetic dev stacks, {routes} routes per service, services alternating private/public; "
        f"median of {repeat} runs per cell, each in a fresh process.",
        "",
        results_table(rows),
        "",
        "Where the check's time goes (seconds, in process, medians):",
        "",
        phases_table(rows),
        "",
        *[f"- {line}" for line in verdicts(rows)],
        "",
        "Machine: " + "; ".join(f"{k}: {v}" for k, v in host.items()),
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    host = machine.describe()
    print(f"bench: sizes {','.join(map(str, args.sizes))}, {args.routes} routes/service, {args.repeat} runs each", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-") as scratch:
        work_dir = args.work_dir or Path(scratch)
        try:
            rows = measure_all(args.sizes, args.routes, args.repeat, work_dir)
            make_check = measure_make_check(args.repeat, work_dir / "make-check") if args.make_check else None
        except BenchError as error:
            print(f"bench: {error}", file=sys.stderr)
            return 1
    host["load average at the end"] = machine.describe()["load average (1, 5, 15 min)"]
    print(render(rows, args.routes, args.repeat, host))
    if make_check is not None:
        print("\n" + render_make_check(make_check))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"machine": host, "rows": [asdict(r) for r in rows]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
