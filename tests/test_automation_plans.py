"""Update plans: `preview --save-plan FILE` saves what the approver saw, `up`/`promote --plan
FILE` applies exactly that (the CLI refuses any operation beyond it), and promote re-checks that
the source still runs the commit the plan was made from."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import json

from pipeline_fakes.argv import outputs, preview, recorded, select, update
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.exit_codes import ExitCode


def test_preview_saves_the_plan_the_cli_computed(env, tmp_path):
    plan = tmp_path / "plans" / "prod.plan.json"
    plan.parent.mkdir()

    assert env.run("preview", "--stack", "prod", "--save-plan", str(plan)) == ExitCode.OK

    assert env.fake.calls() == [select("prod"), preview(env, "prod", save_plan=str(plan)), *outputs("prod")]
    assert json.loads(plan.read_text())["stack"] == "prod"
    assert f"update plan saved to {plan}" in env.report("preview-prod")["notes"]


def test_a_relative_plan_path_is_the_callers_not_the_project_directory(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    assert env.run("preview", "--stack", "prod", "--save-plan", "prod.plan") == ExitCode.OK

    assert (tmp_path / "prod.plan").is_file()
    assert preview(env, "prod", save_plan=str(tmp_path / "prod.plan")) in env.fake.calls()


def test_a_plan_the_pack_refused_is_never_left_to_apply(env, tmp_path):
    plan = tmp_path / "prod.plan"
    plan.write_text('{"stack": "prod"}')  # a stale plan from an earlier run
    env.fake.violation("private-api-must-be-private", "mandatory", "REST API is REGIONAL")

    assert env.run("preview", "--stack", "prod", "--save-plan", str(plan)) == ExitCode.POLICY

    assert not plan.exists()


def test_up_applies_the_plan_without_previewing_again(env, tmp_path):
    plan = tmp_path / "dev.plan"
    assert env.run("preview", "--stack", "dev", "--save-plan", str(plan)) == ExitCode.OK
    before = len(env.fake.calls())

    assert env.run("up", "--stack", "dev", "--plan", str(plan)) == ExitCode.OK

    assert env.fake.calls()[before:] == [select("dev"), *recorded("dev"), *update(env, "dev", plan=str(plan))]
    assert any("applying the update plan" in n for n in env.report("up-dev")["notes"])
    # Plans need no PULUMI_EXPERIMENTAL on the CLIs we support (the flags are only hidden).
    assert all(r["env"]["PULUMI_EXPERIMENTAL"] is None for r in env.fake.records())


def test_a_plan_for_another_stack_fails_with_the_clis_own_error(env, tmp_path):
    plan = tmp_path / "staging.plan"
    plan.write_text('{"stack": "staging"}')

    assert env.run("up", "--stack", "dev", "--plan", str(plan)) == ExitCode.FAILED

    saved = env.report("up-dev")
    assert saved["cliError"][-1] == f"error: the plan in {plan} was made for stack staging"
    assert "gatehouse:commit" not in env.fake.load()["stacks"]["dev"]["tags"]


def test_a_missing_plan_file_is_a_usage_error_before_the_cli(env, tmp_path, capsys):
    assert env.run("up", "--stack", "dev", "--plan", str(tmp_path / "nope.plan")) == ExitCode.USAGE

    assert "no such file; save one with `preview --save-plan" in capsys.readouterr().err
    assert env.fake.records() == []


def test_promote_applies_a_plan_when_the_source_still_runs_the_commit(env, tmp_path):
    plan = tmp_path / "prod.plan"
    plan.write_text('{"stack": "prod"}')
    env.fake.deployed("staging", env.commit)

    assert env.run("promote", "--from", "staging", "--to", "prod", "--plan", str(plan)) == ExitCode.OK

    assert env.fake.calls()[-len(update(env, "prod")):] == update(env, "prod", command="promote", plan=str(plan))


def test_promote_refuses_a_plan_once_the_source_moved_on(env, tmp_path, capsys):
    planned = env.commit
    plan = tmp_path / "prod.plan"
    plan.write_text('{"stack": "prod"}')
    env.fake.deployed("staging", env.new_commit("staging moved on"))
    env.checkout(planned)

    assert env.run("promote", "--from", "staging", "--to", "prod", "--plan", str(plan)) == ExitCode.FAILED

    assert f"not {planned}, the commit the plan was made from" in capsys.readouterr().err
    assert not [c for c in env.fake.calls() if c[1] == "up"]
