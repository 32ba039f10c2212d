"""The GitOps workflows, proven offline: linters, schemas, and the structure the design needs.

GIVEN the files under .github/, WHEN they are linted and read, THEN they are clean under zizmor,
actionlint and GitHub's JSON schemas, and they wire the pipeline the way docs/github-setup.md
describes: every cloud operation through `python -m pipeline` (so the policy pack is always
attached), OIDC only where a job needs AWS, never for forks, one Pulumi operation per stack at a
time, and on main only the plan a preview saved is ever applied. Where a guard lives in a
`run:` script, the script itself runs against stand-in commands (workflows_support.shell).
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from workflows_support.expressions import evaluate, interpolate, value_of
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
from workflows_support.shell import run_step

from pipeline.exit_codes import ExitCode

BIN = Path(sys.executable).parent
SHA = re.compile(r"^[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^v\d+(\.\d+){0,2}$")
AWS_ACTION = "aws-actions/configure-aws-credentials"
PYTHON = ".venv/bin/python"
REVIEW_LABEL = "review-stack"
SAME_REPO = "octo/gatehouse"
STAGE = "$/.github/workflows/stage.yml"
# Commands that change a stack: the workflows that run them set CI, so a dirty tree is refused.
MUTATING = {"up", "promote", "review", "init"}

WORKFLOWS = workflows()
ACTIONS = actions()


def _stacks() -> list[str]:
    """Long-lived stacks, as declared by the Pulumi.<stack>.yaml files."""
    names = [path.name[len("Pulumi.") : -len(".yaml")] for path in REPO.glob("Pulumi.*.yaml")]
    return sorted(name for name in names if not name.startswith("pr-"))


def _promotion_order() -> list[str]:
    return yaml.safe_load((REPO / "pipeline" / "promotion.yaml").read_text(encoding="utf-8"))[
        "order"
    ]


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
        # The command ends where a pipe or `||` starts (`... | tee`, `... || code=$?`).
        words = shlex.split(line.split("|")[0]) if "-m pipeline" in line else []
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


def _called(job: dict) -> dict | None:
    """The workflow a reusable-workflow call runs (`uses: $/.github/workflows/x.yml`)."""
    uses = job.get("uses", "")
    return WORKFLOWS[Path(uses).stem] if uses else None


def _all_jobs():
    for name, workflow in WORKFLOWS.items():
        for job_id, job in workflow["jobs"].items():
            yield name, job_id, job


def _step(job: dict, name: str):
    return next(step for step in job_steps(job, "") if step.body.get("name") == name)


def _stage_calls() -> dict[str, dict]:
    """deploy.yml's stage jobs by stack."""
    return {
        job["with"]["stack"]: job
        for job in WORKFLOWS["deploy"]["jobs"].values()
        if job.get("uses") == STAGE
    }


def _stage_context(stack: str, promote_from: str = "") -> dict:
    return {"inputs": {"stack": stack, "promote-from": promote_from}, "runner": {"temp": "/rt"}}


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
    assert (BIN / "check-jsonschema").exists(), "check-jsonschema is missing: run `make test`"
    # The installed command's own entry point, in this process: its start (about a second of
    # imports) was most of each case, and what is checked is the files, not the tool's process.
    from check_jsonschema import main
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["--builtin-schema", schema, "-o", "json", *map(str, files)])
    assert result.exit_code == 0, f"{schema}: {result.output}{result.exception or ''}"
    assert json.loads(result.stdout) == {"status": "ok", "errors": []}, schema


# --- triggers ------------------------------------------------------------------------------


def test_the_workflows_exist():
    assert set(WORKFLOWS) == {
        "pull-request",
        "deploy",
        "stage",
        "bootstrap",
        "review-stack",
        "review-sweep",
        "drift",
        "policy-pack",
    }


def test_no_workflow_runs_pr_code_with_a_privileged_trigger():
    for name, workflow in WORKFLOWS.items():
        assert not {"pull_request_target", "workflow_run"} & set(workflow["on"]), name


