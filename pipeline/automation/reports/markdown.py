"""Markdown for a PR comment, kept under GitHub's comment size limit.

When the full comment is too long, detail goes first (notes, the matrix, long messages); the
violations themselves are never dropped: in the last resort lower-level findings are counted
per policy while every mandatory one keeps its own line.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable

from pipeline.automation.reports.model import LEVELS, Report, Violation

# GitHub rejects issue and PR comments longer than 65,536 characters; keep a margin for the
# workflow's own wrapper text.
COMMENT_LIMIT = 65_536
MARGIN = 1_024
_OUTCOME_BADGE = {
    "ok": "✅ ok",
    "failed": "❌ failed",
    "usage": "⚠️ usage error",
    "policy-violation": "⛔ blocked by policy",
    "drift": "⚠️ drift",
    "locked": "🔒 stack locked",
}
_OP_ORDER = ("create", "update", "replace", "delete", "same")
_SHORT_MESSAGE = 200


def marker(report: Report) -> str:
    """Hidden line a workflow can search for to update its previous comment instead of adding one."""
    return f"<!-- gatehouse-report: {report.command}/{report.stack} -->"


def render(report: Report, limit: int = COMMENT_LIMIT - MARGIN) -> str:
    """The most detailed rendering that fits in `limit` characters (see module docstring)."""
    text = ""
    for detail in range(len(_VIOLATION_STYLES)):
        text = _render(report, detail)
        if len(text) <= limit:
            return text
    return text  # only mandatory lines remain; they are never cut, even past the limit


def _render(report: Report, detail: int) -> str:
    lines = [marker(report), f"### gatehouse `{report.command}` on `{report.stack}`: "
             f"{_OUTCOME_BADGE[report.outcome]}"]
    if report.commit:
        lines.append(f"Commit `{report.commit}`.")
    if detail:
        lines.append("_Trimmed to fit a GitHub comment; the JSON report has every detail._")
    lines += ["", *_changes(report)]
    if report.resources:
        lines += ["", *(_resource_table(report) if detail <= 1 else _resource_counts(report))]
    lines += ["", *_violations(report, detail)]
    if report.deferred:
        lines += ["", *_deferred(report, detail)]
    if report.cli_error:
        lines += ["", "**Pulumi CLI error** (last lines)", "", "```", *report.cli_error, "```"]
    if report.outputs:
        lines += ["", *_outputs(report)]
    if report.matrix:
        lines += ["", *(_matrix_table(report) if detail == 0 else _matrix_counts(report))]
    if report.notes:
        lines += ["", "**Notes**"]
        if detail == 0:
            lines += [f"- {note}" for note in report.notes]
        else:
            lines.append(f"- {len(report.notes)} note(s) omitted.")
    return "\n".join(lines) + "\n"


def _changes(report: Report) -> list[str]:
    changed = {op: n for op, n in report.changes.items() if n}
    if not changed:
        return ["**Changes**: none."]
    ordered = sorted(changed, key=lambda op: (_OP_ORDER.index(op) if op in _OP_ORDER else 99, op))
    return ["**Changes**", "", "| operation | resources |", "|---|---:|",
            *(f"| {op} | {changed[op]} |" for op in ordered)]


def _resource_table(report: Report) -> list[str]:
    lines = [f"**Resources** ({len(report.resources)})", "",
             "| operation | type | name | properties |", "|---|---|---|---|"]
    for r in report.resources:
        op = f"{r.op} (failed)" if r.failed else r.op
        props = ", ".join(f"`{p}`" for p in r.properties)
        lines.append(f"| {op} | `{r.type}` | `{_cell(r.name)}` | {props} |")
    return lines


def _resource_counts(report: Report) -> list[str]:
    return [f"**Resources**: {len(report.resources)} listed in the JSON report."]


def _outputs(report: Report) -> list[str]:
    lines = ["**Outputs**", "", "| output | value |", "|---|---|"]
    for key, value in report.outputs.items():
        text = value if isinstance(value, str) else json.dumps(value)
        lines.append(f"| `{key}` | `{_cell(text)}` |")
    return lines


def _cell(text: str) -> str:
    """Keep a value inside its table cell."""
    return text.replace("|", "\\|").replace("\n", " ").replace("`", "'")


def _violations(report: Report, detail: int) -> list[str]:
    if not report.violations:
        return ["**Policy violations**: none."]
    lines = [f"**Policy violations** ({len(report.violations)})"]
    style = _VIOLATION_STYLES[detail]
    for level in LEVELS:
        found = report.violations_at(level)
        if found:
            lines += ["", f"#### {level} ({len(found)})", *style(level, found)]
    return lines


def _resource(v: Violation) -> str:
    if v.resource_type or v.resource_name:
        return f" on `{v.resource_type}` `{v.resource_name}`"
    return ""


def _full(level: str, found: list[Violation]) -> list[str]:
    lines = []
    for v in found:
        first, *rest = (v.message or "(no message)").splitlines() or [""]
        lines.append(f"- **{v.policy}**{_resource(v)}: {first}")
        lines += [f"  {line}" for line in rest]
    return lines


def _short(level: str, found: list[Violation]) -> list[str]:
    def cut(message: str) -> str:
        first = (message.splitlines() or [""])[0]
        return first if len(first) <= _SHORT_MESSAGE else first[: _SHORT_MESSAGE - 1] + "…"

    return [f"- **{v.policy}**{_resource(v)}: {cut(v.message)}" for v in found]


def _compact(level: str, found: list[Violation]) -> list[str]:
    return [f"- **{v.policy}**{_resource(v)}" for v in found]


def _counted(level: str, found: list[Violation]) -> list[str]:
    if level == "mandatory":
        return _compact(level, found)
    counts = Counter(v.policy for v in found)
    return [f"- **{policy}**: {n} resource(s)" for policy, n in sorted(counts.items())]


_VIOLATION_STYLES: tuple[Callable[[str, list[Violation]], list[str]], ...] = (
    _full, _full, _short, _compact, _counted,
)


def _deferred(report: Report, detail: int) -> list[str]:
    lines = [f"**Verified at deploy** ({len(report.deferred)}): checked by the update once the "
             "resources these values come from exist; they do not block this preview.", ""]
    if detail >= 3:
        counts = Counter(d.policy for d in report.deferred)
        return lines + [f"- **{policy}**: {n} check(s)" for policy, n in sorted(counts.items())]
    for d in report.deferred:
        where = f" on `{d.resource_type}` `{d.resource_name}`" if d.resource_name else ""
        lines.append(f"- **{d.policy}**{where}: {d.message}")
    return lines


def _matrix_table(report: Report) -> list[str]:
    assert report.matrix is not None
    scenarios = list(dict.fromkeys(row.scenario for row in report.matrix))
    apis = list(dict.fromkeys(row.api for row in report.matrix))
    cell = {(row.api, row.scenario): row.decision for row in report.matrix}
    lines = ["**Reachability** (API × caller)", "",
             "| API | " + " | ".join(scenarios) + " |",
             "|---|" + "---|" * len(scenarios)]
    for api in apis:
        lines.append(f"| {api} | " + " | ".join(cell.get((api, s), "–") for s in scenarios) + " |")
    return lines


def _matrix_counts(report: Report) -> list[str]:
    assert report.matrix is not None
    counts = Counter(row.decision for row in report.matrix)
    summary = ", ".join(f"{decision}: {n}" for decision, n in sorted(counts.items()))
    return [f"**Reachability**: {len(report.matrix)} API × caller pairs ({summary})."]
