"""Only descendants deploy: `up` and `promote` refuse a commit that is not a descendant of the
one the stack runs, unless --rollback names the going back; dirty trees need --allow-dirty and
are never deployed in CI. Ancestry is decided by real commits in the test project's git repo."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import jsonschema
import pytest
from pipeline_fakes import OTHER_COMMIT
from pipeline_fakes.argv import deploy, recorded, select
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.automation.reports.json_report import load_schema
from pipeline.exit_codes import ExitCode


def tag(env, stack="dev"):
    return env.fake.load()["stacks"][stack]["tags"].get("gatehouse:commit")


def engine_calls(env):
    return [c for c in env.fake.calls() if c[1] in ("preview", "up")]


def test_a_descendant_of_the_running_commit_deploys(env):
    running = env.commit
    env.fake.deployed("dev", running)
    newer = env.new_commit("feature")

    assert env.run("up", "--stack", "dev") == ExitCode.OK

    assert tag(env) == newer
    assert f"dev runs {running} (its gatehouse:commit tag); {newer} descends from it" in env.report("up-dev")["notes"]


def test_the_first_deploy_and_a_redeploy_of_the_same_commit_are_allowed(env):
    assert env.run("up", "--stack", "dev") == ExitCode.OK
    assert "first deploy" in env.report("up-dev")["notes"][0]

    assert env.run("up", "--stack", "dev") == ExitCode.OK  # re-running the same workflow run
    assert tag(env) == env.commit


def test_an_older_commit_is_refused_before_any_preview(env, capsys):
    older = env.commit
    newer = env.new_commit("feature")
    env.fake.deployed("dev", newer)
    env.checkout(older)

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    err = capsys.readouterr().err
    assert f"dev runs {newer} (its gatehouse:commit tag), which is not an ancestor of {older}" in err and "--rollback" in err
    assert env.fake.calls() == [select("dev"), *recorded("dev")]
    assert tag(env) == newer and env.report("up-dev")["outcome"] == "failed"


def test_rollback_to_an_ancestor_is_allowed_by_name_and_the_report_says_so(env):
    older = env.commit
    newer = env.new_commit("feature")
    env.fake.deployed("dev", newer)
    env.checkout(older)

    assert env.run("up", "--stack", "dev", "--rollback") == ExitCode.OK

    assert tag(env) == older
    assert (f"rollback, asked for by --rollback: dev runs {newer} (its gatehouse:commit tag); deploying its ancestor {older}"
            in env.report("up-dev")["notes"])
    assert "rollback" in (env.reports / "up-dev.md").read_text()


def test_rollback_does_not_allow_a_diverged_commit(env, capsys):
    base = env.commit
    running = env.new_commit("main line")
    env.fake.deployed("dev", running)
    env.checkout(base)
    diverged = env.new_commit("side branch")

    assert env.run("up", "--stack", "dev", "--rollback") == ExitCode.FAILED

    assert f"{diverged} is not an ancestor of {running}" in capsys.readouterr().err
    assert engine_calls(env) == []


def test_a_running_commit_missing_from_the_clone_asks_for_history(env, capsys):
    env.fake.deployed("dev", OTHER_COMMIT)

    assert env.run("up", "--stack", "dev") == ExitCode.USAGE

    assert "fetch-depth: 0" in capsys.readouterr().err
    assert env.report("up-dev")["outcome"] == "usage" and engine_calls(env) == []


def test_the_commit_must_be_the_checked_out_one(env, capsys):
    older = env.commit
    env.new_commit("feature")

    assert env.run("up", "--stack", "dev", commit=older) == ExitCode.USAGE

    assert f"--commit {older} is not the checked-out commit" in capsys.readouterr().err
    assert engine_calls(env) == []


# dirty working trees ---------------------------------------------------------------------------

@pytest.fixture
def dirty(env):
    (env.work / "Pulumi.dev.yaml").write_text("config:\n  aws:region: eu-west-1\n  gatehouse:environment: dev\n")
    return env


def test_a_dirty_tree_needs_allow_dirty(dirty, capsys):
    assert dirty.run("up", "--stack", "dev") == ExitCode.USAGE

    err = capsys.readouterr().err
    assert "uncommitted changes (Pulumi.dev.yaml)" in err and "--allow-dirty" in err
    assert dirty.fake.calls() == []


def test_an_untracked_file_makes_the_tree_dirty_but_an_ignored_one_does_not(env):
    (env.work / "Pulumi.pr-3.yaml").write_text("config: {}\n")  # gitignored
    assert env.run("up", "--stack", "dev") == ExitCode.OK
    (env.work / "components.py").write_text("# new program code\n")
    assert env.run("up", "--stack", "dev") == ExitCode.USAGE


def test_allow_dirty_deploys_and_the_stamp_says_dirty(dirty):
    stamp = dirty.commit + "-dirty"

    assert dirty.run("up", "--stack", "dev", "--allow-dirty") == ExitCode.OK

    assert dirty.fake.calls() == deploy(dirty, "dev", stamp=stamp)
    assert tag(dirty) == stamp
    saved = dirty.report("up-dev")
    assert saved["commit"] == stamp
    jsonschema.Draft202012Validator(load_schema()).validate(saved)


def test_a_dirty_tree_is_refused_in_ci_even_with_allow_dirty(dirty, monkeypatch, capsys):
    monkeypatch.setenv("CI", "true")

    assert dirty.run("up", "--stack", "dev", "--allow-dirty") == ExitCode.FAILED

    assert "with CI set only committed code deploys" in capsys.readouterr().err
    assert dirty.fake.calls() == [] and dirty.report("up-dev")["outcome"] == "failed"


def test_a_dirty_stamp_is_an_ancestor_of_its_commit(dirty):
    """The next clean deploy of the same or a later commit goes over a -dirty stamp."""
    dirty.fake.deployed("dev", dirty.commit + "-dirty")
    (dirty.work / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: us-east-1\n  gatehouse:environment: dev\n")

    assert dirty.run("up", "--stack", "dev") == ExitCode.OK
    assert tag(dirty) == dirty.commit


def test_promote_never_moves_a_dirty_tree(dirty, capsys):
    dirty.fake.deployed("dev", dirty.commit)

    assert dirty.run("promote", "--from", "dev", "--to", "staging", "--allow-dirty") == ExitCode.FAILED

    assert "cannot promote a dirty working tree" in capsys.readouterr().err
    assert dirty.fake.calls() == []


def test_the_clis_own_secrets_keys_in_a_stack_file_do_not_make_it_dirty(env):
    """PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER restores them into the file during a run."""
    stack_file = env.work / "Pulumi.dev.yaml"
    stack_file.write_text("secretsprovider: awskms://alias/gatehouse\nencryptedkey: a2V5\n"
                          + stack_file.read_text())

    assert env.run("up", "--stack", "dev") == ExitCode.OK
    assert tag(env) == env.commit


def test_a_config_change_beside_the_secrets_keys_is_still_dirty(env):
    stack_file = env.work / "Pulumi.dev.yaml"
    stack_file.write_text("secretsprovider: awskms://alias/gatehouse\n"
                          + stack_file.read_text().replace("us-east-1", "eu-west-1"))

    assert env.run("up", "--stack", "dev") == ExitCode.USAGE


def test_the_plan_applied_and_the_report_dir_are_not_uncommitted_program_code(env):
    """A workflow downloads the approved plan into the checkout and writes reports there."""
    plan = env.work / "artifacts" / "dev.plan"
    plan.parent.mkdir()
    plan.write_text('{"stack": "dev"}')
    env.reports = env.work / "out" / "reports"

    assert env.run("up", "--stack", "dev", "--plan", str(plan)) == ExitCode.OK
    assert env.run("up", "--stack", "dev", "--plan", str(plan)) == ExitCode.OK  # reports now exist

    (plan.parent / "other.py").write_text("# not the plan\n")
    assert env.run("up", "--stack", "dev", "--plan", str(plan)) == ExitCode.USAGE


# what the CLI recorded, beside our tag ---------------------------------------------------------

def test_a_manual_update_from_a_newer_commit_is_not_overwritten(env, capsys):
    """`pulumi up` by hand leaves our tag behind; the CLI's git.head of that update still counts."""
    ours = env.commit
    manual = env.new_commit("deployed by hand")
    env.fake.deployed("dev", ours, git_head=manual)
    env.checkout(ours)
    env.new_commit("a branch off the older commit")

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    assert f"dev runs {manual} (the git HEAD of its last update)" in capsys.readouterr().err
    assert engine_calls(env) == []


