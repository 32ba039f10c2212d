"""Promotion follows pipeline/promotion.yaml one stage at a time, and only a healthy source
running the very commit being promoted may be promoted."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import pytest
from pipeline_fakes import COMMIT, OTHER_COMMIT
from pipeline_fakes.argv import preview, select, update
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.automation.promotion import ORDER_FILE, check_step, load_order
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode


def test_the_declared_order_is_dev_staging_prod():
    assert load_order() == ["dev", "staging", "prod"]
    assert ORDER_FILE.name == "promotion.yaml"


@pytest.mark.parametrize("text", ["order: dev", "order: [dev]", "order: [dev, dev]", "[: bad", "steps: []"])
def test_a_broken_order_file_is_a_clear_error(tmp_path, text):
    path = tmp_path / "promotion.yaml"
    path.write_text(text)
    with pytest.raises(UsageError, match=str(path)):
        load_order(path)


@pytest.mark.parametrize("source,target", [("dev", "staging"), ("staging", "prod")])
def test_one_step_forward_is_allowed(source, target):
    check_step(["dev", "staging", "prod"], source, target)


@pytest.mark.parametrize("source,target,message", [
    ("dev", "prod", "skips staging (promote --from dev --to staging)"),
    ("prod", "staging", "cannot promote backwards"),
    ("staging", "dev", "cannot promote backwards"),
    ("dev", "dev", "in place"),
    ("prod", "prod", "prod is the last stage"),
    ("dev", "qa", "--to qa is not in the promotion order (dev → staging → prod)"),
])
def test_skipping_going_back_or_unknown_stages_are_refused(source, target, message):
    with pytest.raises(UsageError, match="^.*" + message.replace("(", r"\(").replace(")", r"\)")):
        check_step(["dev", "staging", "prod"], source, target)


def source_checks(stack):
    return [select(stack),
            ["--non-interactive", "stack", "tag", "ls", "--json", "--stack", stack],
            ["--non-interactive", "stack", "history", "--json", "--stack", stack]]


def test_promote_checks_the_source_then_previews_and_updates_the_target(env):
    env.fake.deployed("dev", COMMIT, git_head=COMMIT)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.OK

    assert env.fake.calls() == [
        *source_checks("dev"),
        select("staging"), preview(env, "staging"), *update(env, "staging", command="promote"),
    ]
    assert env.fake.load()["stacks"]["staging"]["tags"]["gatehouse:commit"] == COMMIT
    assert (env.reports / "promote-staging.md").is_file()


def test_skipping_a_stage_never_reaches_the_cli(env, capsys):
    assert env.run("promote", "--from", "dev", "--to", "prod") == ExitCode.USAGE
    assert env.fake.records() == []
    assert "skips staging" in capsys.readouterr().err


@pytest.mark.parametrize("setup,reason", [
    (lambda f: f.deployed("dev", OTHER_COMMIT), f"dev runs commit {OTHER_COMMIT}, not {COMMIT}"),
    (lambda f: f.deployed("dev", COMMIT, result="failed"), "the last update of dev failed"),
    (lambda f: f.deployed("dev", None), "dev has no gatehouse:commit tag"),
    (lambda f: None, "dev has never been updated"),
    (lambda f: f.deployed("dev", COMMIT, git_head=OTHER_COMMIT),
     f"the last update of dev ran from commit {OTHER_COMMIT}"),
])
def test_an_unhealthy_or_different_source_is_refused(env, capsys, setup, reason):
    setup(env.fake)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.FAILED

    assert reason in capsys.readouterr().err
    assert env.fake.calls() == source_checks("dev")  # the target is never touched
    assert "gatehouse:commit" not in env.fake.load()["stacks"]["staging"]["tags"]
