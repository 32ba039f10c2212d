"""SARIF 2.1.0 for policy findings, so GitHub code scanning annotates the PR.

One rule per policy; each finding points at the stack file `Pulumi.<stack>.yaml` (the file a
reviewer changes to fix it) and names the resource URN as a logical location.
"""

from __future__ import annotations

import hashlib
import json

from pipeline.automation.reports.model import Report, Violation

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "gatehouse-policy"
_LEVEL = {"mandatory": "error", "remediate": "note", "advisory": "warning", "disabled": "none"}
# GitHub ranks code-scanning alerts by this rule property (a CVSS-like score).
_SECURITY_SEVERITY = {"mandatory": "8.0", "remediate": "4.0", "advisory": "4.0", "disabled": "0.0"}


def stack_file(report: Report) -> str:
    return f"Pulumi.{report.stack}.yaml"


def render(report: Report) -> str:
    return json.dumps(build(report), indent=2) + "\n"


def build(report: Report) -> dict:
    rule_index: dict[str, int] = {}
    rules: list[dict] = []
    for v in report.violations:
        if v.policy not in rule_index:
            rule_index[v.policy] = len(rules)
            rules.append(_rule(v))
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
            # Distinguishes this stack's analysis from the others' in GitHub's alert list.
            "automationDetails": {"id": f"gatehouse/{report.command}/{report.stack}/"},
            "results": [_result(report, v, rule_index[v.policy]) for v in report.violations],
        }],
    }


def _rule(v: Violation) -> dict:
    return {
        "id": v.policy,
        "name": v.policy,
        "shortDescription": {"text": v.policy.replace("-", " ")},
        "defaultConfiguration": {"level": _LEVEL[v.level]},
        "properties": {"tags": ["security", "pulumi-policy"],
                       "security-severity": _SECURITY_SEVERITY[v.level]},
    }


def _result(report: Report, v: Violation, index: int) -> dict:
    location: dict = {
        "physicalLocation": {
            "artifactLocation": {"uri": stack_file(report), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 1},
        },
    }
    if v.urn:
        location["logicalLocations"] = [{"fullyQualifiedName": v.urn, "kind": "resource"}]
    fingerprint = hashlib.sha256(f"{report.stack}|{v.policy}|{v.urn}".encode()).hexdigest()
    return {
        "ruleId": v.policy,
        "ruleIndex": index,
        "level": _LEVEL[v.level],
        "message": {"text": v.message or v.policy},
        "locations": [location],
        "partialFingerprints": {"gatehouseFinding/v1": fingerprint},
        "properties": {"enforcementLevel": v.level, "resourceType": v.resource_type,
                       "resourceName": v.resource_name},
    }