def test_triggers():
    on = {name: workflow["on"] for name, workflow in WORKFLOWS.items()}
    assert on["pull-request"] == {"pull_request": {"branches": ["main"]}}
    assert on["deploy"] == {"push": {"branches": ["main"]}, "workflow_dispatch": None}
    assert set(on["stage"]) == {"workflow_call"}
    assert on["stage"]["workflow_call"]["inputs"]["stack"]["required"] is True
    assert on["stage"]["workflow_call"]["inputs"]["promote-from"]["default"] == ""
    assert on["bootstrap"] == {"workflow_dispatch": None}
    assert set(on["review-stack"]) == {"pull_request"}
    assert {"labeled", "unlabeled", "synchronize", "closed"} <= set(
        on["review-stack"]["pull_request"]["types"]
    )
    for scheduled in ("drift", "review-sweep"):
        assert set(on[scheduled]) == {"schedule", "workflow_dispatch"}
        assert len(on[scheduled]["schedule"][0]["cron"].split()) == 5
    policy = on["policy-pack"]
    assert "workflow_call" in policy
    for event in ("push", "pull_request"):
        assert "policies/**" in policy[event]["paths"]


# --- deploy: stages, plans, order ------------------------------------------------------------


def test_deploy_runs_one_stage_per_stack_in_promotion_order_after_the_policy_pack():
    jobs = WORKFLOWS["deploy"]["jobs"]
    assert jobs["policy-pack"]["uses"] == "$/.github/workflows/policy-pack.yml"
    stages = _stage_calls()
    order = _promotion_order()
    assert sorted(order) == _stacks(), "promotion.yaml and the Pulumi.<stack>.yaml files disagree"
    assert list(stages) == order
    previous = "policy-pack"
    for index, stack in enumerate(order):
        job_id = next(job_id for job_id, job in jobs.items() if job is stages[stack])
        assert stages[stack]["needs"] == [previous], stack
        assert stages[stack]["if"] == "github.ref == 'refs/heads/main'"
        assert stages[stack]["with"].get("promote-from", "") == (order[index - 1] if index else "")
        previous = job_id


def test_stage_previews_ungated_then_applies_in_the_stacks_environment():
    jobs = WORKFLOWS["stage"]["jobs"]
    assert jobs["apply"]["needs"] == ["preview"]
    for stack in _stacks():
        context = _stage_context(stack)
        # The preview only reads: the read-only role of the `<stack>-preview` environment.
        assert interpolate(jobs["preview"]["environment"], context) == f"{stack}-preview"
        # The apply job is the one bound to the stack's own environment (prod: required reviewers).
        assert interpolate(jobs["apply"]["environment"]["name"], context) == stack
    assert jobs["apply"]["environment"]["url"] == "${{ steps.apply.outputs.url }}"
    assert (
        _step(jobs["apply"], "Apply the approved plan with the policy pack").body["id"] == "apply"
    )


@pytest.mark.parametrize(
    ("stack", "promote_from", "name", "argv"),
    [
        ("dev", "", "up dev", ["up", "--stack", "dev"]),
        (
            "staging",
            "dev",
            "promote dev to staging",
            ["promote", "--from", "dev", "--to", "staging"],
        ),
        (
            "prod",
            "staging",
            "promote staging to prod",
            ["promote", "--from", "staging", "--to", "prod"],
        ),
    ],
)
def test_the_apply_job_applies_the_saved_plan_with_up_or_promote(
    tmp_path, stack, promote_from, name, argv
):
    jobs = WORKFLOWS["stage"]["jobs"]
    assert value_of(jobs["apply"]["name"], _stage_context(stack, promote_from)) == name
    step = _step(jobs["apply"], "Apply the approved plan with the policy pack")
    run = run_step(step.run, tmp_path, env={"STACK": stack, "FROM": promote_from})
    assert run.returncode == 0, run.stderr
    plan = str(tmp_path / "runner-temp" / f"plan-{stack}.json")
    assert run.calls_to("python") == [["-m", "pipeline", *argv, "--plan", plan]]
    assert step.body["env"]["STACK"] == "${{ inputs.stack }}"
    assert step.body["env"]["FROM"] == "${{ inputs.promote-from }}"


def test_the_apply_job_verifies_the_stack_live_so_the_next_stage_may_promote_it(tmp_path):
    # `promote` refuses a source stack whose gatehouse:verified is not the commit promoted.
    apply = WORKFLOWS["stage"]["jobs"]["apply"]
    verify = _step(apply, "Verify the deployed stack live")
    assert "if" not in verify.body  # only after an apply that succeeded
    run = run_step(verify.run, tmp_path, env={"STACK": "staging"})
    assert run.calls_to("python") == [["-m", "pipeline", "verify", "--stack", "staging"]]
    names = [step.body.get("name") for step in job_steps(apply, "apply")]
    assert names.index("Apply the approved plan with the policy pack") < names.index(
        verify.body["name"]
    )
    assert "reports/verify-${{ inputs.stack }}.md" in _step(apply, "Report").inputs["files"]


