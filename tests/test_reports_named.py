"""Reports name things: each resource's operation, type and name from the engine events, for
drift the properties that differ, the CLI's last error lines, the stack's outputs; and the
GitHub step outputs `url` and `report`."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import jsonschema
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.automation.operations import StackRun
from pipeline.automation.reports import Report
from pipeline.automation.reports.json_report import load_schema
from pipeline.automation.reports.markdown import render
from pipeline.automation.reports.model import ResourceChange
from pipeline.exit_codes import ExitCode

VALIDATOR = jsonschema.Draft202012Validator(load_schema())
SG = "aws:ec2/securityGroup:SecurityGroup"
API = "aws:apigateway/restApi:RestApi"


def test_up_reports_each_resource_with_its_operation_type_and_name(env):
    env.fake.changes("up", create=1, update=1, same=1)
    env.fake.resources("up", {"op": "create", "type": API, "name": "private-api"},
                       {"op": "update", "type": SG, "name": "endpoint-sg", "diffs": ["ingress"]},
                       {"op": "same", "type": "aws:ec2/vpc:Vpc", "name": "network"})

    assert env.run("up", "--stack", "dev") == ExitCode.OK

    saved = env.report("up-dev")
    VALIDATOR.validate(saved)
    assert [(r["op"], r["type"], r["name"], r["properties"]) for r in saved["resources"]] == [
        ("create", API, "private-api", []), ("update", SG, "endpoint-sg", ["ingress"])]
    markdown = (env.reports / "up-dev.md").read_text()
    assert f"| update | `{SG}` | `endpoint-sg` | `ingress` |" in markdown


def test_drift_names_the_resources_and_properties_that_differ(env, capsys):
    env.fake.changes("refresh", update=1, same=1)
    env.fake.resources("refresh", {"op": "update", "type": SG, "name": "endpoint-sg",
                                   "diffs": ["ingress", "tags"]},
                       {"op": "refresh", "type": API, "name": "private-api"})  # refreshed, unchanged

    assert env.run("drift", "--stack", "prod") == ExitCode.DRIFT

    saved = env.report("drift-prod")
    assert [(r["name"], r["properties"]) for r in saved["resources"]] == [("endpoint-sg", ["ingress", "tags"])]
    assert f"1 to update: {SG} endpoint-sg (ingress, tags)" in capsys.readouterr().err


def test_the_detailed_diff_names_property_paths(env):
    env.fake.changes("refresh", update=1)
    env.fake.resources("refresh", {"op": "update", "type": SG, "name": "endpoint-sg", "diffs": ["ingress"],
                                   "detailed": ["ingress[0].cidrIpv4", "ingress[1]"]})

    assert env.run("drift", "--stack", "prod") == ExitCode.DRIFT

    assert env.report("drift-prod")["resources"][0]["properties"] == ["ingress[0].cidrIpv4", "ingress[1]"]


def test_the_resource_whose_operation_failed_is_marked(env):
    env.fake.fail("up", "creating VPC endpoint: AccessDenied")
    env.fake.resources("up", {"op": "create", "type": API, "name": "private-api"},
                       {"op": "create", "type": "aws:ec2/vpcEndpoint:VpcEndpoint", "name": "execute-api",
                        "fails": True})

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    saved = env.report("up-dev")
    assert [(r["name"], r["failed"]) for r in saved["resources"]] == [("private-api", False), ("execute-api", True)]
    assert "| create (failed) | `aws:ec2/vpcEndpoint:VpcEndpoint` | `execute-api` |" in (env.reports / "up-dev.md").read_text()


def test_a_cli_failure_keeps_its_last_error_lines(env):
    env.fake.fail("up", "creating VPC endpoint: AccessDenied: not authorized to ec2:CreateVpcEndpoint")

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    saved = env.report("up-dev")
    assert saved["cliError"] == ["error: update failed",
                                 "  creating VPC endpoint: AccessDenied: not authorized to ec2:CreateVpcEndpoint"]
    assert "not authorized to ec2:CreateVpcEndpoint" in saved["notes"][-1]
    markdown = (env.reports / "up-dev.md").read_text()
    assert "**Pulumi CLI error** (last lines)" in markdown and "ec2:CreateVpcEndpoint" in markdown


def test_outputs_are_in_the_report_with_secrets_masked(env):
    env.fake.outputs_after_up(customDomainUrl="https://api.dev.internal.example.com",
                              publicInvokeUrl="https://abc.execute-api.us-east-1.amazonaws.com/v1")

    assert env.run("up", "--stack", "dev") == ExitCode.OK

    assert env.report("up-dev")["outputs"]["customDomainUrl"] == "https://api.dev.internal.example.com"
    assert "| `customDomainUrl` | `https://api.dev.internal.example.com` |" in (env.reports / "up-dev.md").read_text()


def test_a_secret_output_never_reaches_the_report(env):
    env.fake.outputs("dev", secret=("apiKey",), apiKey="s3cr3t-value", vpcId="vpc-0a1b2c3d4e5f67890")

    assert env.run("preview", "--stack", "dev") == ExitCode.OK

    assert env.report("preview-dev")["outputs"] == {"apiKey": "[secret]", "vpcId": "vpc-0a1b2c3d4e5f67890"}
    assert "s3cr3t-value" not in (env.reports / "preview-dev.md").read_text()


def test_github_output_gets_the_url_and_the_json_report(env, monkeypatch, tmp_path):
    target = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    env.fake.outputs_after_up(publicInvokeUrl="https://abc.execute-api.us-east-1.amazonaws.com/v1")

    assert env.run("up", "--stack", "dev") == ExitCode.OK

    assert target.read_text().splitlines() == [
        "url=https://abc.execute-api.us-east-1.amazonaws.com/v1",
        f"report={(env.reports / 'up-dev.json').resolve()}"]


def test_the_custom_domain_wins_over_the_public_url(env, monkeypatch, tmp_path):
    target = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    env.fake.outputs("prod", publicInvokeUrl="https://abc.execute-api.us-east-1.amazonaws.com/v1",
                     customDomainUrl="https://api.internal.example.com")

    assert env.run("preview", "--stack", "prod") == ExitCode.OK

    assert target.read_text().splitlines()[0] == "url=https://api.internal.example.com"


def test_a_failed_run_still_writes_its_report_to_github_output(env, monkeypatch, tmp_path):
    target = tmp_path / "github-output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(target))
    env.fake.fail("preview", "boom")

    assert env.run("preview", "--stack", "dev") == ExitCode.FAILED

    assert target.read_text().splitlines() == ["url=", f"report={(env.reports / 'preview-dev.json').resolve()}"]


def test_an_unexpected_sdk_failure_is_one_line_and_a_report_not_a_traceback(env, monkeypatch, capsys):
    def broken(self, **_):
        raise ValueError("could not decode the engine event")
    monkeypatch.setattr(StackRun, "preview", broken)

    assert env.run("preview", "--stack", "dev") == ExitCode.FAILED

    err = capsys.readouterr().err
    assert err == "error: dev: ValueError: could not decode the engine event\n"
    assert env.report("preview-dev")["outcome"] == "failed"


# markdown ---------------------------------------------------------------------------------------

def test_many_resources_give_way_to_a_count_before_any_violation_is_cut():
    resources = [ResourceChange("create", API, f"api-{i}" + "x" * 300) for i in range(400)]
    text = render(Report(stack="dev", command="preview", resources=resources))

    assert "**Resources**: 400 listed in the JSON report." in text
    assert len(text) < 65_536


def test_a_value_cannot_break_out_of_its_table_cell():
    text = render(Report(stack="dev", command="up", outputs={"weird": "a|b\n| c"}))
    assert "| `weird` | `a\\|b \\| c` |" in text
