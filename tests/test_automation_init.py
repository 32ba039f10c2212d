"""`python -m pipeline init`: creates the stacks of pipeline/promotion.yaml that do not exist
yet, with $GATEHOUSE_SECRETS_PROVIDER when set, and nothing on a second run."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import pytest
from pipeline_fakes.argv import init, select
from pipeline_fakes.harness import env, process_env  # noqa: F401  (fixtures)

from pipeline.exit_codes import ExitCode


def test_init_creates_only_the_stacks_that_do_not_exist(process_env, capsys):
    env = process_env  # the stand-in as a real process: this command's boundary
    env.fake.remove_stack("staging")
    env.fake.remove_stack("prod")

    assert env.run("init") == ExitCode.OK

    assert env.fake.calls() == [select("dev"), select("staging"), init("staging"),
                                select("prod"), init("prod")]
    out = capsys.readouterr().out
    assert "created: staging, prod; already existed: dev" in out
    assert set(env.fake.load()["stacks"]) == {"dev", "staging", "prod"}


def test_a_second_init_creates_nothing(env, capsys):
    env.fake.remove_stack("prod")
    assert env.run("init") == ExitCode.OK
    capsys.readouterr()

    assert env.run("init") == ExitCode.OK

    assert not [c for c in env.fake.calls() if c[1:3] == ["stack", "init"]][1:]
    assert "created: none; already existed: dev, staging, prod" in capsys.readouterr().out


def test_init_uses_the_secrets_provider_from_the_environment(env, monkeypatch, capsys):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", "awskms://alias/gatehouse")
    env.fake.remove_stack("prod")

    assert env.run("init", "--stack", "prod") == ExitCode.OK

    assert env.fake.calls() == [select("prod"), init("prod", "awskms://alias/gatehouse")]
    assert env.fake.load()["stacks"]["prod"]["secretsProvider"] == "awskms://alias/gatehouse"
    # The CLI writes the provider and its data key into the stack file: say to commit them.
    assert (env.work / "Pulumi.prod.yaml").read_text().startswith("secretsprovider: awskms://alias/gatehouse\n")
    assert "Pulumi.prod.yaml: commit them" in capsys.readouterr().out


def test_init_of_a_stack_without_a_stack_file_changes_nothing(env, capsys):
    assert env.run("init", "--stack", "dev", "--stack", "qa") == ExitCode.USAGE

    assert "no Pulumi.qa.yaml" in capsys.readouterr().err
    assert env.fake.records() == []


def test_a_stack_the_cli_cannot_create_fails_with_its_error_and_the_others_still_go(env, capsys):
    env.fake.remove_stack("staging")
    env.fake.remove_stack("prod")
    env.fake.state["init_error"] = "error: could not create stack: AccessDenied on s3://state"

    assert env.run("init") == ExitCode.FAILED

    err = capsys.readouterr().err
    assert "AccessDenied on s3://state" in err and "could not create staging, prod" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("provider", ["awskms:/alias/gatehouse", "kms://alias/x", "awskms://", "Passphrase"])
def test_a_malformed_secrets_provider_is_one_usage_error_before_any_stack_is_created(env, monkeypatch,
                                                                                     capsys, provider):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", provider)
    env.fake.remove_stack("prod")

    assert env.run("init") == ExitCode.USAGE

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "GATEHOUSE_SECRETS_PROVIDER must be default or passphrase" in err
    assert env.fake.records() == []  # checked before the CLI is even asked its version
