"""public-stage-web-acl: in prod no public API stage is left without a WAF web ACL, whichever
door the ACL would come through (a WAFv2 or WAF Classic association, or the stage's webAclArn)."""

import json
from dataclasses import replace
from pathlib import Path

import pytest
from gatehouse_guard.rules.unknowns import UNKNOWN
from gatehouse_guard.rules.web_acl import check_public_stages_have_web_acl
from policy_baseline import ACCOUNT, PRIVATE_API_ID, PUBLIC_API_ID, find, res, stack

from pipeline.analyzer import StackContext, analyze_inventory
from pipeline.inventory import UNKNOWN as WIRE_UNKNOWN
from pipeline.inventory import Inventory
from pipeline.stack_files import PROJECT_DIR
from tests.program_support import render_cached, rendered

STAGE = "aws:apigateway/stage:Stage"
ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
CLASSIC = "aws:wafregional/webAclAssociation:WebAclAssociation"
ACL_ARN = f"arn:aws:wafv2:us-east-1:{ACCOUNT}:regional/webacl/public-api-waf/0a1b"


def stage_arn(api_id: str) -> str:
    return f"arn:aws:apigateway:us-east-1::/restapis/{api_id}/stages/v1"


def stage(name: str, api_id: str, **props):
    return res(STAGE, name, {"restApi": api_id, "stageName": "v1", "arn": stage_arn(api_id), **props})


def association(resource_arn, acl=ACL_ARN, type_=ASSOCIATION, **deps):
    key = "webAclArn" if type_ == ASSOCIATION else "webAclId"
    return res(type_, "public-api-waf", {"resourceArn": resource_arn, key: acl}, **deps)


def protected_stack(*extra):
    return [*stack(), stage("public-api", PUBLIC_API_ID), stage("private-api", PRIVATE_API_ID), *extra]


def messages(resources, tier="prod") -> list[str]:
    return [f.message for f in check_public_stages_have_web_acl(resources, tier=tier)]


def test_public_stage_with_an_association_passes():
    assert messages(protected_stack(association(stage_arn(PUBLIC_API_ID)))) == []


def test_public_stage_without_a_web_acl_is_a_violation():
    [message] = messages(protected_stack())
    assert "Stage 'public-api' of RestApi 'public-api', which is not PRIVATE, has no WAF web ACL" in message


def test_association_with_another_stage_does_not_protect_the_public_one():
    [message] = messages(protected_stack(association(stage_arn(PRIVATE_API_ID))))
    assert "Stage 'public-api'" in message


def test_association_without_an_acl_does_not_count():
    for acl in ("", None, "  "):
        assert messages(protected_stack(association(stage_arn(PUBLIC_API_ID), acl=acl)))


def test_preview_association_is_joined_through_its_dependencies():
    """On a first deploy the stage's ARN is unknown; the engine still records where it came from."""
    public = stage("public-api", PUBLIC_API_ID, arn=UNKNOWN)
    pending = association(UNKNOWN, acl=UNKNOWN, resourceArn=(public.urn,))
    resources = [*stack(), public, stage("private-api", PRIVATE_API_ID), pending]
    assert messages(resources) == []


def test_stage_web_acl_arn_is_the_other_door():
    resources = protected_stack()
    public = next(r for r in resources if r.type == STAGE and r.name == "public-api")
    resources[resources.index(public)] = replace(public, props={**public.props, "webAclArn": ACL_ARN})
    assert messages(resources) == []


def test_waf_classic_regional_association_counts():
    assert messages(protected_stack(association(stage_arn(PUBLIC_API_ID), acl="0a1b-classic", type_=CLASSIC))) == []


def test_private_stage_needs_no_web_acl():
    resources = [r for r in protected_stack() if not (r.type == STAGE and r.name == "public-api")]
    assert messages(resources) == []


def test_stage_of_an_api_outside_the_stack_is_judged_public():
    [message] = messages([stage("imported", "ext1234567")])
    assert "Stage 'imported' of an API not in this stack, has no WAF web ACL" in message


def test_stage_of_an_api_whose_endpoint_type_is_unknown_is_judged_public():
    resources = protected_stack()
    api = find(resources, "public-api")
    resources[resources.index(api)] = replace(api, props={**api.props, "endpointConfiguration": {"types": UNKNOWN}})
    assert [m for m in messages(resources) if "Stage 'public-api'" in m]