def test_the_plan_the_preview_saves_is_exactly_the_one_the_apply_job_downloads(tmp_path):
    preview, apply = WORKFLOWS["stage"]["jobs"]["preview"], WORKFLOWS["stage"]["jobs"]["apply"]
    save = _step(preview, "Preview with the policy pack and save the update plan")
    run = run_step(save.run, tmp_path, env={"STACK": "prod"})
    assert run.returncode == 0, run.stderr
    saved = str(tmp_path / "runner-temp" / "plan-prod.json")
    assert run.calls_to("python") == [
        ["-m", "pipeline", "preview", "--stack", "prod", "--save-plan", saved]
    ]
    # Uploaded from that path (runner.temp is $RUNNER_TEMP), failing when the preview saved none.
    upload = _step(preview, "Upload the update plan")
    context = _stage_context("prod")
    assert interpolate(upload.inputs["path"], context) == "/rt/plan-prod.json"
    assert upload.inputs["if-no-files-found"] == "error"
    # A re-run uploads its own plan: artifact names cannot be reused within a run.
    assert interpolate(upload.inputs["name"], {**context, "github": {"run_attempt": 2}}) == (
        "plan-prod-2"
    )
    assert "if" not in upload.body  # only after a preview that passed
    # The job hands on the id of that upload, and the apply job downloads that id, nothing else.
    assert preview["outputs"]["plan-artifact-id"] == (
        f"${{{{ steps.{upload.body['id']}.outputs.artifact-id }}}}"
    )
    download = _step(apply, "Download exactly the plan the preview saved")
    assert download.action == "actions/download-artifact"
    assert download.inputs["artifact-ids"] == "${{ needs.preview.outputs.plan-artifact-id }}"
    assert "name" not in download.inputs and "pattern" not in download.inputs
    assert download.inputs.get("digest-mismatch", "error") == "error"
    assert interpolate(download.inputs["path"], context) == "/rt"
    names = [step.body.get("name") for step in job_steps(apply, "apply")]
    assert names.index(download.body["name"]) < names.index(
        "Apply the approved plan with the policy pack"
    )


@pytest.mark.parametrize(("artifact_id", "refused"), [("", True), ("4242", False)])
def test_the_apply_job_stops_before_the_download_when_the_preview_recorded_no_plan(
    tmp_path, artifact_id, refused
):
    # Without an id, download-artifact would fetch every artifact of the run.
    apply = WORKFLOWS["stage"]["jobs"]["apply"]
    guard = _step(apply, "Refuse to go on without the preview's plan")
    context = {"needs": {"preview": {"outputs": {"plan-artifact-id": artifact_id}}}}
    assert evaluate(guard.body["if"], context) is refused
    assert run_step(guard.run, tmp_path).returncode != 0
    names = [step.body.get("name") for step in job_steps(apply, "apply")]
    assert names.index(guard.body["name"]) < names.index(
        "Download exactly the plan the preview saved"
    )


def test_plans_are_kept_briefly_and_secrets_never_written_in_plain_text():
    upload = _step(WORKFLOWS["stage"]["jobs"]["preview"], "Upload the update plan")
    # A plan holds every planned input: it expires after a day (an approval must come sooner).
    assert upload.inputs["retention-days"] == 1
    for step in all_steps():
        assert "--show-secrets" not in step.run, step.owner
    # The pinned CLI needs no experimental mode for plans (see docs/github-setup.md), and
    # experimental mode turns on more than plans.
    for name, workflow in WORKFLOWS.items():
        scopes = [workflow.get("env") or {}]
        scopes += [job.get("env") or {} for job in workflow["jobs"].values()]
        scopes += [
            step.body.get("env") or {} for step in all_steps() if step.owner.startswith(f"{name}:")
        ]
        assert not any("PULUMI_EXPERIMENTAL" in env for env in scopes), name


def test_jobs_that_deploy_or_plan_fetch_all_history_to_decide_ancestry():
    stage = WORKFLOWS["stage"]["jobs"]
    for job_id in ("preview", "apply"):
        checkout = job_steps(stage[job_id], job_id)[0]
        assert checkout.action == "actions/checkout"
        assert checkout.inputs["fetch-depth"] == 0, job_id
    for name, job_id, job in _all_jobs():
        commands = (
            {command[0] for command in _job_commands(name, job_id)} if "steps" in job else set()
        )
        if commands & {"up", "promote"}:
            assert job_steps(job, job_id)[0].inputs.get("fetch-depth") == 0, f"{name}:{job_id}"


