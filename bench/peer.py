"""`python -m bench.peer` (`make bench-peer`): our `check` beside its peer, AWS CDK synth with cdk-nag.

For each size, the same dev-shaped estate is built twice: our program + policy pack through
`pipeline check` (bench.child, as `make bench` runs it), and bench/peer/app.js, the same
architecture in CDK with cdk-nag's AwsSolutionsChecks, synthesised in a fresh `node` process. The
two are run `--repeat` times, interleaved, and their medians printed side by side as Markdown.
Without `node`, or without bench/peer/node_modules (`npm ci --prefix bench/peer`), it says why
and exits 0: the peer is a comparison, not a gate.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench import machine
from bench.__main__ import _bounded, _sizes
from bench.measure import BenchError, Summary, run_child, run_json_child, summarize
from bench.synthetic import write_project

PEER_DIR = Path(__file__).resolve().parent / "peer"
PEER_APP = PEER_DIR / "app.js"
PEER_PACKAGES = ("aws-cdk-lib", "constructs", "cdk-nag")
DEFAULT_SIZES = (1, 10, 50, 200)
# bench/peer/app.js builds bench.synthetic's first three route shapes; --routes is not offered.
ROUTES = 3


def skip_reason(peer_dir: Path = PEER_DIR) -> str | None:
    """Why the peer cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "bench-peer: skipped, `node` is not on PATH (the CDK peer needs Node.js 18 or later)"
    missing = [name for name in PEER_PACKAGES if not (peer_dir / "node_modules" / name / "package.json").is_file()]
    if missing:
        return (
            f"bench-peer: skipped, {peer_dir / 'node_modules'} lacks {', '.join(missing)} "
            f"(run `npm ci --prefix {peer_dir}`)"
        )
    return None


