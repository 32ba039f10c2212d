"""The GitOps workflows, proven offline: linters, schemas, and the structure the design needs.

GIVEN the files under .github/, WHEN they are linted and read, THEN they are clean under zizmor,
actionlint and GitHub's JSON schemas, and they wire the pipeline the way docs/github-setup.md
describes: every cloud operation through `python -m pipeline` (so the policy pack is always
attached), OIDC only where a job needs AWS, never for forks, one update per stack at a time.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from workflows_support.expressions import evaluate
from workflows_support.files import (
    GITHUB_DIR,
    REPO,
    action_files,
    actions,
    all_steps,
    is_local,
    job_steps,
    local_action,
    uses_lines,
    workflow_files,
    workflows,
)

from pipeline.exit_codes import ExitCode

BIN = Path(sys.executable).parent
SHA = re.compile(r"^[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^v\d+(\.\d+){0,2}$")
AWS_ACTION = "aws-actions/configure-aws-credentials"
PYTHON = ".venv/bin/python"
REVIEW_LABEL = "review-stack"
SAME_REPO = "octo/gatehouse"

WORKFLOWS = workflows()
ACTIONS = actions()


def _stacks() -> list[str]:
    """Long-lived stacks, as declared by the Pulumi.<stack>.yaml files."""
    names = [path.name[len("Pulumi.") : -len(".yaml")] for path in REPO.glob("Pulumi.*.yaml")]
    return sorted(name for name in names if not name.startswith("pr-"))


def _run_tool(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    tool = BIN / name
    assert tool.exists(), f"{tool} is missing: run `make test` to build the virtualenv"
    return subprocess.run(
        [str(tool), *args], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )


def _pipeline_commands(run: str) -> list[list[str]]:
    """argv after `python -m pipeline` for each pipeline call in a `run:` script."""
    commands = []
    for line in run.splitlines():
        words = shlex.split(line.split("||")[0]) if "-m pipeline" in line else []
        if words:
            assert words[:3] == [PYTHON, "-m", "pipeline"], f"unexpected pipeline call: {line}"
            commands.append(words[3:])
    return commands


def _job_commands(workflow: str, job: str) -> list[list[str]]:
    steps = job_steps(WORKFLOWS[workflow]["jobs"][job], job)
    return [command for step in steps for command in _pipeline_commands(step.run)]


def _uses(job: dict) -> list[str]:
    return [step.get("uses", "") for step in job.get("steps", [])]


def _assumes_aws_role(job: dict) -> bool:
    return any(ref.startswith(f"{AWS_ACTION}@") for ref in _uses(job))


def _all_jobs():
    for name, workflow in WORKFLOWS.items():
        for job_id, job in workflow["jobs"].items():
            yield name, job_id, job


# --- the linters and schemas ---------------------------------------------------------------


def test_zizmor_offline_finds_nothing_at_its_default_persona():
    result = _run_tool("zizmor", "--offline", "--format", "json", str(GITHUB_DIR))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []
    audited = re.findall(r"completed (\S+)", result.stderr)
    assert len(audited) == len(workflow_files()) + len(action_files()) + 1  # + dependabot.yml


def test_actionlint_reports_nothing():
    result = _run_tool("actionlint", "-format", "{{json .}}", *map(str, workflow_files()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == []


@pytest.mark.parametrize(
    ("schema", "files"),
    [
        ("vendor.github-workflows", workflow_files()),
        ("vendor.github-actions", action_files()),
        ("vendor.dependabot", [GITHUB_DIR / "dependabot.yml"]),
    ],
    ids=["workflows", "actions", "dependabot"],
)
def test_files_validate_against_githubs_schema(schema, files):
    assert files, f"nothing to validate against {schema}"
    result = _run_tool(
        "check-jsonschema", "--builtin-schema", schema, "-o", "json", *map(str, files)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout) == {"status": "ok", "errors": []}


# --- triggers ------------------------------------------------------------------------------


def test_the_five_workflows_exist():
    assert set(WORKFLOWS) == {"pull-request", "deploy", "review-stack", "drift", "policy-pack"}


def test_no_workflow_runs_pr_code_with_a_privileged_trigger():
    for name, workflow in WORKFLOWS.items():
        assert not {"pull_request_target", "workflow_run"} & set(workflow["on"]), name


def test_triggers():
    on = {name: workflow["on"] for name, workflow in WORKFLOWS.items()}
    assert on["pull-request"] == {"pull_request": {"branches": ["main"]}}
    assert on["deploy"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert set(on["review-stack"]) == {"pull_request"}
    assert {"labeled", "unlabeled", "synchronize", "closed"} <= set(
        on["review-stack"]["pull_request"]["types"]
    )
    assert set(on["drift"]) == {"schedule", "workflow_dispatch"}
    assert len(on["drift"]["schedule"][0]["cron"].split()) == 5
    policy = on["policy-pack"]
    assert "workflow_call" in policy
    for event in ("push", "pull_request"):
        assert "policies/**" in policy[event]["paths"]


# --- jobs, order, environments, concurrency ------------------------------------------------


def test_deploy_goes_dev_then_staging_then_prod_after_the_policy_pack():
    jobs = WORKFLOWS["deploy"]["jobs"]
    assert jobs["policy-pack"]["uses"] == "$/.github/workflows/policy-pack.yml"
    assert jobs["dev"]["needs"] == ["policy-pack"]
    assert jobs["staging"]["needs"] == ["dev"]
    assert jobs["prod"]["needs"] == ["staging"]
    assert {job: jobs[job].get("environment") for job in ("dev", "staging", "prod")} == {
        "dev": "dev",
        "staging": "staging",
        "prod": "prod",
    }
    for job in ("dev", "staging", "prod"):
        assert jobs[job]["if"] == "github.ref == 'refs/heads/main'"


def test_deploy_commands_are_exactly_up_then_promotions():
    assert _job_commands("deploy", "dev") == [["up", "--stack", "dev"]]
    assert _job_commands("deploy", "staging") == [["promote", "--from", "dev", "--to", "staging"]]
    assert _job_commands("deploy", "prod") == [["promote", "--from", "staging", "--to", "prod"]]


def test_one_concurrency_group_per_stack_never_cancelling_an_update():
    deploy = WORKFLOWS["deploy"]["jobs"]
    groups = {}
    for job in ("dev", "staging", "prod"):
        assert deploy[job]["concurrency"]["cancel-in-progress"] is False
        groups[job] = deploy[job]["concurrency"]["group"]
    assert groups == {"dev": "pulumi-dev", "staging": "pulumi-staging", "prod": "pulumi-prod"}

    review = WORKFLOWS["review-stack"]["jobs"]
    assert review["up"]["concurrency"] == review["destroy"]["concurrency"]
    assert review["up"]["concurrency"]["cancel-in-progress"] is False
    assert "github.event.pull_request.number" in review["up"]["concurrency"]["group"]

    # Drift has its own group: a queued job displaces the queued one in a group, and a drift
    # check must never displace a deploy.
    drift = WORKFLOWS["drift"]["jobs"]["drift"]["concurrency"]
    assert not drift["group"].startswith("pulumi-")
    assert drift["cancel-in-progress"] is False


def test_pull_request_runs_check_for_every_stack_and_previews_after_tests_and_check():
    jobs = WORKFLOWS["pull-request"]["jobs"]
    stacks = _stacks()
    assert stacks, "no Pulumi.<stack>.yaml files found"
    for job in ("check", "preview"):
        assert sorted(jobs[job]["strategy"]["matrix"]["stack"]) == stacks
        assert jobs[job]["strategy"]["fail-fast"] is False
    assert sorted(WORKFLOWS["drift"]["jobs"]["drift"]["strategy"]["matrix"]["stack"]) == stacks
    assert _job_commands("pull-request", "check") == [["check", "--stack", "$STACK"]]
    assert _job_commands("pull-request", "preview") == [["preview", "--stack", "$STACK"]]
    assert sorted(jobs["preview"]["needs"]) == ["check", "test"]
    assert jobs["preview"]["environment"] == "${{ matrix.stack }}-preview"
    runs = [step.run for step in job_steps(jobs["test"], "test")]
    assert "make lint" in runs and "make test" in runs


def test_check_reports_and_sarif_go_to_the_pr_and_code_scanning():
    for job, command in (("check", "check"), ("preview", "preview")):
        steps = job_steps(WORKFLOWS["pull-request"]["jobs"][job], job)
        sarif = [s for s in steps if s.action == "github/codeql-action/upload-sarif"]
        assert len(sarif) == 1
        assert sarif[0].inputs["sarif_file"] == f"reports/{command}-${{{{ matrix.stack }}}}.sarif"
        assert sarif[0].inputs["category"] == f"{command}-${{{{ matrix.stack }}}}"
        report = [s for s in steps if local_action(s.uses) == "report"]
        assert len(report) == 1 and report[0].body["if"] == "${{ !cancelled() }}"
        assert f"reports/{command}-${{{{ matrix.stack }}}}.md" in report[0].inputs["files"]


def test_review_stack_commands():
    assert _job_commands("review-stack", "up") == [["review", "--pr", "$PR_NUMBER"]]
    assert _job_commands("review-stack", "destroy") == [
        ["review", "--pr", "$PR_NUMBER", "--destroy"]
    ]
    for job in ("up", "destroy"):
        assert WORKFLOWS["review-stack"]["jobs"][job]["environment"] == "review"


def test_drift_command_and_exit_code_handling():
    job = WORKFLOWS["drift"]["jobs"]["drift"]
    assert _job_commands("drift", "drift") == [["drift", "--stack", "$STACK"]]
    steps = {step.body.get("name"): step for step in job_steps(job, "drift")}
    drift = f"'{int(ExitCode.DRIFT)}'"
    issue = steps["Open, update or close the drift issue"]
    assert issue.body["if"] == (
        f"steps.drift.outputs.exit-code == '0' || steps.drift.outputs.exit-code == {drift}"
    )
    for command in ("gh issue create", "gh issue edit", "gh issue comment", "gh issue close"):
        assert command in issue.run
    fail = steps["Fail on errors other than drift"]
    assert fail.body["if"] == (
        f"steps.drift.outputs.exit-code != '0' && steps.drift.outputs.exit-code != {drift}"
    )
    assert 'exit "$EXIT_CODE"' in fail.run


@pytest.mark.parametrize(
    ("code", "opens_issue", "fails"),
    [(0, False, False), (int(ExitCode.DRIFT), True, False)]
    + [(int(code), False, True) for code in ExitCode if code not in (0, ExitCode.DRIFT)],
)
def test_drift_exit_codes_route_to_issue_or_failure(code, opens_issue, fails):
    steps = {s.body.get("name"): s for s in job_steps(WORKFLOWS["drift"]["jobs"]["drift"], "")}
    context = {"steps": {"drift": {"outputs": {"exit-code": str(code)}}}}
    issue_step_runs = evaluate(steps["Open, update or close the drift issue"].body["if"], context)
    fail_step_runs = evaluate(steps["Fail on errors other than drift"].body["if"], context)
    assert fail_step_runs is fails
    assert issue_step_runs is (not fails)
    assert (issue_step_runs and code == ExitCode.DRIFT) is opens_issue


# --- who gets credentials ------------------------------------------------------------------


def _pr_event(action="synchronize", labels=(), label=None, fork=False, author="octocat"):
    head = "someone/gatehouse" if fork else SAME_REPO
    event = {
        "action": action,
        "pull_request": {
            "number": 12,
            "user": {"login": author},
            "head": {"repo": {"full_name": head}},
            "labels": [{"name": name} for name in labels],
        },
    }
    if label is not None:
        event["label"] = {"name": label}
    return {"github": {"repository": SAME_REPO, "event": event}}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (_pr_event("labeled", [REVIEW_LABEL], REVIEW_LABEL), {"up"}),
        (_pr_event("labeled", [REVIEW_LABEL, "docs"], "docs"), set()),
        (_pr_event("synchronize", [REVIEW_LABEL]), {"up"}),
        (_pr_event("reopened", [REVIEW_LABEL]), {"up"}),
        (_pr_event("synchronize", ["docs"]), set()),
        (_pr_event("unlabeled", [], REVIEW_LABEL), {"destroy"}),
        (_pr_event("unlabeled", [REVIEW_LABEL], "docs"), set()),
        (_pr_event("closed", [REVIEW_LABEL]), {"destroy"}),
        (_pr_event("closed", ["docs"]), set()),
        (_pr_event("labeled", [REVIEW_LABEL], REVIEW_LABEL, fork=True), set()),
        (_pr_event("closed", [REVIEW_LABEL], fork=True), set()),
    ],
    ids=[
        "labelled",
        "other-label-added",
        "push-while-labelled",
        "reopened-while-labelled",
        "push-unlabelled",
        "label-removed",
        "other-label-removed",
        "closed-while-labelled",
        "closed-unlabelled",
        "fork-labelled",
        "fork-closed",
    ],
)
def test_review_stack_jobs_run_for_the_right_events(event, expected):
    jobs = WORKFLOWS["review-stack"]["jobs"]
    assert {job for job in ("up", "destroy") if evaluate(jobs[job]["if"], event)} == expected


@pytest.mark.parametrize(
    ("event", "trusted"),
    [
        (_pr_event(), True),
        (_pr_event(fork=True), False),
        (_pr_event(author="dependabot[bot]"), False),
    ],
    ids=["same-repo", "fork", "dependabot"],
)
def test_previews_comments_and_sarif_only_for_trusted_pull_requests(event, trusted):
    workflow = WORKFLOWS["pull-request"]
    assert evaluate(workflow["jobs"]["preview"]["if"], event) is trusted
    assert evaluate(workflow["env"]["TRUSTED_PR"], event) is trusted
    check = job_steps(workflow["jobs"]["check"], "check")
    gated = [s for s in check if s.action == "github/codeql-action/upload-sarif"]
    assert all("env.TRUSTED_PR == 'true'" in step.body["if"] for step in gated)
    report = next(s for s in check if local_action(s.uses) == "report")
    assert report.inputs["pr-number"].startswith("${{ env.TRUSTED_PR == 'true' &&")


def test_every_job_that_assumes_an_aws_role_is_bound_to_an_environment_and_gated():
    cloud_jobs = [
        (name, job_id, job) for name, job_id, job in _all_jobs() if _assumes_aws_role(job)
    ]
    assert {(name, job_id) for name, job_id, _ in cloud_jobs} == {
        ("pull-request", "preview"),
        ("deploy", "dev"),
        ("deploy", "staging"),
        ("deploy", "prod"),
        ("review-stack", "up"),
        ("review-stack", "destroy"),
        ("drift", "drift"),
    }
    for name, job_id, job in cloud_jobs:
        assert job.get("environment"), f"{name}:{job_id} has no environment"
        if "pull_request" in WORKFLOWS[name]["on"]:
            assert "github.event.pull_request.head.repo.full_name == github.repository" in job["if"]
        else:
            assert job["if"] == "github.ref == 'refs/heads/main'", f"{name}:{job_id}"
        step = next(s for s in job["steps"] if s.get("uses", "").startswith(f"{AWS_ACTION}@"))
        assert step["with"]["role-to-assume"] == "${{ vars.AWS_ROLE_ARN }}"


# --- permissions ---------------------------------------------------------------------------


def test_permissions_are_empty_at_workflow_level_and_explicit_per_job():
    for name, workflow in WORKFLOWS.items():
        assert workflow["permissions"] == {}, name
        for job_id, job in workflow["jobs"].items():
            permissions = job.get("permissions")
            assert isinstance(permissions, dict), f"{name}:{job_id} must list its permissions"
            assert set(permissions.values()) <= {"read", "write"}, f"{name}:{job_id}"


def test_id_token_write_only_where_an_aws_role_is_assumed():
    for name, job_id, job in _all_jobs():
        has_id_token = job.get("permissions", {}).get("id-token") == "write"
        assert has_id_token is _assumes_aws_role(job), f"{name}:{job_id}"


def test_write_scopes_are_the_ones_each_job_needs():
    allowed = {"id-token", "pull-requests", "security-events", "issues"}
    for name, job_id, job in _all_jobs():
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes <= allowed, f"{name}:{job_id} writes {writes - allowed}"
        assert "contents" not in writes
    assert WORKFLOWS["drift"]["jobs"]["drift"]["permissions"]["issues"] == "write"


def test_jobs_with_cloud_credentials_never_restore_a_cache():
    for name, job_id, job in _all_jobs():
        setup = [s for s in job.get("steps", []) if local_action(s.get("uses", "")) == "setup"]
        if _assumes_aws_role(job):
            assert all((s.get("with") or {}).get("cache", "false") == "false" for s in setup), (
                f"{name}:{job_id}"
            )
            assert all((s.get("with") or {}).get("pulumi") == "true" for s in setup)


# --- supply chain and injection --------------------------------------------------------------


def test_every_remote_action_is_pinned_to_a_full_sha_with_its_version():
    pins: dict[str, set[tuple[str, str]]] = {}
    refs = list(uses_lines())
    assert refs
    for path, line, ref, comment in refs:
        where = f"{path.relative_to(REPO)}:{line}"
        if is_local(ref):
            assert (REPO / ref[2:]).exists(), f"{where}: {ref} does not exist"
            continue
        action, _, sha = ref.partition("@")
        assert SHA.match(sha), f"{where}: {ref} is not pinned to a full commit SHA"
        assert comment and VERSION_COMMENT.match(comment), f"{where}: no `# vX.Y.Z` comment"
        pins.setdefault("/".join(action.split("/")[:2]), set()).add((sha, comment))
    inconsistent = {action: versions for action, versions in pins.items() if len(versions) > 1}
    assert not inconsistent, f"one action pinned to several versions: {inconsistent}"


def test_every_job_checks_out_first_without_persisting_credentials():
    for name, job_id, job in _all_jobs():
        if "uses" in job:  # a reusable-workflow call has no steps of its own
            continue
        first = job_steps(job, job_id)[0]
        assert first.action == "actions/checkout", f"{name}:{job_id}"
    checkouts = [step for step in all_steps() if step.action == "actions/checkout"]
    for step in checkouts:
        assert step.inputs.get("persist-credentials") is False, step.owner


def test_no_expression_is_interpolated_into_a_shell_script():
    for step in all_steps():
        assert "${{" not in step.run, f"{step.owner}: pass values to `run:` through env"


def test_no_long_lived_cloud_keys():
    forbidden = re.compile(r"AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id|aws-secret")
    for path in workflow_files() + action_files():
        assert not forbidden.search(path.read_text(encoding="utf-8")), path


def test_pulumi_runs_only_through_the_pipeline_so_the_policy_pack_is_always_attached():
    direct = re.compile(r"(^|[\s;&|(])pulumi\s+\w")
    for step in all_steps():
        assert not direct.search(step.run), f"{step.owner} calls the pulumi CLI directly"
        if step.action == "pulumi/actions":
            assert set(step.inputs) == {"pulumi-version"}, "pulumi/actions must only install"


def test_the_pulumi_cli_matches_the_locked_sdk():
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    sdk = re.search(r"^pulumi==(\S+)", lock, re.MULTILINE)
    assert sdk
    install = next(
        s for s in job_steps(ACTIONS["setup"]["runs"], "setup") if s.action == "pulumi/actions"
    )
    assert install.inputs["pulumi-version"] == sdk[1]


def test_every_pulumi_workflow_points_the_pipeline_at_the_installed_cli(tmp_path, monkeypatch):
    from pipeline.automation.workspace import PULUMI_COMMAND_ENV, locate_cli

    for name, workflow in WORKFLOWS.items():
        installs = any(
            (step.get("with") or {}).get("pulumi") == "true"
            for job in workflow["jobs"].values()
            for step in job.get("steps", [])
            if local_action(step.get("uses", "")) == "setup"
        )
        if installs:
            assert workflow["env"][PULUMI_COMMAND_ENV] == "~/.pulumi/bin/pulumi", name
    # The path the setup action leaves the CLI at is one the pipeline accepts.
    cli = tmp_path / ".pulumi" / "bin" / "pulumi"
    cli.parent.mkdir(parents=True)
    cli.write_text("#!/bin/sh\n")
    cli.chmod(0o755)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert locate_cli("~/.pulumi/bin/pulumi") == cli


def test_pipeline_commands_parse_with_the_real_cli():
    from pipeline.cli import build_parser

    commands = [c for s in all_steps() for c in _pipeline_commands(s.run)]
    assert {command[0] for command in commands} == {
        "check",
        "preview",
        "up",
        "promote",
        "review",
        "drift",
    }
    for command in commands:
        argv = [word.replace("$STACK", "dev").replace("$PR_NUMBER", "12") for word in command]
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as error:  # argparse has printed the reason on stderr
            pytest.fail(f"`python -m pipeline {' '.join(argv)}` does not parse ({error})")
        assert callable(args.run)


def test_setup_builds_the_virtualenv_through_the_makefiles_own_rule():
    steps = job_steps(ACTIONS["setup"]["runs"], "setup")
    build = next(step for step in steps if step.run.startswith("make "))
    # `make -n` resolves the target without running it: a renamed stamp fails here.
    dry_run = build.run.replace("make ", "make -n ", 1)
    result = subprocess.run(
        ["bash", "-c", dry_run], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr


def test_policy_pack_workflow_runs_the_packs_tests_then_checks_every_stack():
    steps = job_steps(WORKFLOWS["policy-pack"]["jobs"]["test"], "test")
    runs = [step.run for step in steps if step.run]
    assert runs[-1] == "make check"
    words = shlex.split(runs[-2])
    assert words[:3] == [PYTHON, "-m", "pytest"]
    for pattern in words[3:]:
        assert list(REPO.glob(pattern)), f"{pattern} matches no test file"


# --- dependabot ----------------------------------------------------------------------------


def test_dependabot_keeps_actions_and_python_dependencies_fresh():
    from workflows_support.files import load_yaml

    config = load_yaml(GITHUB_DIR / "dependabot.yml")
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert "/.github/actions/*" in updates["github-actions"]["directories"]
    for update in updates.values():
        assert update["cooldown"]["default-days"] >= 1