def test_workflows_that_change_stacks_set_ci_so_a_dirty_tree_is_refused():
    for name, workflow in WORKFLOWS.items():
        commands = {
            command[0]
            for job_id, job in workflow["jobs"].items()
            if "steps" in job
            for command in _job_commands(name, job_id)
        }
        if commands & MUTATING:
            assert workflow["env"]["CI"] == "true", name


def test_plans_are_never_written_into_the_checkout():
    # A plan inside the working tree would make it dirty, and the apply would be refused.
    for step in all_steps():
        for command in _pipeline_commands(step.run):
            for flag in ("--save-plan", "--plan"):
                if flag in command:
                    assert command[command.index(flag) + 1].startswith("$RUNNER_TEMP/"), step.owner


# --- one Pulumi operation per stack at a time -----------------------------------------------


def _stack_groups(stack: str) -> dict[str, dict]:
    """Every job that runs Pulumi on a long-lived stack, with its concurrency rendered for it."""
    matrix = {"matrix": {"stack": stack}}
    jobs = {
        "stage:preview": (WORKFLOWS["stage"]["jobs"]["preview"], _stage_context(stack)),
        "stage:apply": (WORKFLOWS["stage"]["jobs"]["apply"], _stage_context(stack)),
        "drift:drift": (WORKFLOWS["drift"]["jobs"]["drift"], matrix),
        "bootstrap:init": (WORKFLOWS["bootstrap"]["jobs"]["init"], matrix),
    }
    return {
        where: {**job["concurrency"], "group": interpolate(job["concurrency"]["group"], context)}
        for where, (job, context) in jobs.items()
    }


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_deploy_drift_and_bootstrap_share_the_stacks_group_and_never_cancel_or_displace(stack):
    groups = _stack_groups(stack)
    assert {group["group"] for group in groups.values()} == {f"pulumi-{stack}"}
    for where, group in groups.items():
        assert group["cancel-in-progress"] is False, where
        # Without `queue: max` a group keeps one pending job and cancels the one before it, so a
        # queued drift check would displace a queued deploy.
        assert group["queue"] == "max", where


def test_review_stacks_serialise_per_pull_request():
    review = WORKFLOWS["review-stack"]["jobs"]
    assert review["up"]["concurrency"] == review["destroy"]["concurrency"]
    assert review["up"]["concurrency"]["cancel-in-progress"] is False
    assert "github.event.pull_request.number" in review["up"]["concurrency"]["group"]
    sweep = WORKFLOWS["review-sweep"]["jobs"]["sweep"]["concurrency"]
    assert sweep["cancel-in-progress"] is False


# --- pull requests, drift, review stacks --------------------------------------------------


def test_pull_request_runs_check_for_every_stack_and_previews_after_tests_and_check():
    jobs = WORKFLOWS["pull-request"]["jobs"]
    stacks = _stacks()
    assert stacks, "no Pulumi.<stack>.yaml files found"
    for job in ("check", "preview"):
        assert sorted(jobs[job]["strategy"]["matrix"]["stack"]) == stacks
        assert jobs[job]["strategy"]["fail-fast"] is False
    for name, job in (("drift", "drift"), ("bootstrap", "init"), ("deploy", "check")):
        assert sorted(WORKFLOWS[name]["jobs"][job]["strategy"]["matrix"]["stack"]) == stacks
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


def _sarif_categories(job: dict, context: dict) -> set[str]:
    return {
        interpolate(step.inputs["category"], context)
        for step in job_steps(job, "")
        if step.action == "github/codeql-action/upload-sarif"
    }


def test_every_sarif_category_a_pull_request_uploads_also_gets_a_base_on_main():
    pull_request = WORKFLOWS["pull-request"]["jobs"]
    on_pull_requests, on_main = set(), set()
    for stack in _stacks():
        matrix = {"matrix": {"stack": stack}}
        for job in ("check", "preview"):
            on_pull_requests |= _sarif_categories(pull_request[job], matrix)
        on_main |= _sarif_categories(WORKFLOWS["deploy"]["jobs"]["check"], matrix)
        on_main |= _sarif_categories(WORKFLOWS["stage"]["jobs"]["preview"], _stage_context(stack))
    assert on_pull_requests == {
        f"{kind}-{stack}" for kind in ("check", "preview") for stack in _stacks()
    }
    assert on_pull_requests <= on_main
    assert "push" in WORKFLOWS["deploy"]["on"]
    assert _job_commands("deploy", "check") == [["check", "--stack", "$STACK"]]


