"""Promotion follows pipeline/promotion.yaml one stage at a time, from a healthy source that
runs the commit being promoted (or a descendant of it), onto a target that runs an ancestor."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import pytest
from pipeline_fakes import OTHER_COMMIT
from pipeline_fakes.argv import deploy, select, tags
from pipeline_fakes.harness import env, process_env  # noqa: F401  (fixtures)

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
    return [select(stack), tags(stack),
            ["--non-interactive", "stack", "history", "--json", "--stack", stack]]


def test_promote_checks_the_source_then_previews_and_updates_the_target(process_env):
    env = process_env  # the stand-in as a real process: this command's boundary
    env.fake.deployed("dev", env.commit, git_head=env.commit)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.OK

    assert env.fake.calls() == [*source_checks("dev"), *deploy(env, "staging", command="promote")]
    assert env.fake.load()["stacks"]["staging"]["tags"]["gatehouse:commit"] == env.commit
    assert (env.reports / "promote-staging.md").is_file()


def test_a_source_that_moved_on_to_a_descendant_still_promotes_the_commit(env):
    """Ancestry, not equality: a later push may already have deployed dev again."""
    promoted = env.commit
    env.fake.deployed("dev", promoted)  # deployed and verified
    env.fake.deployed("dev", env.new_commit("later push"), verified=False)
    env.checkout(promoted)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.OK

    assert env.fake.load()["stacks"]["staging"]["tags"]["gatehouse:commit"] == promoted


def test_skipping_a_stage_never_reaches_the_cli(env, capsys):
    assert env.run("promote", "--from", "dev", "--to", "prod") == ExitCode.USAGE
    assert env.fake.records() == []
    assert "skips staging" in capsys.readouterr().err


def older_source(env):
    older = env.commit
    env.fake.deployed("dev", older)
    env.new_commit("not yet in dev")
    return f"dev runs commit {older}, which does not contain {env.commit}"


@pytest.mark.parametrize("setup", [
    older_source,
    lambda env: env.fake.deployed("dev", env.commit, result="failed") or "the last update of dev failed",
    lambda env: env.fake.deployed("dev", None) or "dev has no gatehouse:commit tag",
    lambda env: "dev has never been updated",
    lambda env: env.fake.deployed("dev", env.commit, git_head=OTHER_COMMIT)
    or f"the last update of dev ran from commit {OTHER_COMMIT}",
    lambda env: env.fake.deployed("dev", env.commit + "-dirty") or "a working tree nobody committed",
    lambda env: env.fake.deployed("dev", "main") or "'main' as its gatehouse:commit tag, which is not a commit hash",
], ids=["older", "failed", "untagged", "never-updated", "other-head", "dirty", "branch-name"])
def test_an_unhealthy_or_older_source_is_refused(env, capsys, setup):
    reason = setup(env)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.FAILED

    assert reason in capsys.readouterr().err
    assert env.fake.calls() == source_checks("dev")  # the target is never touched
    assert "gatehouse:commit" not in env.fake.load()["stacks"]["staging"]["tags"]


def test_rerunning_an_old_promotion_cannot_take_the_target_back(env, capsys):
    """The attack of issue 9: an old run whose commit dev still contains must not overwrite
    the newer commit staging runs."""
    old = env.commit
    env.fake.deployed("dev", old)  # verified back then
    newer = env.new_commit("newer")
    env.fake.deployed("dev", newer, verified=False)
    env.fake.deployed("staging", newer)
    env.checkout(old)

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.FAILED

    assert f"staging runs {newer} (its gatehouse:commit tag), which is not an ancestor of {old}" in capsys.readouterr().err
    assert env.fake.load()["stacks"]["staging"]["tags"]["gatehouse:commit"] == newer
    assert not [c for c in env.fake.calls() if c[1] in ("preview", "up")]


def test_a_short_commit_tag_from_an_older_pipeline_is_the_same_commit(env, tmp_path):
    plan = tmp_path / "staging.plan"
    plan.write_text('{"stack": "staging"}')
    env.fake.deployed("dev", env.commit[:7], git_head=env.commit)

    assert env.run("promote", "--from", "dev", "--to", "staging", "--plan", str(plan)) == ExitCode.OK


@pytest.mark.parametrize(("verified", "reason"), [
    (None, "dev has not been verified (gatehouse:verified is not set)"),
    ("other", "dev was last verified at {other}, not {commit}"),
], ids=["never-verified", "verified-elsewhere"])
def test_a_commit_not_proven_live_on_the_source_is_not_promoted(env, capsys, verified, reason):
    """Issue 13: `pipeline verify` tags what it proved; only that commit moves on."""
    env.fake.deployed("dev", env.commit, verified=False)
    if verified == "other":
        env.fake.state["stacks"]["dev"]["tags"]["gatehouse:verified"] = OTHER_COMMIT

    assert env.run("promote", "--from", "dev", "--to", "staging") == ExitCode.FAILED

    assert reason.format(other=OTHER_COMMIT, commit=env.commit) in capsys.readouterr().err
    assert "gatehouse:commit" not in env.fake.load()["stacks"]["staging"]["tags"]
    assert not [c for c in env.fake.calls() if c[1] in ("preview", "up")]
