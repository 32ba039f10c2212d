"""verify-<stack>.md and .json: the live matrix beside the predicted one, row by row."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Row:
    where: str
    probe: str
    expected: str
    observed: str
    agrees: bool
    basis: str
    url: str | None = None
    status: int | None = None
    tls_version: str | None = None
    latency_ms: float | None = None
    error: str | None = None
    detail: str | None = None


@dataclass
class VerifyReport:
    stack: str
    commit: str | None = None
    outcome: str = "failed"  # verified | disagrees | failed | usage
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def disagreements(self) -> list[Row]:
        return [r for r in self.rows if not r.agrees]


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|")


def render_markdown(report: VerifyReport) -> str:
    verdict = {
        "verified": "live probes agree with what `check` predicts",
        "disagrees": f"{len(report.disagreements)} probe(s) disagree with what `check` predicts",
        "failed": "verification could not run",
        "usage": "verification could not start",
    }[report.outcome]
    lines = [f"# verify {report.stack}: {verdict}", ""]
    if report.commit:
        lines += [f"Commit: `{report.commit}`", ""]
    if report.rows:
        lines += [
            "| from | probe | predicted | live | status | TLS | ms | agrees | why predicted |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for r in report.rows:
            live = r.observed if not r.error else f"{r.observed} ({r.error}: {_cell(r.detail)[:80]})"
            lines.append(
                f"| {r.where} | {r.probe} | {r.expected} | {live} | {_cell(r.status)} | {_cell(r.tls_version)} "
                f"| {_cell(r.latency_ms)} | {'yes' if r.agrees else '**NO**'} | {_cell(r.basis)} |"
            )
        lines.append("")
    for note in report.notes:
        lines.append(f"- {note}")
    return "\n".join(lines).rstrip() + "\n"


def write(report: VerifyReport, directory: str | Path) -> tuple[Path, Path]:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    markdown, data = out / f"verify-{report.stack}.md", out / f"verify-{report.stack}.json"
    markdown.write_text(render_markdown(report), encoding="utf-8")
    payload = {**asdict(report), "disagreements": len(report.disagreements)}
    data.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return markdown, data