def test_review_stack_commands():
    # Issue 13: a review stack is verified live too, and the result goes into the PR comment.
    assert _job_commands("review-stack", "up") == [
        ["review", "--pr", "$PR_NUMBER"], ["verify", "--stack", "pr-$PR_NUMBER"]
    ]
    report = next(s for s in WORKFLOWS["review-stack"]["jobs"]["up"]["steps"] if s.get("name") == "Report")
    assert "reports/verify-pr-${{ github.event.pull_request.number }}.md" in report["with"]["files"]
    assert _job_commands("review-stack", "destroy") == [
        ["review", "--pr", "$PR_NUMBER", "--destroy"]
    ]
    for job in ("up", "destroy"):
        environment = WORKFLOWS["review-stack"]["jobs"][job]["environment"]
        assert (environment["name"] if isinstance(environment, dict) else environment) == "review"


def test_review_stacks_keep_their_secrets_provider_through_the_destroy():
    jobs = WORKFLOWS["review-stack"]["jobs"]
    up = _step(jobs["up"], "Create or update the review stack")
    destroy = _step(jobs["destroy"], "Destroy the review stack and remove it")
    provider = "${{ vars.GATEHOUSE_SECRETS_PROVIDER }}"
    assert up.body["env"]["GATEHOUSE_SECRETS_PROVIDER"] == provider
    assert destroy.body["env"]["GATEHOUSE_SECRETS_PROVIDER"] == provider
    sweep = _step(
        WORKFLOWS["review-sweep"]["jobs"]["sweep"],
        "Destroy the review stacks of closed pull requests",
    )
    assert sweep.body["env"]["GATEHOUSE_SECRETS_PROVIDER"] == provider
    # Pulumi.pr-<n>.yaml is never committed: the CLI falls back to the provider in the state.
    for name in ("review-stack", "review-sweep"):
        assert WORKFLOWS[name]["env"]["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] == "true"


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


# --- the review sweep ----------------------------------------------------------------------


def _sweep_steps():
    job = WORKFLOWS["review-sweep"]["jobs"]["sweep"]
    return (
        job,
        _step(job, "List the open pull requests"),
        _step(job, "Destroy the review stacks of closed pull requests"),
    )


def test_the_sweep_destroys_the_stacks_of_every_pull_request_not_listed_as_open(tmp_path):
    job, listing, sweep = _sweep_steps()
    assert job["permissions"] == {"contents": "read", "pull-requests": "read", "id-token": "write"}
    assert listing.body["env"]["GH_TOKEN"] == "${{ github.token }}"
    run = run_step(
        listing.run, tmp_path, env={"GH_REPO": SAME_REPO}, stand_ins={"gh": ("12\n15\n", 0)}
    )
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"numbers": "12 15"}
    # Every page of open pull requests, through the REST API.
    (call,) = run.calls_to("gh")
    assert call[:2] == ["api", "--paginate"] and "state=open" in call[2]
    # The sweep step gets exactly that list, quoted as one argument.
    assert sweep.body["env"]["OPEN_PRS"] == f"${{{{ steps.{listing.body['id']}.outputs.numbers }}}}"
    swept = run_step(sweep.run, tmp_path / "sweep", env={"OPEN_PRS": "12 15"})
    assert swept.calls_to("python") == [
        ["-m", "pipeline", "review", "--sweep", "--open-prs", "12 15"]
    ]
    names = [step.body.get("name") for step in job_steps(job, "sweep")]
    assert names.index(listing.body["name"]) < names.index(sweep.body["name"])


def test_with_no_open_pull_request_the_list_is_empty_and_still_passed(tmp_path):
    _, listing, sweep = _sweep_steps()
    run = run_step(listing.run, tmp_path, env={"GH_REPO": SAME_REPO}, stand_ins={"gh": ("", 0)})
    assert run.returncode == 0, run.stderr
    assert run.outputs == {"numbers": ""}
    swept = run_step(sweep.run, tmp_path / "sweep", env={"OPEN_PRS": ""})
    assert swept.calls_to("python") == [["-m", "pipeline", "review", "--sweep", "--open-prs", ""]]


