"""The real pack over the analyzer protocol, as a preview and as an update sees it.

GIVEN a value the engine cannot know yet (a new resource's ARN or id)
WHEN the pack runs in a preview (PULUMI_DRY_RUN=true, as the CLI starts it for `pulumi preview`)
THEN the check is deferred: reported as advisory, marked "verified at deploy", never blocking;
WHEN the same value is still unknown during an update (PULUMI_DRY_RUN=false)
THEN prod fails; a known value is judged at the policy's level in both modes.
"""

import json
from dataclasses import replace

import pytest
from gatehouse_guard.model import Resource
from gatehouse_guard.policies import POLICY_NAMES
from policy_baseline import ACCOUNT, PRIVATE_API_ID, stack

from pipeline.analyzer import PackSession, StackContext
from pipeline.automation.reports.model import Violation
from pipeline.deferred import split_deferred
from pipeline.inventory import UNKNOWN, Inventory, InventoryResource
from pipeline.policy_path import POLICIES_DIR

PERMISSION = "aws:lambda/permission:Permission"
GOOD_SOURCE_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{PRIVATE_API_ID}/*/*"


def _session(dry_run: bool):
    return PackSession(POLICIES_DIR, StackContext(project="gatehouse", stack="prod", dry_run=dry_run))


@pytest.fixture(scope="module")
def preview():
    with _session(dry_run=True) as running:
        yield running


@pytest.fixture(scope="module")
def update():
    with _session(dry_run=False) as running:
        yield running


@pytest.fixture
def configured(tmp_path):
    """Configure a session with every policy mandatory at `tier` (prod unless told)."""

    def configure(session, tier="prod"):
        path = tmp_path / f"{tier}.json"
        config = {name: {"enforcementLevel": "mandatory", "tier": tier} for name in POLICY_NAMES}
        config["api-endpoint-type"]["allowedPublicApis"] = ["public-api"]
        path.write_text(json.dumps(config))
        session.configure(path)
        return session

    return configure


def as_inventory(resource: Resource) -> InventoryResource:
    """A policy-baseline resource as the engine registers it: its props are inputs and outputs."""
    return InventoryResource(
        urn=resource.urn, type=resource.type, name=resource.name, parent=None, custom=True,
        inputs=dict(resource.props), outputs=dict(resource.props),
        property_dependencies=dict(resource.property_dependencies),
    )


def permission(**props) -> InventoryResource:
    base = {"action": "lambda:InvokeFunction", "function": "security",
            "principal": "apigateway.amazonaws.com", "sourceArn": GOOD_SOURCE_ARN, **props}
    urn = f"urn:pulumi:prod::gatehouse::{PERMISSION}::invoke-security"
    return InventoryResource(urn=urn, type=PERMISSION, name="invoke-security", parent=None,
                             custom=True, inputs=base, outputs=base)


def inventory(*extra: InventoryResource, changes=None) -> Inventory:
    """The valid baseline stack (no VPN in its policy, as prod wants), `changes` applied by
    resource name to inputs and outputs alike, plus `extra` resources."""
    resources = []
    for resource in stack(vpn=False):
        item = as_inventory(resource)
        patch = (changes or {}).get(resource.name, {})
        resources.append(replace(item, inputs={**item.inputs, **patch}, outputs={**item.outputs, **patch}))
    return Inventory(project="gatehouse", stack="prod", resources=(*resources, *extra), outputs={})


def of(result, policy):
    return [v for v in result.violations if v.policy_name == policy]


def report_violations(result) -> list[Violation]:
    return [
        Violation(policy=v.policy_name, level=v.enforcement_level, message=v.message, urn=v.urn,
                  resource_type=v.resource_type, resource_name=v.resource_name)
        for v in result.violations
    ]


def test_the_known_good_baseline_passes_in_both_modes(preview, update, configured):
    for session in (preview, update):
        result = configured(session).analyze(inventory(permission()))
        assert result.violations == (), [v.message for v in result.violations]


def test_an_unknown_value_in_a_preview_is_deferred_not_blocking(preview, configured):
    result = configured(preview).analyze(inventory(permission(sourceArn=UNKNOWN)))
    [violation] = of(result, "lambda-permission-scoped")
    assert violation.enforcement_level == "advisory"
    assert "verified at deploy" in violation.message
    assert "sourceArn is unknown" in violation.message
    assert violation.resource_name == "invoke-security"
    assert not result.has_mandatory
    kept, deferred = split_deferred(report_violations(result))
    assert kept == []
    assert [(d.policy, d.resource_name) for d in deferred] == [("lambda-permission-scoped", "invoke-security")]


def test_the_same_unknown_value_during_an_update_is_mandatory_in_prod(update, configured):
    result = configured(update).analyze(inventory(permission(sourceArn=UNKNOWN)))
    [violation] = of(result, "lambda-permission-scoped")
    assert violation.enforcement_level == "mandatory"
    assert "sourceArn is unknown even during the update, so it cannot be verified" in violation.message
    assert "verified at deploy" not in violation.message


def test_a_known_bad_value_stays_mandatory_in_a_preview(preview, configured):
    result = configured(preview).analyze(inventory(permission(principal="*", sourceArn=UNKNOWN)))
    [violation] = of(result, "lambda-permission-scoped")
    assert violation.enforcement_level == "mandatory"
    assert "principal '*'" in violation.message


def test_a_known_bad_value_of_the_update_is_mandatory(update, configured):
    result = configured(update).analyze(inventory(permission(sourceArn="arn:aws:execute-api:*:*:*/*")))
    [violation] = of(result, "lambda-permission-scoped")
    assert violation.enforcement_level == "mandatory"
    assert "matches any API" in violation.message


