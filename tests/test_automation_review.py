"""Review stacks pr-<N>: config derived from dev, created on demand, removed with the stack."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import pytest
import yaml
from pipeline_fakes.argv import destroy, preview, select, update
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

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


def test_review_creates_pr_stack_with_derived_config_and_dev_policy_config(env):
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