@pytest.mark.parametrize(
    ("gh_output", "gh_code"),
    [("12\n", 1), ("12\nnot-a-number\n", 0), ("12; rm -rf /\n", 0)],
    ids=["api-fails", "garbage", "injection"],
)
def test_a_failed_or_odd_listing_stops_the_job_before_anything_is_destroyed(
    tmp_path, gh_output, gh_code
):
    # A short or wrong list would destroy the stacks of open pull requests: the step fails, so
    # the sweep step (default `if: success()`) never runs.
    _, listing, sweep = _sweep_steps()
    run = run_step(
        listing.run, tmp_path, env={"GH_REPO": SAME_REPO}, stand_ins={"gh": (gh_output, gh_code)}
    )
    assert run.returncode != 0
    assert "numbers" not in run.outputs
    assert "if" not in sweep.body


def test_the_sweep_publishes_the_report_of_every_stack_it_destroyed(tmp_path):
    job = WORKFLOWS["review-sweep"]["jobs"]["sweep"]
    listing = _step(job, "List the reports of the destroyed stacks")
    reports = tmp_path / "work" / "reports"
    reports.mkdir(parents=True)
    for name in ("review-pr-3.md", "review-pr-7.md", "review-pr-7.json", "drift-dev.md"):
        (reports / name).write_text("x")
    run = run_step(listing.run, tmp_path)
    assert run.returncode == 0, run.stderr
    output = (tmp_path / "github_output").read_text()
    assert output == (
        "files<<GATEHOUSE_REPORTS\nreports/review-pr-3.md\nreports/review-pr-7.md\nGATEHOUSE_REPORTS\n"
    )
    report = _step(job, "Report")
    assert report.inputs["files"] == f"${{{{ steps.{listing.body['id']}.outputs.files }}}}"
    # Nothing destroyed: an empty list, not an error.
    empty = run_step(listing.run, tmp_path / "none")
    assert empty.returncode == 0, empty.stderr
    assert (tmp_path / "none" / "github_output").read_text() == (
        "files<<GATEHOUSE_REPORTS\nGATEHOUSE_REPORTS\n"
    )


# --- bootstrap -----------------------------------------------------------------------------


def test_bootstrap_inits_each_stack_in_its_own_environment_with_least_privilege():
    job = WORKFLOWS["bootstrap"]["jobs"]["init"]
    assert job["if"] == "github.ref == 'refs/heads/main'"
    assert job["environment"] == "${{ matrix.stack }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["strategy"]["fail-fast"] is False
    assert _job_commands("bootstrap", "init") == [["init", "--stack", "$STACK"]]
    init = _step(job, "Create the stack if it does not exist")
    assert (
        init.body["env"]["GATEHOUSE_SECRETS_PROVIDER"] == "${{ vars.GATEHOUSE_SECRETS_PROVIDER }}"
    )


def test_bootstrap_fails_when_init_fails_and_shows_what_init_said(tmp_path):
    init = _step(WORKFLOWS["bootstrap"]["jobs"]["init"], "Create the stack if it does not exist")
    run = run_step(init.run, tmp_path, env={"STACK": "prod"})
    assert run.returncode == 0, run.stderr
    assert run.calls_to("python") == [["-m", "pipeline", "init", "--stack", "prod"]]
    # `| tee` must not hide a failure: pipefail makes the step fail with init.
    failing = init.run.replace(".venv/bin/python", "false && .venv/bin/python")
    assert run_step(failing, tmp_path / "failing", env={"STACK": "prod"}).returncode != 0