def test_a_stack_policy_defers_an_unknown_resource_policy_in_a_preview(preview, configured):
    """AnalyzeStack likewise: the private API's policy is built from the new endpoint's id."""
    unknown = inventory(changes={"private-api": {"policy": UNKNOWN}, "execute-api": {"id": UNKNOWN}})
    result = configured(preview).analyze(unknown)
    [violation] = of(result, "private-api-resource-policy")
    assert violation.enforcement_level == "advisory"
    assert not result.has_mandatory
    [deferred] = split_deferred(report_violations(result))[1]
    assert "RestApi 'private-api': the resource policy is unknown" in deferred.message
    assert deferred.resource_name == "private-api"


def test_the_same_stack_policy_during_an_update_is_mandatory_in_prod(update, configured):
    result = configured(update).analyze(inventory(changes={"private-api": {"policy": UNKNOWN}}))
    [violation] = of(result, "private-api-resource-policy")
    assert violation.enforcement_level == "mandatory"
    assert "cannot be verified" in violation.message


def test_a_known_bad_rule_keeps_its_level_beside_a_deferred_check_of_the_same_policy(preview, configured):
    """The endpoint uses a group this stack does not declare (known: a finding) and one whose
    id is not known yet (deferred); the rule made the first finding before it hit the unknown."""
    groups = {"execute-api": {"securityGroupIds": ["sg-0foreign", UNKNOWN]}}
    result = configured(preview).analyze(inventory(changes=groups))
    found = of(result, "endpoint-security-group")
    levels = sorted(v.enforcement_level for v in found)
    assert levels == ["advisory", "mandatory"], [v.message for v in found]
    mandatory = next(v for v in found if v.enforcement_level == "mandatory")
    assert "sg-0foreign" in mandatory.message
    advisory = next(v for v in found if v.enforcement_level == "advisory")
    assert "verified at deploy" in advisory.message


def test_a_lower_tier_defers_in_a_preview_and_leaves_unknowns_to_the_update(preview, update, configured):
    unknown = inventory(permission(sourceArn=UNKNOWN))
    [deferred] = of(configured(preview, tier="lower").analyze(unknown), "lambda-permission-scoped")
    assert deferred.enforcement_level == "advisory" and "verified at deploy" in deferred.message
    assert of(configured(update, tier="lower").analyze(unknown), "lambda-permission-scoped") == []


def test_a_known_wide_open_policy_fails_a_brand_new_stacks_preview(preview, configured):
    """The endpoint's id is not known yet, but a policy written as a plain value is: it blocks."""
    open_policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})
    new = inventory(changes={"execute-api": {"id": UNKNOWN}, "private-api": {"policy": open_policy}})
    result = configured(preview).analyze(new)
    found = of(result, "private-api-resource-policy")
    assert found and {v.enforcement_level for v in found} == {"mandatory"}
    assert any("lets in scenario 'internet'" in v.message for v in found)
