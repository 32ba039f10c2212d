"""`python -m pipeline check`: every shipped stack rendered under the mocks and judged by the real
policy pack over the analyzer gRPC protocol; a broken prod fails with the right policy names."""

import json
from dataclasses import replace

import pytest

from pipeline import check
from pipeline.cli import main
from pipeline.exit_codes import ExitCode
from pipeline.inventory import InventoryResource
from tests.program_support import rendered


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory):
    reports = tmp_path_factory.mktemp("reports")
    code = main(["check", "--report-dir", str(reports)])
    return code, reports


def test_every_shipped_stack_passes(shipped_run):
    code, reports = shipped_run
    assert code == ExitCode.OK
    for stack in ("dev", "staging", "prod"):
        report = json.loads((reports / f"check-{stack}.json").read_text())
        assert report["outcome"] == "ok"
        assert not [v for v in report["violations"] if v["level"] == "mandatory"]


def test_prod_reachability_admits_only_our_endpoint(shipped_run):
    _, reports = shipped_run
    matrix = json.loads((reports / "check-prod.json").read_text())["matrix"]
    private = {(row["api"], row["scenario"]): row["decision"] for row in matrix if row["api"] != "api:public-api"}
    assert {api for api, _ in private} == {"api:private-api", "domain:api.internal.example.com"}
    for (api, scenario), decision in private.items():
        expected = "Allow" if scenario == "our-endpoint" else "ExplicitDeny"
        assert decision == expected, (api, scenario)
    assert ("api:private-api", "vpn-client") in private  # probed even though prod admits no VPN


def test_dev_lets_the_vpn_in_and_reports_it(shipped_run):
    _, reports = shipped_run
    matrix = json.loads((reports / "check-dev.json").read_text())["matrix"]
    assert {"api": "api:private-api", "scenario": "vpn-client", "decision": "Allow"} in matrix
    markdown = (reports / "check-dev.md").read_text()
    assert "alb-deletion-protection" in markdown  # dev's one advisory finding


def broken_prod():
    """Prod with three holes forced in past config validation: a VPN range in the private API's
    policy, the private API made REGIONAL, and the endpoint's security group opened to the world."""
    inventory = rendered("prod")
    endpoint_group = next(r for r in inventory.resources if r.name == "execute-api-sg")
    changed: list[InventoryResource] = []
    for resource in inventory.resources:
        if resource.type == "aws:apigateway/restApiPolicy:RestApiPolicy" and resource.name == "private-api":
            policy = json.loads(resource.inputs["policy"])
            policy["Statement"][2]["Condition"]["NotIpAddress"]["aws:VpcSourceIp"].append("172.31.250.0/24")
            inputs = {**resource.inputs, "policy": json.dumps(policy)}
            resource = replace(resource, inputs=inputs, outputs={**resource.outputs, **inputs})
        if resource.type == "aws:apigateway/restApi:RestApi" and resource.name == "private-api":
            inputs = {**resource.inputs, "endpointConfiguration": {"types": "REGIONAL"}}
            resource = replace(resource, inputs=inputs, outputs={**resource.outputs, **inputs})
        changed.append(resource)
    opened = replace(
        next(r for r in inventory.resources if r.name == "execute-api-https-10-40-0-0-16"),
        urn=endpoint_group.urn.replace("SecurityGroup::execute-api-sg", "SecurityGroupIngressRule::execute-api-open"),
        name="execute-api-open",
        type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    )
    opened = replace(opened, inputs={**opened.inputs, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
                     outputs={**opened.outputs, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1", "id": "sgr-0open"})
    return replace(inventory, resources=(*changed, opened))


def test_broken_prod_fails_with_the_right_policies(monkeypatch, tmp_path):
    monkeypatch.setattr(check, "render_stack", lambda stack, **_: broken_prod())
    code = main(["check", "--stack", "prod", "--report-dir", str(tmp_path)])
    assert code == ExitCode.POLICY
    report = json.loads((tmp_path / "check-prod.json").read_text())
    assert report["outcome"] == "policy-violation"
    mandatory = {v["policy"] for v in report["violations"] if v["level"] == "mandatory"}
    assert {"api-endpoint-type", "private-api-resource-policy", "endpoint-security-group"} <= mandatory
    sarif = json.loads((tmp_path / "check-prod.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= mandatory
    matrix = {(r["api"], r["scenario"]): r["decision"] for r in report["matrix"]}
    assert matrix[("api:private-api", "vpn-client")] == "Allow"


def test_a_config_error_is_a_usage_error_with_a_report(tmp_path):
    from tests.program_support import copy_stack_file, project_copy

    broken = copy_stack_file("prod").replace("mode: alb", "mode: elb")
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {"prod": broken})
    (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
    code = main(["check", "--project-dir", str(project), "--report-dir", str(tmp_path / "r")])
    assert code == ExitCode.USAGE
    report = json.loads((tmp_path / "r" / "check-prod.json").read_text())
    assert report["outcome"] == "usage"
    assert "gatehouse:customDomain.mode must be one of alb, native, none" in report["notes"][0]


def test_a_review_stack_derived_from_dev_passes_check(tmp_path):
    import yaml

    from pipeline.automation.review_config import derive_review_config
    from tests.program_support import copy_stack_file, project_copy

    derived = derive_review_config(yaml.safe_load(copy_stack_file("dev")), 7)
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {"pr-7": yaml.safe_dump(derived)})
    (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
    code = main(["check", "--project-dir", str(project), "--report-dir", str(tmp_path / "r")])
    assert code == ExitCode.OK
    report = json.loads((tmp_path / "r" / "check-pr-7.json").read_text())
    assert {"api": "domain:pr-7.api.dev.internal.example.com", "scenario": "our-endpoint", "decision": "Allow"} in report["matrix"]