def test_bootstrap_prints_the_stack_file_change_to_commit(tmp_path):
    show = _step(WORKFLOWS["bootstrap"]["jobs"]["init"], "Show what to commit")
    work = tmp_path / "work"
    work.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "init", "-q"], cwd=work, check=True)
    (work / "Pulumi.prod.yaml").write_text("config: {}\n")
    subprocess.run([*git, "add", "."], cwd=work, check=True)
    subprocess.run([*git, "commit", "-qm", "stack file"], cwd=work, check=True)

    unchanged = run_step(show.run, tmp_path, env={"STACK": "prod"})
    assert unchanged.returncode == 0, unchanged.stderr
    assert "unchanged" in unchanged.summary

    (work / "Pulumi.prod.yaml").write_text("secretsprovider: awskms://alias/x\nconfig: {}\n")
    changed = run_step(show.run, tmp_path, env={"STACK": "prod"})
    assert changed.returncode == 0, changed.stderr
    assert "+secretsprovider: awskms://alias/x" in changed.summary
    assert "Commit this change to `Pulumi.prod.yaml`" in changed.summary


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
        ("stage", "preview"),
        ("stage", "apply"),
        ("bootstrap", "init"),
        ("review-stack", "up"),
        ("review-stack", "destroy"),
        ("review-sweep", "sweep"),
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
        called = _called(job)
        # A reusable-workflow call grants what the called jobs may use, and no more.
        needs_it = (
            any(_assumes_aws_role(inner) for inner in called["jobs"].values())
            if called
            else _assumes_aws_role(job)
        )
        assert has_id_token is needs_it, f"{name}:{job_id}"


def test_a_reusable_workflow_call_grants_exactly_what_the_called_jobs_ask_for():
    rank = {"read": 1, "write": 2}
    for name, job_id, job in _all_jobs():
        called = _called(job)
        if not called:
            continue
        wanted: dict[str, str] = {}
        for inner in called["jobs"].values():
            for scope, level in inner["permissions"].items():
                if rank[level] > rank.get(wanted.get(scope, ""), 0):
                    wanted[scope] = level
        assert job["permissions"] == wanted, f"{name}:{job_id}"


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


def _pinned_actions_table() -> dict[str, dict[str, str]]:
    """docs/github-setup.md's table of verified pins, by action."""
    text = (REPO / "docs" / "github-setup.md").read_text(encoding="utf-8")
    section = text.split("### Pinned actions", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    table = {}
    for row in rows:
        cells = [cell.strip().strip("`") for cell in row.strip("|").split("|")]
        table[cells[0]] = {"version": cells[1], "sha": cells[2], "runs": cells[3]}
    return table


def test_every_pin_is_in_the_docs_table_of_verified_pins_on_node_24():
    table = _pinned_actions_table()
    used = {}
    for _, _, ref, comment in uses_lines():
        if not is_local(ref):
            action, _, sha = ref.partition("@")
            used["/".join(action.split("/")[:2])] = {"version": comment, "sha": sha}
    assert set(table) == set(used), "docs/github-setup.md's pin table and the workflows disagree"
    for action, pin in used.items():
        assert table[action]["sha"] == pin["sha"], action
        assert table[action]["version"] == pin["version"], action
        # GitHub runs JavaScript actions on the Node version their action.yml names.
        assert table[action]["runs"] == "node24", action


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
        "verify",
        "init",
        "preview",
        "up",
        "promote",
        "review",
        "drift",
    }
    values = {
        "$RUNNER_TEMP": "/home/runner/work/_temp",
        "$STACK": "prod",
        "$FROM": "staging",
        "$PR_NUMBER": "12",
        "$OPEN_PRS": "12 15",
    }
    for command in commands:
        argv = []
        for word in command:
            for variable, value in values.items():
                word = word.replace(variable, value)
            assert "$" not in word, f"no sample value for {word} in `pipeline {' '.join(command)}`"
            argv.append(word)
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


def _requirements(path: Path) -> list[str]:
    """Requirement lines of a pip requirements file, following `-r`, continuations joined."""
    lines = path.read_text(encoding="utf-8").replace("\\\n", " ").splitlines()
    requirements = []
    for line in (line.split("#", 1)[0].strip() for line in lines):
        if line.startswith(("-r ", "--requirement ")):
            requirements += _requirements(path.parent / line.split(None, 1)[1])
        elif line:
            requirements.append(line)
    return requirements


def test_the_pack_runs_from_the_projects_virtualenv():
    from pipeline.analyzer.launcher import read_pack_project, resolve_python

    pack = REPO / "policies"
    project = read_pack_project(pack)
    # The CLI's shim runs in the pack directory and resolves the option as "$PWD/<virtualenv>".
    virtualenv = project["runtime"]["options"]["virtualenv"]
    assert (pack / virtualenv).resolve() == (REPO / ".venv").resolve()
    if (REPO / ".venv" / "bin" / "python").is_file():
        python, venv = resolve_python(pack, project, None)
        assert venv == (REPO / ".venv").resolve()
        assert python == str(venv / "bin" / "python")


