"""Reports every pipeline command writes: Markdown for a PR comment, JSON for machines, SARIF
for GitHub code scanning. All three are rendered from one neutral `Report`."""

from pipeline.automation.reports.model import MatrixRow, Report, Violation
from pipeline.automation.reports.writer import ReportPaths, write_reports

__all__ = ["MatrixRow", "Report", "ReportPaths", "Violation", "write_reports"]
