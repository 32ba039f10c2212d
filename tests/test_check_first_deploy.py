"""`python -m pipeline check --first-deploy`: each shipped stack as the preview of its very first
deploy sees it (nothing created yet, so ids and ARNs are unknown), judged by the real pack as
that dry run: it passes, and what only the update can verify is listed, not hidden."""

import json
from dataclasses import replace

import jsonschema
import pytest
from pulumi.runtime import settings as runtime_settings

from pipeline import check
from pipeline.automation.reports.json_report import load_schema
from pipeline.cli import main
from pipeline.exit_codes import ExitCode
from pipeline.inventory import UNKNOWN
from pipeline.render import render_stack
from tests.pack_pool import pack_from_pool
from tests.program_support import only, render_cached, render_through_cache

STACKS = ("dev", "staging", "prod")
# The checks render through the per-worker render cache and take their packs from the pool
# (tests/program_support.py, tests/pack_pool.py): each stack's first-deploy render is made once.
pytestmark = pytest.mark.usefixtures("cached_renders", "pooled_packs")


@pytest.fixture(scope="module")
def first_deploy(tmp_path_factory, _shared_renders, _pack_pool):
    reports = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:  # a module's fixture comes before the marker's
        render_through_cache(patch)
        # The pooled packs of the ordinary check's contexts (both modes are previews to the
        # pack, with the same stack config): check's own analysis process is what
        # test_check.py's shipped run, the feed's tests and the bench put to work.
        pack_from_pool(patch)
        code = main(["check", "--first-deploy", "--report-dir", str(reports)])
    return code, reports


def test_every_shipped_stack_passes_its_first_deploy_preview(first_deploy):
    code, reports = first_deploy
    assert code == ExitCode.OK
    for stack in STACKS:
        report = json.loads((reports / f"check-first-deploy-{stack}.json").read_text())
        assert report["outcome"] == "ok", stack
        assert not [v for v in report["violations"] if v["level"] == "mandatory"], stack
        jsonschema.validate(report, load_schema())


@pytest.mark.parametrize("stack", STACKS)
def test_the_report_lists_what_is_verified_at_deploy(first_deploy, stack):
    _, reports = first_deploy
    report = json.loads((reports / f"check-first-deploy-{stack}.json").read_text())
    deferred = report["deferred"]
    assert deferred, stack
    assert all("verified at deploy" in d["message"] for d in deferred)
    # The checks a new stack cannot make in its preview: the private API's policy (built from
    # the new endpoint's id) and the invoke permissions (scoped by the new API's ARN).
    policies = {(d["policy"], d["resource_name"]) for d in deferred}
    assert ("private-api-resource-policy", "private-api") in policies
    assert any(policy == "lambda-permission-scoped" for policy, _ in policies)
    assert all(d["urn"].startswith(f"urn:pulumi:{stack}::") for d in deferred)
    # Deferred checks are not findings: they are not also counted as violations.
    assert not any("verified at deploy" in v["message"] for v in report["violations"])
    markdown = (reports / f"check-first-deploy-{stack}.md").read_text()
    assert f"**Verified at deploy** ({len(deferred)})" in markdown
    assert "private-api-resource-policy" in markdown


def test_a_first_deploy_render_knows_inputs_but_not_what_aws_computes():
    inventory = render_stack("prod", preview=True)
    endpoint = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert endpoint.inputs["vpcEndpointType"] == "Interface"
    assert endpoint.outputs["id"] == UNKNOWN
    assert endpoint.outputs["networkInterfaceIds"] == UNKNOWN
    api = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    policy = only(inventory, "aws:apigateway/restApiPolicy:RestApiPolicy", "private-api")
    assert policy.inputs["policy"] == UNKNOWN  # built from the endpoint's id and the API's
    assert api.outputs["executionArn"] == UNKNOWN
    # Exports: the endpoint's id is not known yet; a URL made from config alone is.
    assert inventory.outputs["endpointId"] == UNKNOWN
    assert inventory.outputs["customDomainUrl"] == "https://api.internal.example.com/"
    # The mocks' settings are process-wide; nothing after this render may think it is a preview.
    assert not runtime_settings.is_dry_run()


def test_the_ordinary_render_still_knows_every_value():
    inventory = render_stack("prod")
    assert only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint").outputs["id"].startswith("vpce-")
    assert UNKNOWN not in json.dumps([r.outputs for r in inventory.resources])


def test_a_known_bad_value_still_fails_the_first_deploy_preview(monkeypatch, tmp_path):
    """An invoke permission open to any principal is known before anything exists: it blocks."""

    def with_open_permission(stack, **kwargs):
        inventory = render_cached(stack, **kwargs)
        changed = []
        for resource in inventory.resources:
            if resource.name == "private-api-invoke-security":
                opened = {**resource.inputs, "principal": "*"}
                resource = replace(resource, inputs=opened, outputs={**resource.outputs, **opened})
            changed.append(resource)
        return replace(inventory, resources=tuple(changed))

    monkeypatch.setattr(check, "render_stack", with_open_permission)
    code = main(["check", "--first-deploy", "--stack", "prod", "--report-dir", str(tmp_path)])
    assert code == ExitCode.POLICY
    report = json.loads((tmp_path / "check-first-deploy-prod.json").read_text())
    assert report["outcome"] == "policy-violation"
    [mandatory] = [v for v in report["violations"] if v["level"] == "mandatory"]
    assert mandatory["policy"] == "lambda-permission-scoped"
    assert mandatory["resource_name"] == "private-api-invoke-security"
    assert "principal '*'" in mandatory["message"]
    # The other deferred checks are still listed beside the finding.
    assert ("private-api-resource-policy", "private-api") in {
        (d["policy"], d["resource_name"]) for d in report["deferred"]}