def test_nothing_installs_the_pack_from_unhashed_requirements():
    requirements = _requirements(REPO / "policies" / "requirements.txt")
    assert requirements, "policies/requirements.txt names nothing"
    for requirement in requirements:
        assert "==" in requirement and "--hash=sha256:" in requirement, requirement
    for step in all_steps():
        assert "policies/venv" not in step.run, step.owner
        assert "policies/requirements" not in step.run, step.owner
        if "pip install" in step.run:
            assert "--require-hashes" in step.run, step.owner


def test_policy_pack_workflow_runs_the_packs_tests_then_checks_every_stack():
    steps = job_steps(WORKFLOWS["policy-pack"]["jobs"]["test"], "test")
    runs = [step.run for step in steps if step.run]
    assert runs[-1] == "make check"
    words = shlex.split(runs[-2])
    assert words[:3] == [PYTHON, "-m", "pytest"]
    for pattern in words[3:]:
        assert list(REPO.glob(pattern)), f"{pattern} matches no test file"


# --- stack outputs in the summary and as the environment URL -------------------------------


def _pipeline_steps(job: dict):
    return [step for step in job_steps(job, "") if _pipeline_commands(step.run)]


def test_commands_that_write_outputs_feed_the_summary_and_the_environment_url():
    # preview, up, promote and review append `url=` and `report=` to $GITHUB_OUTPUT.
    writes_outputs = {"preview", "up", "promote", "review"}
    checked = set()
    for name, job_id, job in _all_jobs():
        for step in _pipeline_steps(job):
            commands = {command[0] for command in _pipeline_commands(step.run)}
            # The sweep destroys several stacks: one report each, and no step outputs.
            if not commands & writes_outputs or "--sweep" in step.run:
                continue
            checked.add(f"{name}:{job_id}")
            step_id = step.body.get("id")
            assert step_id, f"{name}:{job_id}: the pipeline step needs an id for its outputs"
            report = next(s for s in job_steps(job, "") if local_action(s.uses) == "report")
            assert report.inputs["json-report"] == f"${{{{ steps.{step_id}.outputs.report }}}}"
            deploys = commands & {"up", "promote"} or (
                "review" in commands and "--destroy" not in step.run
            )
            if deploys:
                assert job["environment"]["url"] == f"${{{{ steps.{step_id}.outputs.url }}}}"
    assert {"stage:preview", "stage:apply", "review-stack:up", "pull-request:preview"} <= checked


@pytest.fixture
def outputs_summary(tmp_path):
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed (GitHub's runners have it)")
    step = _step(ACTIONS["report"]["runs"], "Add the stack outputs to the job summary")

    def render(report: object | None) -> str:
        path = tmp_path / "report.json"
        if report is not None:
            path.write_text(json.dumps(report), encoding="utf-8")
        run = run_step(step.run, tmp_path, env={"REPORT": str(path)})
        assert run.returncode == 0, run.stderr
        return run.summary

    return render


def test_the_summary_lists_the_stack_outputs(outputs_summary):
    summary = outputs_summary(
        {
            "outputs": {
                "customDomainUrl": "https://api.internal.example.com",
                "endpointDnsNames": ["vpce-1.example", "vpce-2.example"],
                "adminToken": {"value": "[secret]", "secret": True},
                "odd": "a|b\nc",
            }
        }
    )
    assert "### Stack outputs" in summary
    assert "| `customDomainUrl` | https://api.internal.example.com |" in summary
    assert '| `endpointDnsNames` | ["vpce-1.example","vpce-2.example"] |' in summary
    assert "| `adminToken` | [secret] |" in summary
    # A `|` or a line break would end the table cell.
    assert "| `odd` | a\\|b c |" in summary


@pytest.mark.parametrize(
    ("report", "says"),
    [
        (None, "_No stack outputs: `"),
        ({"outputs": {}}, "_The stack has no outputs._"),
        ({}, "no outputs"),
    ],
    ids=["missing-report", "no-outputs", "no-outputs-key"],
)
def test_the_summary_says_when_there_are_no_outputs(outputs_summary, report, says):
    assert says in outputs_summary(report)


# --- dependabot ----------------------------------------------------------------------------


def test_dependabot_keeps_actions_and_python_dependencies_fresh():
    from workflows_support.files import load_yaml

    config = load_yaml(GITHUB_DIR / "dependabot.yml")
    updates = {update["package-ecosystem"]: update for update in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert "/.github/actions/*" in updates["github-actions"]["directories"]
    for update in updates.values():
        assert update["cooldown"]["default-days"] >= 1
