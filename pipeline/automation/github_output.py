"""Step outputs for GitHub Actions: `url` (for the environment's link) and `report` (the JSON
report's path), appended to the file `$GITHUB_OUTPUT` names, when it is set."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.automation.reports.model import Report

GITHUB_OUTPUT_ENV = "GITHUB_OUTPUT"
# The private custom domain when the stack has one, else the public API's invoke URL.
URL_OUTPUTS = ("customDomainUrl", "publicInvokeUrl")


def stack_url(outputs: dict[str, object]) -> str:
    for key in URL_OUTPUTS:
        value = outputs.get(key)
        if isinstance(value, str) and value.startswith("https://"):
            return value
    return ""


def publish(report: Report, json_path: Path) -> None:
    target = os.environ.get(GITHUB_OUTPUT_ENV)
    if not target:
        return
    lines = {"url": stack_url(report.outputs), "report": str(json_path.resolve())}
    with open(target, "a", encoding="utf-8") as out:
        for name, value in lines.items():
            # One line each: a value with a newline would inject further outputs.
            out.write(f"{name}={' '.join(value.splitlines())}\n")
