"""The results as Markdown: the main table, the check's phases, and the two verdicts the issue
asks for (check within 1.2x of its floor; growth linear)."""

from __future__ import annotations

from dataclasses import dataclass

from bench.measure import Summary

RATIO_LIMIT = 1.2
# Marginal cost of the last size step over the one before: quadratic growth from 50 to 200
# services would show as ~4x, noise on a shared machine as well under this.
LINEARITY_LIMIT = 1.5


@dataclass(frozen=True)
class Row:
    services: int
    floor: Summary
    check: Summary

    @property
    def resources(self) -> int:
        return self.check.resources

    @property
    def ratio(self) -> float:
        return self.check.wall / self.floor.wall


def marginal_ms(rows: list[Row], mode: str) -> list[float | None]:
    """ms per extra resource from the previous size to this one (None for the first)."""
    result: list[float | None] = [None]
    for before, after in zip(rows, rows[1:], strict=False):
        extra = after.resources - before.resources
        seconds = getattr(after, mode).wall - getattr(before, mode).wall
        result.append(1000 * seconds / extra if extra > 0 else None)
    return result


def _f(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def results_table(rows: list[Row]) -> str:
    floor_marginal, check_marginal = marginal_ms(rows, "floor"), marginal_ms(rows, "check")
    lines = [
        "| services | resources | floor s | check s | check/floor | floor ms/res | check ms/res "
        "| floor marginal ms/res | check marginal ms/res | floor peak MiB | check peak MiB | pack peak MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row, fm, cm in zip(rows, floor_marginal, check_marginal, strict=True):
        lines.append(
            f"| {row.services} | {row.resources} | {_f(row.floor.wall)} | {_f(row.check.wall)} | {_f(row.ratio)}x "
            f"| {_f(1000 * row.floor.wall / row.resources)} | {_f(1000 * row.check.wall / row.resources)} "
            f"| {_f(fm)} | {_f(cm)} | {row.floor.maxrss_mib:.0f} | {row.check.maxrss_mib:.0f} "
            f"| {row.check.children_maxrss_mib:.0f} |"
        )
    return "\n".join(lines)


PHASES = (
    ("imports", "imports"),
    ("render", "render"),
    ("policy.start", "pack start"),
    ("policy.analyze", "Analyze x N (beside the render)"),
    ("policy.analyze_tail", "of it after the render"),
    ("policy.analyze_stack", "AnalyzeStack"),
    ("rest", "matrix + reports"),
)


def phases_table(rows: list[Row]) -> str:
    """Where the check's in-process time goes (medians); the floor's render is the comparison."""
    header = " | ".join(label for _, label in PHASES)
    lines = [
        f"| services | floor render s | {header} | waited for the verdict s |",
        "|---:|---:|" + "---:|" * len(PHASES) + "---:|",
    ]
    for row in rows:
        cells = " | ".join(_f(row.check.phases.get(key)) for key, _ in PHASES)
        lines.append(f"| {row.services} | {_f(row.floor.phases.get('render'))} | {cells} | {_f(row.check.phases.get('policy'))} |")
    return "\n".join(lines)


def verdicts(rows: list[Row]) -> list[str]:
    found = []
    worst = max(rows, key=lambda r: r.ratio)
    over = "OVER" if worst.ratio > RATIO_LIMIT else "within"
    found.append(f"check/floor: worst {worst.ratio:.2f}x at {worst.services} services, {over} the {RATIO_LIMIT}x limit")
    for mode in ("floor", "check"):
        steps = [m for m in marginal_ms(rows, mode) if m is not None]
        if len(steps) < 2:
            found.append(f"{mode} growth: needs three sizes or more to judge")
            continue
        growth = steps[-1] / steps[-2] if steps[-2] > 0 else float("inf")
        shape = "faster than linear" if growth > LINEARITY_LIMIT else "linear"
        found.append(
            f"{mode} growth: {shape} (marginal cost of the last step {steps[-1]:.2f} ms/res, "
            f"{growth:.2f}x the step before; limit {LINEARITY_LIMIT}x)"
        )
    return found
