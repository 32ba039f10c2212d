"""SARIF 2.1.0 for policy findings, validated against the official OASIS schema
(tests/schemas/sarif-2.1.0.json, from oasis-tcs/sarif-spec Schemata/sarif-schema-2.1.0.json)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from pipeline.automation.reports import Report, Violation, write_reports
from pipeline.automation.reports.sarif import build

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)


def finding(policy, level, name):
    return Violation(policy, level, f"{policy} on {name}",
                     f"urn:pulumi:prod::gatehouse::aws:apigateway/restApi:RestApi::{name}",
                     "aws:apigateway/restApi:RestApi", name)


REPORT = Report(stack="prod", command="preview", outcome="policy-violation", violations=[
    finding("private-api-must-be-private", "mandatory", "internal"),
    finding("stage-access-logs", "advisory", "internal-stage"),
    finding("private-api-must-be-private", "mandatory", "security"),
    finding("lambda-url-auth", "remediate", "fn"),
])


def test_written_sarif_validates_against_the_official_schema(tmp_path):
    paths = write_reports(REPORT, tmp_path)
    VALIDATOR.validate(json.loads(paths.sarif.read_text()))


def test_a_clean_run_is_valid_sarif_with_no_results():
    log = build(Report(stack="dev", command="preview"))
    VALIDATOR.validate(log)
    assert log["runs"][0]["results"] == [] and log["runs"][0]["tool"]["driver"]["rules"] == []


def test_the_validator_is_not_vacuous():
    log = build(REPORT)
    log["runs"][0]["results"][0]["level"] = "critical"
    assert not VALIDATOR.is_valid(log)


def test_one_rule_per_policy_and_levels_by_enforcement():
    run = build(REPORT)["runs"][0]
    rules = run["tool"]["driver"]["rules"]

    assert [r["id"] for r in rules] == ["private-api-must-be-private", "stage-access-logs", "lambda-url-auth"]
    assert [r["level"] for r in run["results"]] == ["error", "warning", "error", "note"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]


def test_findings_point_at_the_stack_file_and_name_the_resource():
    result = build(REPORT)["runs"][0]["results"][0]
    location = result["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "Pulumi.prod.yaml"
    assert location["logicalLocations"][0]["fullyQualifiedName"].endswith("RestApi::internal")


def test_fingerprints_distinguish_resources_and_stay_stable():
    first, _, third, _ = build(REPORT)["runs"][0]["results"]
    again = build(REPORT)["runs"][0]["results"][0]
    assert first["partialFingerprints"] != third["partialFingerprints"]
    assert first["partialFingerprints"] == again["partialFingerprints"]
