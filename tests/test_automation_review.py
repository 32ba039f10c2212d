"""Review stacks pr-<N>: config derived from dev, created on demand, removed with the stack."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import pytest
import yaml
from pipeline_fakes.argv import destroy, init, outputs, preview, select, update
from pipeline_fakes.harness import env, process_env  # noqa: F401  (fixtures)

from pipeline.automation.review_config import derive_review_config
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode

DEV = {
    "encryptionsalt": "v1:abc",
    "config": {"aws:region": "us-east-1", "gatehouse:environment": "dev",
               "gatehouse:network": {"create": {"cidr": "10.20.0.0/16"}}},
}


def test_review_config_is_dev_config_in_the_review_tier():
    derived = derive_review_config(DEV, 7)
    assert derived == {"config": {"aws:region": "us-east-1", "gatehouse:environment": "review",
                                  "gatehouse:network": {"create": {"cidr": "10.20.0.0/16"}},
                                  "gatehouse:manageApiGatewayAccount": False,
                                  "gatehouse:logRetentionDays": 3,
                                  "gatehouse:customDomain": {"mode": "none"}}}
    assert DEV["config"]["gatehouse:environment"] == "dev"  # the input is not modified


def test_review_domain_gets_its_own_name_zone_and_certificate():
    dev = {"config": {**DEV["config"], "gatehouse:customDomain": {
        "mode": "alb", "domainName": "api.dev.internal.example.com",
        "privateZoneId": "Z0DEVPRIVATEZONE0001", "certificateValidationZoneId": "Z0DEVPUBLICZONE00001"}}}
    domain = derive_review_config(dev, 7)["config"]["gatehouse:customDomain"]
    assert domain == {"mode": "alb", "domainName": "pr-7.api.dev.internal.example.com",
                      "certificateValidationZoneId": "Z0DEVPUBLICZONE00001"}


def test_review_goes_without_a_domain_when_dev_brings_its_own_certificate():
    """Dev's certificate names dev's domain; it cannot serve pr-7's."""
    dev = {"config": {**DEV["config"], "gatehouse:customDomain": {
        "mode": "native", "domainName": "api.dev.internal.example.com",
        "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}}}
    assert derive_review_config(dev, 7)["config"]["gatehouse:customDomain"] == {"mode": "none"}


def test_review_config_refuses_to_copy_dev_secrets():
    with pytest.raises(UsageError, match="gatehouse:apiKey"):
        derive_review_config({"config": {"gatehouse:apiKey": {"secure": "v1:xyz"}}}, 7)


def test_review_creates_pr_stack_with_derived_config_and_dev_policy_config(process_env):
    env = process_env  # the stand-in as a real process: this command's boundary
    assert env.run("review", "--pr", "7") == ExitCode.OK

    assert env.fake.calls() == [
        select("pr-7"),  # not found ...
        ["--non-interactive", "stack", "init", "pr-7"],  # ... so created: create_or_select_stack
        preview(env, "pr-7", config="dev"),
        *update(env, "pr-7", command="review", config="dev"),
    ]
    written = yaml.safe_load((env.work / "Pulumi.pr-7.yaml").read_text())
    assert written["config"]["gatehouse:environment"] == "review"
    assert written["config"]["aws:region"] == "us-east-1"


def test_review_prefers_a_policy_config_of_its_own(env):
    (env.work / "policies" / "config" / "pr-7.json").write_text("{}")
    env.fake.add_stack("pr-7")

    assert env.run("review", "--pr", "7") == ExitCode.OK

    assert env.fake.calls()[1] == preview(env, "pr-7")


def test_review_destroy_destroys_removes_the_stack_and_its_file(env):
    env.fake.add_stack("pr-7")
    (env.work / "Pulumi.pr-7.yaml").write_text("config: {}\n")

    assert env.run("review", "--pr", "7", "--destroy") == ExitCode.OK

    assert env.fake.calls() == [select("pr-7"), *destroy("pr-7", command="review"),
                                ["--non-interactive", "stack", "rm", "--yes", "pr-7"]]
    assert "pr-7" not in env.fake.load()["stacks"]
    assert not (env.work / "Pulumi.pr-7.yaml").exists()


def test_review_destroy_of_a_missing_stack_is_a_no_op(env):
    (env.work / "Pulumi.pr-8.yaml").write_text("config: {}\n")

    assert env.run("review", "--pr", "8", "--destroy") == ExitCode.OK

    assert env.fake.calls() == [select("pr-8")]
    assert not (env.work / "Pulumi.pr-8.yaml").exists()
    assert (env.reports / "review-pr-8.md").is_file()


@pytest.mark.parametrize("bad", ["abc", "0", "-3", "7.5"])
def test_pr_must_be_a_positive_number(env, bad, capsys):
    with pytest.raises(SystemExit) as exit_info:
        env.run("review", "--pr", bad)
    assert exit_info.value.code == ExitCode.USAGE
    assert "must be a pull request number" in capsys.readouterr().err


# review stacks in dev's network ------------------------------------------------------------------

DEV_WITH_PRIVATE_SERVICE = """config:
  aws:region: us-east-1
  gatehouse:environment: dev
  gatehouse:network:
    create:
      cidr: 10.20.0.0/16
  gatehouse:services:
    - name: security
      visibility: private
      handler: security.handler
      routes: [{method: GET, path: /security}]
"""
DEV_NETWORK = {"vpcId": "vpc-0a1b2c3d4e5f67890", "vpcCidr": "10.20.0.0/16",
               "privateSubnetIds": ["subnet-0a1b2c3d4e5f67890", "subnet-0f9e8d7c6b5a43210"]}


@pytest.fixture
def private_dev(env):
    (env.work / "Pulumi.dev.yaml").write_text(DEV_WITH_PRIVATE_SERVICE)
    return env


def review_file(env, pr=7):
    return env.work / f"Pulumi.pr-{pr}.yaml"


def test_a_review_stack_adopts_devs_network_instead_of_creating_a_vpc(private_dev):
    env = private_dev
    env.fake.outputs("dev", **DEV_NETWORK)

    assert env.run("review", "--pr", "7") == ExitCode.OK

    assert env.fake.calls()[:5] == [select("dev"), *outputs("dev"), select("pr-7"), init("pr-7")]
    network = yaml.safe_load(review_file(env).read_text())["config"]["gatehouse:network"]
    assert network == {"adopt": {"vpcId": DEV_NETWORK["vpcId"], "vpcCidr": "10.20.0.0/16",
                                 "subnetIds": DEV_NETWORK["privateSubnetIds"]}}
    assert "adopts dev's network vpc-0a1b2c3d4e5f67890 (10.20.0.0/16)" in env.report("review-pr-7")["notes"]


def test_the_adopted_network_is_valid_stack_config(private_dev):
    from pipeline.automation.review_config import adopt_dev_network
    from stack_config.load import load_stack_config

    derived = adopt_dev_network(derive_review_config(yaml.safe_load(DEV_WITH_PRIVATE_SERVICE), 7), DEV_NETWORK)
    config = load_stack_config(derived["config"], stack="pr-7")

    assert config.network.vpc_id == DEV_NETWORK["vpcId"]


def test_a_review_before_dev_has_a_network_is_refused_and_leaves_nothing(private_dev, capsys):
    env = private_dev

    assert env.run("review", "--pr", "7") == ExitCode.FAILED

    assert "dev has no vpcId, privateSubnetIds, vpcCidr output" in capsys.readouterr().err
    assert "pr-7" not in env.fake.load()["stacks"]
    assert not review_file(env).exists()
    assert env.report("review-pr-7")["outcome"] == "failed"


def test_a_review_that_fails_creating_its_stack_leaves_no_stack_file(env, capsys):
    env.fake.state["init_error"] = "error: could not create stack 'pr-7': AccessDenied"

    assert env.run("review", "--pr", "7") == ExitCode.FAILED

    assert not review_file(env).exists()  # `check` would otherwise pick up a stack that is not there
    assert env.report("review-pr-7")["cliError"] == ["error: could not create stack 'pr-7': AccessDenied"]
    assert "Traceback" not in capsys.readouterr().err


# secrets provider ---------------------------------------------------------------------------------

PROVIDER = "awskms://alias/gatehouse-review"


def test_the_generated_file_keeps_the_secrets_provider_the_cli_wrote(env, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", PROVIDER)

    assert env.run("review", "--pr", "7") == ExitCode.OK
    assert init("pr-7", PROVIDER) in env.fake.calls()
    assert env.run("review", "--pr", "7") == ExitCode.OK  # regenerated from dev on the next push

    written = yaml.safe_load(review_file(env).read_text())
    assert written["secretsprovider"] == PROVIDER and written["encryptedkey"] == "ZmFrZS1kYXRhLWtleQ=="
    assert written["config"]["gatehouse:environment"] == "review"


def test_a_fresh_checkout_names_the_provider_and_falls_back_to_the_states_key(env, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", PROVIDER)
    env.fake.add_stack("pr-7")  # created by an earlier run; this checkout has no Pulumi.pr-7.yaml

    assert env.run("review", "--pr", "7") == ExitCode.OK

    up_call = next(r for r in env.fake.records() if r["argv"][1:2] == ["up"])
    assert yaml.safe_load(up_call["stack_file"])["secretsprovider"] == PROVIDER
    assert up_call["env"]["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] == "true"


def test_the_destroy_job_passes_the_provider_on(env, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", PROVIDER)
    env.fake.add_stack("pr-7")

    assert env.run("review", "--pr", "7", "--destroy") == ExitCode.OK

    destroy_call = next(r for r in env.fake.records() if r["argv"][1:2] == ["destroy"])
    assert yaml.safe_load(destroy_call["stack_file"])["secretsprovider"] == PROVIDER
    assert destroy_call["env"]["PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"] == "true"
    assert not review_file(env).exists()


# sweep ----------------------------------------------------------------------------------------

def test_sweep_destroys_the_review_stacks_of_closed_prs_only(process_env, capsys):
    env = process_env  # the stand-in as a real process: this command's boundary
    for pr in (3, 12, 15, 40):
        env.fake.add_stack(f"pr-{pr}")
    env.fake.add_stack("pr-feature")  # not a review stack name: never touched

    assert env.run("review", "--sweep", "--open-prs", "12 15,40") == ExitCode.OK

    assert set(env.fake.load()["stacks"]) == {"dev", "staging", "prod", "pr-12", "pr-15", "pr-40", "pr-feature"}
    assert env.fake.calls() == [["--non-interactive", "stack", "ls", "--json"], select("pr-3"),
                                *destroy("pr-3", command="review"),
                                ["--non-interactive", "stack", "rm", "--yes", "pr-3"]]
    assert "PR 3 is not among the open PRs" in env.report("review-pr-3")["notes"][0]
    assert "destroying those whose PR is not open: pr-3" in capsys.readouterr().out


def test_sweep_with_no_open_prs_destroys_every_review_stack(env):
    env.fake.add_stack("pr-3")
    env.fake.add_stack("pr-4")

    assert env.run("review", "--sweep", "--open-prs", "") == ExitCode.OK

    assert set(env.fake.load()["stacks"]) == {"dev", "staging", "prod"}


def test_sweep_never_writes_github_outputs(env, monkeypatch, tmp_path):
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "out"))
    env.fake.add_stack("pr-3")

    assert env.run("review", "--sweep", "--open-prs", "") == ExitCode.OK

    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("argv,message", [
    (("review", "--sweep"), "review --sweep takes --open-prs"),
    (("review", "--sweep", "--open-prs", "3", "--destroy"), "review --sweep takes --open-prs"),
    (("review", "--pr", "3", "--open-prs", "3"), "--open-prs goes with review --sweep"),
])
def test_sweep_arguments_are_checked_before_the_cli(env, capsys, argv, message):
    assert env.run(*argv) == ExitCode.USAGE
    assert message in capsys.readouterr().err
    assert env.fake.records() == []


@pytest.mark.parametrize("argv", [("review", "--sweep", "--open-prs", "12 x"),
                                  ("review", "--sweep", "--pr", "3", "--open-prs", "")])
def test_bad_sweep_arguments_are_argparse_errors(env, argv):
    with pytest.raises(SystemExit) as exit_info:
        env.run(*argv)
    assert exit_info.value.code == ExitCode.USAGE


def test_a_review_failing_once_its_stack_exists_keeps_its_file_and_key(env, monkeypatch):
    monkeypatch.setenv("GATEHOUSE_SECRETS_PROVIDER", PROVIDER)
    assert env.run("review", "--pr", "7") == ExitCode.OK
    env.fake.locked(times=5)

    assert env.run("review", "--pr", "7", "--lock-attempts", "1") == ExitCode.LOCKED

    assert yaml.safe_load(review_file(env).read_text())["encryptedkey"] == "ZmFrZS1kYXRhLWtleQ=="


def test_the_program_exports_what_a_review_stack_adopts_and_the_review_creates_no_vpc(tmp_path):
    """Through the real program under the mocks: dev's outputs become pr-7's adopted network."""
    from program_support import copy_stack_file, project_copy, rendered

    from pipeline.automation.review_config import adopt_dev_network
    from pipeline.render import render_stack

    dev = rendered("dev")
    assert {"vpcId", "privateSubnetIds", "vpcCidr"} <= set(dev.outputs)
    outputs = {**dev.outputs, "vpcId": "vpc-0a1b2c3d4e5f67890",  # mock ids are not AWS-shaped
               "privateSubnetIds": ["subnet-0a1b2c3d4e5f67890", "subnet-0f9e8d7c6b5a43210"]}
    review = adopt_dev_network(derive_review_config(yaml.safe_load(copy_stack_file("dev")), 7), outputs)
    project = project_copy(tmp_path, {"pr-7": yaml.safe_dump(review)})

    inventory = render_stack("pr-7", project_dir=project)

    assert not inventory.by_type("aws:ec2/vpc:Vpc") and not inventory.by_type("aws:ec2/subnet:Subnet")
    [endpoint] = inventory.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcId"] == "vpc-0a1b2c3d4e5f67890"
    assert outputs["vpcCidr"] == "10.20.0.0/16"


def test_a_sweep_that_cannot_list_the_stacks_fails_with_the_clis_error_not_a_traceback(env, capsys):
    env.fake.state["ls_error"] = "error: could not list stacks: 403 Forbidden"

    assert env.run("review", "--sweep", "--open-prs", "") == ExitCode.FAILED

    err = capsys.readouterr().err
    assert err.endswith("error: the pulumi CLI failed: error: could not list stacks: 403 Forbidden\n")
    assert "Traceback" not in err
