"""Exact CLI calls, exit codes and reports of preview, up, drift and destroy, run against the
stand-in `pulumi` (tests/pipeline_fakes/bin/pulumi)."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import json
import shutil

import pytest
from pipeline_fakes.argv import (
    deploy,
    destroy,
    preview,
    previewed,
    recorded,
    refresh_preview,
    select,
)
from pipeline_fakes.harness import env, process_env  # noqa: F401  (fixtures)

from pipeline.exit_codes import ExitCode


def report(env, name):
    return json.loads((env.reports / f"{name}.json").read_text())


# preview -----------------------------------------------------------------------------------

def test_preview_attaches_policy_pack_and_stack_config(env):
    env.fake.changes("preview", create=2, same=3)

    assert env.run("preview", "--stack", "dev") == ExitCode.OK

    assert env.fake.calls() == [select("dev"), *previewed(env, "dev")]
    assert report(env, "preview-dev")["changes"] == {"create": 2, "same": 3}
    assert report(env, "preview-dev")["outcome"] == "ok"


def test_preview_with_mandatory_violation_exits_policy_and_reports_it(env, capsys):
    env.fake.violation("private-api-must-be-private", "mandatory", "REST API is REGIONAL")

    assert env.run("preview", "--stack", "prod") == ExitCode.POLICY

    found = report(env, "preview-prod")
    assert found["outcome"] == "policy-violation"
    assert found["violations"] == [{
        "policy": "private-api-must-be-private", "level": "mandatory",
        "message": "REST API is REGIONAL", "urn": "urn:pulumi:prod::gatehouse::"
        "aws:apigateway/restApi:RestApi::private-api",
        "resource_type": "aws:apigateway/restApi:RestApi", "resource_name": "private-api"}]
    assert "private-api-must-be-private" in capsys.readouterr().err


def test_preview_with_advisory_findings_only_passes_and_keeps_them(env):
    env.fake.violation("stage-access-logs", "advisory", "no access logs", resource="stage")

    assert env.run("preview", "--stack", "dev") == ExitCode.OK

    assert [v["level"] for v in report(env, "preview-dev")["violations"]] == ["advisory"]


def test_progress_prints_one_line_per_resource_event(env, capsys):
    env.fake.changes("preview", create=1, same=2)

    env.run("preview", "--stack", "dev")

    out = capsys.readouterr().out.splitlines()
    assert "[dev] create         aws:ec2/vpc:Vpc  dev-res-0" in out
    assert "[dev] create done    aws:ec2/vpc:Vpc  dev-res-0" in out
    assert not [line for line in out if line.startswith("[dev] same")]  # unchanged stay quiet


# up ------------------------------------------------------------------------------------------

def test_up_previews_then_updates_then_stamps_the_commit(process_env):
    env = process_env  # the stand-in as a real process: up's boundary, and preview's within it
    env.fake.changes("up", create=4)

    assert env.run("up", "--stack", "dev") == ExitCode.OK

    assert env.fake.calls() == deploy(env, "dev")
    assert env.fake.load()["stacks"]["dev"]["tags"] == {"gatehouse:commit": env.commit}
    assert report(env, "up-dev")["changes"] == {"create": 4}


def test_up_refuses_prod_when_preview_reports_a_mandatory_violation(env):
    env.fake.violation("no-open-security-group", "mandatory", "0.0.0.0/0 on 443",
                       resource="endpoint-sg", resource_type="aws:ec2/securityGroup:SecurityGroup")

    assert env.run("up", "--stack", "prod") == ExitCode.POLICY

    assert env.fake.calls() == [select("prod"), *recorded("prod"), preview(env, "prod")]  # no up, no tag
    assert "gatehouse:commit" not in env.fake.load()["stacks"]["prod"]["tags"]


def test_failed_update_exits_failed_and_leaves_the_commit_tag_alone(env, capsys):
    running = env.commit
    env.fake.deployed("dev", running)
    env.new_commit("a change")
    env.fake.fail("up", "creating VPC endpoint: AccessDenied")

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    assert env.fake.load()["stacks"]["dev"]["tags"]["gatehouse:commit"] == running
    assert report(env, "up-dev")["outcome"] == "failed"
    assert "AccessDenied" in capsys.readouterr().err


def test_up_needs_a_commit_to_stamp(env, capsys):
    shutil.rmtree(env.work / ".git")
    assert env.run("up", "--stack", "dev", commit=None) == ExitCode.USAGE  # no git, no --commit
    assert "pass --commit" in capsys.readouterr().err
    assert env.fake.calls() == []


def test_a_malformed_commit_is_a_usage_error(env, capsys):
    assert env.run("up", "--stack", "dev", commit="main") == ExitCode.USAGE
    assert "--commit must be a git commit hash" in capsys.readouterr().err


def test_commit_defaults_to_github_sha(env, monkeypatch):
    monkeypatch.setenv("GITHUB_SHA", env.commit.upper())
    assert env.run("up", "--stack", "dev", commit=None) == ExitCode.OK
    assert env.fake.load()["stacks"]["dev"]["tags"]["gatehouse:commit"] == env.commit


# drift -----------------------------------------------------------------------------------------

def test_drift_is_a_refresh_preview_expecting_no_changes(process_env):
    env = process_env  # the stand-in as a real process: this command's boundary
    env.fake.changes("refresh", same=5)

    assert env.run("drift", "--stack", "staging") == ExitCode.OK

    assert env.fake.calls() == [select("staging"), refresh_preview("staging")]


def test_drift_found_exits_drift_with_the_changes_reported(env, capsys):
    env.fake.changes("refresh", update=2, same=3)

    assert env.run("drift", "--stack", "prod") == ExitCode.DRIFT

    assert report(env, "drift-prod")["changes"] == {"update": 2, "same": 3}
    assert report(env, "drift-prod")["outcome"] == "drift"
    assert "2 to update" in capsys.readouterr().err


# destroy ---------------------------------------------------------------------------------------

def test_destroy_refuses_prod_without_the_explicit_flag(env, capsys):
    assert env.run("destroy", "--stack", "prod") == ExitCode.USAGE

    assert "--yes-destroy-prod" in capsys.readouterr().err
    assert env.fake.records() == []  # the CLI was never even asked its version


def test_destroy_treats_a_stack_declaring_environment_prod_as_prod(env):
    (env.work / "Pulumi.live.yaml").write_text("config:\n  gatehouse:environment: prod\n")
    assert env.run("destroy", "--stack", "live") == ExitCode.USAGE


def test_destroy_prod_with_the_flag(process_env):
    env = process_env  # the stand-in as a real process: this command's boundary
    env.fake.changes("destroy", delete=7)

    assert env.run("destroy", "--stack", "prod", "--yes-destroy-prod") == ExitCode.OK

    assert env.fake.calls() == [select("prod"), *destroy("prod")]
    assert report(env, "destroy-prod")["changes"] == {"delete": 7}


# workspace and environment ----------------------------------------------------------------------

def test_backend_and_credentials_come_from_the_environment(process_env, monkeypatch):
    env = process_env  # the stand-in as a real process: what its environment really holds
    monkeypatch.setenv("PULUMI_BACKEND_URL", "file:///var/state")
    monkeypatch.setenv("PULUMI_CONFIG_PASSPHRASE", "test-only")

    env.run("preview", "--stack", "dev")

    records = env.fake.records()
    assert records and all(r["env"]["PULUMI_BACKEND_URL"] == "file:///var/state" for r in records)
    assert all(r["env"]["PULUMI_CONFIG_PASSPHRASE"] for r in records)
    # LocalWorkspace runs every stack command in the project directory.
    assert all(r["cwd"] == str(env.work) for r in records if r["argv"] != ["version"])


def test_unknown_stack_file_is_a_one_line_usage_error(env, capsys):
    assert env.run("preview", "--stack", "qa") == ExitCode.USAGE
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no Pulumi.qa.yaml" in err and "dev, staging, prod" in err  # listed in promotion order


@pytest.mark.parametrize("argv", [("preview", "--stack", "staging"), ("up", "--stack", "staging"),
                                  ("drift", "--stack", "staging"), ("promote", "--from", "dev", "--to", "staging")])
def test_a_stack_missing_from_the_backend_names_init_and_still_writes_its_report(env, capsys, argv):
    env.fake.deployed("dev", env.commit)
    env.fake.remove_stack("staging")

    assert env.run(*argv) == ExitCode.USAGE

    assert "create it with `python -m pipeline init --stack staging` first" in capsys.readouterr().err
    written = report(env, f"{argv[0]}-staging")
    assert written["outcome"] == "usage" and "python -m pipeline init" in written["notes"][-1]


def test_stack_names_that_could_escape_the_report_dir_are_rejected(env):
    with pytest.raises(SystemExit) as exit_info:
        env.run("preview", "--stack", "../dev")
    assert exit_info.value.code == ExitCode.USAGE


def test_too_old_cli_is_refused_with_the_versions_named(env, capsys):
    env.fake.state["version"] = "v3.150.0"
    assert env.run("preview", "--stack", "dev") == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "3.200.0" in err and "3.150.0" in err


def test_missing_cli_is_a_usage_error_naming_the_path(env, capsys):
    env.fake.path.unlink()
    assert env.run("preview", "--stack", "dev") == ExitCode.USAGE
    assert "is not an executable file" in capsys.readouterr().err


def test_pulumi_command_from_the_environment_variable(env, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_PULUMI_COMMAND", str(env.fake.path))
    env.fake.save()
    from pipeline import cli
    code = cli.main(["preview", "--stack", "dev", "--work-dir", str(env.work),
                     "--report-dir", str(env.reports), "--commit", env.commit])
    assert code == ExitCode.OK
    assert env.fake.calls()[1] == preview(env, "dev")
