"""The machine-readable report; its shape is `report.schema.json` next to this file."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.automation.reports.model import Report

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def render(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, sort_keys=False) + "\n"


def load_schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