def children_cpu() -> float:
    """CPU seconds of every child this process has waited for, and of theirs (check's pack).

    On a shared machine wall time moves with the neighbours' load; CPU time much less, so the
    table gives both."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class PeerSample:
    resources: int
    wall: float  # seconds, the whole node process
    cpu: float  # seconds of CPU, user + system, the whole node process
    maxrss_mib: float
    nag_findings: int
    resource_types: dict[str, int]
    versions: dict[str, str]


def run_peer(services: int, outdir: Path, *, builtin_validation: bool = False, timeout: float = 1800.0) -> PeerSample:
    """One CDK synth + cdk-nag of `services` services in a fresh node process."""
    command = ["node", str(PEER_APP), "--services", str(services), "--outdir", str(outdir)]
    if builtin_validation:
        command.append("--builtin-validation")
    # A fresh assembly directory per run, so no run reuses another's staged assets.
    shutil.rmtree(outdir, ignore_errors=True)
    cpu_before = children_cpu()
    result, wall = run_json_child(command, PEER_DIR, f"cdk synth of {services} services", timeout=timeout)
    cpu = children_cpu() - cpu_before
    return PeerSample(
        resources=result["resources"],
        wall=wall,
        cpu=cpu,
        # process.resourceUsage().maxRSS is in KiB.
        maxrss_mib=result["maxrss_kib"] / 1024,
        nag_findings=result["nag_findings"],
        resource_types=result["resource_types"],
        versions=result["versions"],
    )


@dataclass(frozen=True)
class PeerSummary:
    resources: int
    wall: float
    wall_spread: tuple[float, float]
    cpu: float
    maxrss_mib: float
    nag_findings: int
    versions: dict[str, str]


def summarize_peer(samples: list[PeerSample]) -> PeerSummary:
    if not samples:
        raise ValueError("no samples to summarize")
    walls = [s.wall for s in samples]
    return PeerSummary(
        resources=samples[0].resources,
        wall=statistics.median(walls),
        wall_spread=(min(walls), max(walls)),
        cpu=statistics.median(s.cpu for s in samples),
        maxrss_mib=statistics.median(s.maxrss_mib for s in samples),
        nag_findings=samples[0].nag_findings,
        versions=samples[0].versions,
    )


@dataclass(frozen=True)
class PeerRow:
    services: int
    check: Summary
    check_cpu: float  # median CPU seconds of the check process and its pack
    cdk: PeerSummary

    @property
    def check_peak_mib(self) -> float:
        # check and its pack run side by side: their sum bounds the pair's footprint from above,
        # so the memory ratio never flatters us.
        return self.check.maxrss_mib + self.check.children_maxrss_mib

    @property
    def time_ratio(self) -> float:
        return self.cdk.wall / self.check.wall

    @property
    def cpu_ratio(self) -> float:
        return self.cdk.cpu / self.check_cpu

    @property
    def memory_ratio(self) -> float:
        return self.cdk.maxrss_mib / self.check_peak_mib


def peer_table(rows: list[PeerRow]) -> str:
    lines = [
        "| services | resources (ours / CDK) | check s | cdk synth + nag s | cdk / check "
        "| check CPU s | cdk CPU s | cdk / check CPU "
        "| check peak MiB | pack peak MiB | cdk peak MiB | cdk / (check + pack) | nag findings |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.services} | {row.check.resources} / {row.cdk.resources} | {row.check.wall:.2f} "
            f"| {row.cdk.wall:.2f} | {row.time_ratio:.2f}x | {row.check_cpu:.2f} | {row.cdk.cpu:.2f} "
            f"| {row.cpu_ratio:.2f}x | {row.check.maxrss_mib:.0f} | {row.check.children_maxrss_mib:.0f} "
            f"| {row.cdk.maxrss_mib:.0f} | {row.memory_ratio:.2f}x | {row.cdk.nag_findings} |"
        )
    return "\n".join(lines)


def measure_all(sizes: tuple[int, ...], repeat: int, work_dir: Path, *, builtin_validation: bool = False, log=sys.stderr) -> list[PeerRow]:
    projects = {n: write_project(work_dir / f"services-{n}", n, ROUTES) for n in sizes}
    checks: dict[int, list] = {}
    check_cpu: dict[int, list[float]] = {}
    peers: dict[int, list[PeerSample]] = {}
    for round_ in range(1, repeat + 1):
        for n in sizes:
            cpu_before = children_cpu()
            sample = run_child("check", projects[n], work_dir / f"reports-{n}")
            check_cpu.setdefault(n, []).append(children_cpu() - cpu_before)
            checks.setdefault(n, []).append(sample)
            peer = run_peer(n, work_dir / f"cdk-{n}", builtin_validation=builtin_validation)
            peers.setdefault(n, []).append(peer)
            print(
                f"  round {round_}/{repeat}  {n:>4} services  check {sample.wall:6.2f} s ({sample.resources} res)  "
                f"cdk {peer.wall:6.2f} s ({peer.resources} res)",
                file=log,
                flush=True,
            )
    return [PeerRow(n, summarize(checks[n]), statistics.median(check_cpu[n]), summarize_peer(peers[n])) for n in sizes]


def render(rows: list[PeerRow], repeat: int, host: dict[str, str], *, builtin_validation: bool) -> str:
    versions = rows[0].cdk.versions
    validation = "with" if builtin_validation else "without"
    parts = [
        f"Synthetic dev estates, {ROUTES} routes per service, services alternating private/public; median of "
        f"{repeat} runs per cell, each in a fresh process. Peer: aws-cdk-lib {versions.get('aws-cdk-lib')}, "
        f"cdk-nag {versions.get('cdk-nag')} (AwsSolutionsChecks), node {versions.get('node')}, "
        f"{validation} CDK's built-in CloudFormation validation.",
        "",
        peer_table(rows),
        "",
        "Machine: " + "; ".join(f"{k}: {v}" for k, v in host.items()),
    ]
    return "\n".join(parts)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, help="service counts (default: 1,10,50,200)")
    parser.add_argument("--repeat", type=_bounded(1), default=3, help="runs per size and side; medians are reported (default: 3)")
    parser.add_argument("--work-dir", type=Path, help="keep the projects, reports and cloud assemblies here (default: a temporary directory)")
    parser.add_argument(
        "--builtin-validation",
        action="store_true",
        help="let CDK run its own CloudFormation template validation too, as plain `cdk synth` does (default: cdk-nag only)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    reason = skip_reason()
    if reason is not None:
        print(reason)
        return 0
    host = machine.describe()
    print(f"bench-peer: sizes {','.join(map(str, args.sizes))}, {args.repeat} runs each", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="gatehouse-bench-peer-") as scratch:
        work_dir = args.work_dir or Path(scratch)
        try:
            rows = measure_all(args.sizes, args.repeat, work_dir, builtin_validation=args.builtin_validation)
        except BenchError as error:
            print(f"bench-peer: {error}", file=sys.stderr)
            return 1
    host["load average at the end"] = machine.describe()["load average (1, 5, 15 min)"]
    print(render(rows, args.repeat, host, builtin_validation=args.builtin_validation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
