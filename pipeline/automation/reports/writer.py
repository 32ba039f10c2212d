"""Write the three reports for one `Report` into a directory."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipeline.automation.reports import json_report, markdown, sarif
from pipeline.automation.reports.model import Report


@dataclass(frozen=True)
class ReportPaths:
    markdown: Path
    json: Path
    sarif: Path


def write_reports(report: Report, directory: str | Path) -> ReportPaths:
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = ReportPaths(
        markdown=out / f"{report.stem}.md",
        json=out / f"{report.stem}.json",
        sarif=out / f"{report.stem}.sarif",
    )
    paths.markdown.write_text(markdown.render(report), encoding="utf-8")
    paths.json.write_text(json_report.render(report), encoding="utf-8")
    paths.sarif.write_text(sarif.render(report), encoding="utf-8")
    return paths
