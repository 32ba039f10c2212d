"""The JSON report and its schema (pipeline/automation/reports/report.schema.json)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pipeline.automation.reports import MatrixRow, Report, Violation, write_reports
from pipeline.automation.reports.json_report import load_schema

VALIDATOR = jsonschema.Draft202012Validator(load_schema())


def full_report() -> Report:
    return Report(
        stack="staging", command="promote", outcome="policy-violation", commit="0123abc",
        changes={"create": 1, "same": 9},
        violations=[Violation("tls-1-2-minimum", "mandatory", "TLS_1_0 listener",
                              "urn:pulumi:staging::gatehouse::aws:lb/listener:Listener::alb-https",
                              "aws:lb/listener:Listener", "alb-https")],
        matrix=[MatrixRow("private-api", "vpn", "ExplicitDeny")],
        notes=["dev runs 0123abc"])


def test_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(load_schema())


def test_written_report_validates_and_round_trips(tmp_path):
    paths = write_reports(full_report(), tmp_path)

    data = json.loads(paths.json.read_text())
    VALIDATOR.validate(data)
    assert paths.json.name == "promote-staging.json"
    assert data["violations"][0]["resource_name"] == "alb-https"
    assert data["matrix"] == [{"api": "private-api", "scenario": "vpn", "decision": "ExplicitDeny"}]


@pytest.mark.parametrize("break_it", [
    lambda d: d.pop("violations"),
    lambda d: d["violations"][0].update(level="warning"),
    lambda d: d.update(commit="not-a-sha"),
    lambda d: d["changes"].update(create=-1),
    lambda d: d.update(extra=True),
])
def test_schema_rejects_malformed_reports(break_it):
    data = full_report().to_dict()
    break_it(data)
    assert not VALIDATOR.is_valid(data)


def test_the_model_refuses_unknown_levels_and_outcomes():
    with pytest.raises(ValueError, match="mandatory, remediate, advisory, disabled"):
        Violation("p", "warning", "m")
    with pytest.raises(ValueError, match="outcome"):
        Report(stack="dev", command="up", outcome="meh")


def test_repeated_findings_are_kept_once():
    report = Report(stack="dev", command="up")
    finding = Violation("p", "advisory", "m", "urn:x")
    report.add_violations([finding, finding])
    report.add_violations([finding, Violation("q", "advisory", "m")])
    assert [v.policy for v in report.violations] == ["p", "q"]
