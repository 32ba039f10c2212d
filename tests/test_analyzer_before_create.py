"""The private API's policy is refused by the Analyze call that precedes its creation.

GIVEN a brand-new stack, whose RestApiPolicy document embeds ids the preview cannot know
WHEN the pack runs as the update does (PULUMI_DRY_RUN=false) and the CLI sends Analyze with the
RestApiPolicy's known inputs, just before creating it
THEN a bad document is refused there (mandatory in prod), not only by AnalyzeStack after the
update; a good one passes; and in the preview the unknown document is deferred once, by the
stack policy, as before.
"""

import json

import pytest
from gatehouse_guard.policies import POLICY_NAMES
from policy_baseline import EXECUTION_ARN, OUR_VPCE, PRIVATE_API_ID, private_policy
from test_analyzer_unknowns import inventory, of, report_violations

from pipeline.analyzer import PackSession, StackContext
from pipeline.analyzer.client import level_name
from pipeline.analyzer.requests import RequestBuilder, with_root_stack
from pipeline.deferred import split_deferred
from pipeline.inventory import UNKNOWN, Inventory, InventoryResource
from pipeline.policy_path import POLICIES_DIR

BEFORE_CREATE = "private-api-policy-before-create"
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"


def _session(dry_run: bool):
    return PackSession(POLICIES_DIR, StackContext(project="gatehouse", stack="prod", dry_run=dry_run))


@pytest.fixture(scope="module")
def update(tmp_path_factory):
    with _session(dry_run=False) as running:
        running.configure(_config(tmp_path_factory.mktemp("config")))
        yield running


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    with _session(dry_run=True) as running:
        running.configure(_config(tmp_path_factory.mktemp("config")))
        yield running


def _config(directory):
    path = directory / "prod.json"
    config = {name: {"enforcementLevel": "mandatory", "tier": "prod"} for name in POLICY_NAMES}
    config["api-endpoint-type"]["allowedPublicApis"] = ["public-api"]
    config[BEFORE_CREATE]["vpnCidrs"] = ["172.31.250.0/24"]
    path.write_text(json.dumps(config))
    return path


def api_policy(document) -> InventoryResource:
    """The component's RestApiPolicy: the API's full execution ARN in its Resource."""
    raw = document if document == UNKNOWN else json.dumps(document).replace('"execute-api:/*"', json.dumps(f"{EXECUTION_ARN}/*"))
    inputs = {"restApiId": PRIVATE_API_ID, "policy": raw}
    urn = f"urn:pulumi:prod::gatehouse::{REST_API_POLICY}::private-api"
    return InventoryResource(urn=urn, type=REST_API_POLICY, name="private-api", parent=None,
                             custom=True, inputs=inputs, outputs=inputs)


def analyze_before_create(session: PackSession, resource: InventoryResource) -> list[tuple[str, str, str]]:
    """The one Analyze call the CLI makes with the resource's inputs before creating it:
    (policy, level, message) of each diagnostic."""
    resources = with_root_stack(Inventory(project="gatehouse", stack="prod", resources=(resource,), outputs={}))
    [response] = session.client.analyze_many([RequestBuilder(resources).analyze_request(resource)])
    return [(d.policyName, level_name(d.enforcementLevel), d.message) for d in response.diagnostics]


def test_a_bad_document_is_refused_by_the_analyze_that_precedes_creation(update):
    vpn_open = private_policy(vpn=True)  # a VPN range is never a prod caller
    [(policy, level, message)] = analyze_before_create(update, api_policy(vpn_open))
    assert (policy, level) == (BEFORE_CREATE, "mandatory")
    assert "RestApiPolicy 'private-api', before create" in message
    assert "lets in scenario 'vpn-client'" in message


def test_a_document_that_names_no_endpoint_is_refused_before_creation(update):
    open_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]}
    [(policy, level, message)] = analyze_before_create(update, api_policy(open_policy))
    assert (policy, level) == (BEFORE_CREATE, "mandatory")
    assert "names no execute-api endpoint" in message


def test_a_good_document_passes_the_analyze_that_precedes_creation(update):
    assert analyze_before_create(update, api_policy(private_policy(vpn=False))) == []


def test_a_document_still_unknown_during_the_update_is_refused_before_creation(update):
    [(policy, level, message)] = analyze_before_create(update, api_policy(UNKNOWN))
    assert (policy, level) == (BEFORE_CREATE, "mandatory")
    assert "cannot be verified" in message


def test_in_a_preview_the_unknown_document_is_deferred_once_by_the_stack_policy(preview):
    new_stack = inventory(api_policy(UNKNOWN), changes={
        "private-api": {"policy": None}, "execute-api": {"id": UNKNOWN}})
    result = preview.analyze(new_stack)
    assert of(result, BEFORE_CREATE) == []
    assert not result.has_mandatory, [v.message for v in result.violations]
    deferred = split_deferred(report_violations(result))[1]
    assert [(d.policy, d.resource_name) for d in deferred if "policy" in d.message] == [
        ("private-api-resource-policy", "private-api")], [d.message for d in deferred]


def test_a_known_bad_document_in_a_preview_is_labelled_before_create_beside_the_stack_policy(preview):
    """Both policies judge a known document in a preview; the resource-level one says when."""
    result = preview.analyze(inventory(api_policy(private_policy(vpn=True)), changes={"private-api": {"policy": None}}))
    [early] = of(result, BEFORE_CREATE)
    assert early.enforcement_level == "mandatory" and "before create" in early.message
    later = of(result, "private-api-resource-policy")
    assert later and all("before create" not in v.message for v in later)
    assert OUR_VPCE in early.message