def test_a_stack_deployed_by_hand_before_the_pipeline_is_checked_too(env):
    older = env.commit
    env.fake.deployed("dev", None, git_head=env.new_commit("by hand"))
    env.checkout(older)

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED


def test_a_manual_update_from_an_unpushed_commit_blocks_with_a_reason(env, capsys):
    env.fake.deployed("dev", env.commit, git_head=OTHER_COMMIT)

    assert env.run("up", "--stack", "dev") == ExitCode.USAGE

    assert "deployed from a commit that was never pushed" in capsys.readouterr().err


@pytest.mark.parametrize("recorded", ["main", "HEAD", "HEAD~3", "v1.2.0", "0123abc-extra"])
def test_a_recorded_commit_that_is_not_a_hash_is_refused(env, recorded, capsys):
    env.fake.deployed("dev", recorded)

    assert env.run("up", "--stack", "dev") == ExitCode.FAILED

    assert "which is not a commit hash" in capsys.readouterr().err
    assert engine_calls(env) == []


def test_a_report_dir_pointed_at_the_program_excuses_only_report_files(env):
    (env.work / "components.py").write_text("# uncommitted program code\n")
    env.reports = env.work

    assert env.run("up", "--stack", "dev") == ExitCode.USAGE


def test_a_project_below_the_repository_root_reads_its_own_committed_stack_file(env):
    from pipeline_fakes import git
    nested = env.work / "infra"
    nested.mkdir()
    for item in ("Pulumi.yaml", "Pulumi.dev.yaml", "policies"):
        git(env.work, "mv", item, f"infra/{item}")
    env.new_commit("project moves to infra/")
    env.work = nested
    stack_file = nested / "Pulumi.dev.yaml"
    stack_file.write_text("secretsprovider: awskms://alias/gatehouse\n" + stack_file.read_text())

    assert env.run("up", "--stack", "dev") == ExitCode.OK