def test_http_apis_cannot_carry_a_web_acl_so_prod_has_none():
    """Once per API, whether its stage is a resource or made by `target` quick-create."""
    api = res("aws:apigatewayv2/api:Api", "http", {"id": "h1", "protocolType": "HTTP", "target": "arn:aws:lambda:…"})
    staged = res("aws:apigatewayv2/stage:Stage", "http", {"apiId": "h1", "name": "$default"})
    [message] = messages([api, staged])
    assert "Api 'http' is an HTTP or WebSocket API (apigatewayv2) or its stage: always public and unable to carry a WAF web ACL" in message
    [message] = messages([staged])
    assert "Stage 'http' is an HTTP or WebSocket API (apigatewayv2) or its stage" in message


def test_lower_tiers_may_run_without_waf():
    assert messages(protected_stack(), tier="lower") == []


# --- the real pack, over the rendered prod stack ----------------------------------------------

@pytest.fixture
def analyzed(pooled_packs):
    """The real pack over `inventory`, as prod's; one pack process for every call (tests/pack_pool.py)."""

    def analyze(inventory: Inventory, dry_run: bool = True):
        pack_dir = PROJECT_DIR / "policies"
        context = StackContext(project=inventory.project, stack=inventory.stack, dry_run=dry_run)
        return analyze_inventory(
            inventory, pack_dir=pack_dir, config_file=pack_dir / "config" / "prod.json",
            dry_run=dry_run, started=pooled_packs(pack_dir, context),
        )

    return analyze


@pytest.mark.parametrize("how", ["association-removed", "association-names-no-acl"])
def test_pack_blocks_prod_when_the_public_stage_loses_its_web_acl(how, analyzed):
    prod = rendered("prod")
    kept = tuple(r for r in prod.resources if r.type != ASSOCIATION)
    if how == "association-names-no-acl":
        [original] = [r for r in prod.resources if r.type == ASSOCIATION]
        kept += (replace(original, inputs={**original.inputs, "webAclArn": ""}, outputs={**original.outputs, "webAclArn": ""}),)
    result = analyzed(replace(prod, resources=kept))
    found = [v for v in result.violations if v.policy_name == "public-stage-web-acl"]
    assert [v.enforcement_level for v in found] == ["mandatory"]
    assert "Stage 'public-api'" in found[0].message


def test_pack_passes_the_shipped_prod_stack(analyzed):
    result = analyzed(rendered("prod"))
    assert not [v for v in result.violations if v.policy_name == "public-stage-web-acl"]


def test_rule_is_registered_and_mandatory_in_every_config():
    for config in sorted((Path(PROJECT_DIR) / "policies" / "config").glob("*.json")):
        assert json.loads(config.read_text())["public-stage-web-acl"]["enforcementLevel"] == "mandatory", config


def test_first_deploy_preview_joins_the_association_by_its_dependencies(analyzed):
    """In the first deploy's preview the stage's ARN is unknown: the shipped prod stack still
    passes, and without the association it is still blocked (no deferral: nothing names the stage)."""
    first = render_cached("prod", preview=True)
    association = next(r for r in first.resources if r.type == ASSOCIATION)
    assert association.inputs["resourceArn"] == WIRE_UNKNOWN
    assert not [v for v in analyzed(first, dry_run=True).violations if v.policy_name == "public-stage-web-acl"]
    stripped = replace(first, resources=tuple(r for r in first.resources if r.type != ASSOCIATION))
    found = [v for v in analyzed(stripped, dry_run=True).violations if v.policy_name == "public-stage-web-acl"]
    assert [v.enforcement_level for v in found] == ["mandatory"]
    assert "verified at deploy" not in found[0].message


def test_association_with_an_unknown_untraced_target_is_left_to_the_update():
    """resourceArn built from the API's id: unknown in the preview and traced to the API, not a
    stage. It may be this stage's, so the finding is an unknown one (deferred in a preview)."""
    public = stage("public-api", PUBLIC_API_ID, arn=UNKNOWN)
    api_urn = find(stack(), "public-api").urn
    pending = association(UNKNOWN, resourceArn=(api_urn,))
    [finding] = check_public_stages_have_web_acl([*stack(), public, pending], tier="prod")
    assert finding.unknown
    assert "Stage 'public-api': whether a web ACL association names it (its resourceArn) is unknown" in finding.message


def test_association_traced_to_another_stage_protects_only_that_one():
    public = stage("public-api", PUBLIC_API_ID, arn=UNKNOWN)
    other = stage("private-api", PRIVATE_API_ID, arn=UNKNOWN)
    pending = association(UNKNOWN, resourceArn=(other.urn,))
    [finding] = check_public_stages_have_web_acl([*stack(), public, other, pending], tier="prod")
    assert not finding.unknown
    assert "Stage 'public-api'" in finding.message
