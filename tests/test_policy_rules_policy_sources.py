"""private-api-resource-policy judges every policy source of an API (issue 11, class 1), and a
private domain's policy that names the domain by its full ARN is not a false alarm."""

import json

import pytest
from gatehouse_guard.rules.resource_policy import Settings, check_resource_policies
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import (
    ACCOUNT,
    DOMAIN,
    DOMAIN_ID,
    EXECUTION_ARN,
    OUR_VPCE,
    PRIVATE_API_ID,
    VPN_CIDR,
    added,
    changed,
    find,
    private_policy,
    stack,
)

PROD = Settings(tier="prod")
LOWER = Settings(tier="lower", vpn_cidrs=(VPN_CIDR,))
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
OPEN = {"Version": "2012-10-17", "Statement": [
    {"Sid": "OpenToAll", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
     "Resource": "execute-api:/*"}]}


def messages(resources, settings=PROD) -> list[str]:
    return [f.message for f in check_resource_policies(resources, settings)]


def prod_stack(**kwargs):
    return stack(vpn=False, **kwargs)


def with_separate_policy(resources, policy, name="private-api-policy", **deps):
    return added(resources, REST_API_POLICY, name,
                 {"restApiId": PRIVATE_API_ID, "policy": json.dumps(policy)}, **deps)


def test_the_baselines_pass_in_prod():
    assert messages(prod_stack()) == []
    assert messages(prod_stack(alb=True)) == []


def test_an_open_separate_policy_is_judged_beside_a_good_inline_one():
    found = messages(with_separate_policy(prod_stack(), OPEN), LOWER)
    assert any("RestApi 'private-api' (policy from RestApiPolicy 'private-api-policy')" in m
               and "lets in scenario 'foreign-endpoint'" in m and "OpenToAll" in m for m in found)


def test_two_sources_are_a_finding_in_prod_even_when_both_are_good():
    also_good = private_policy(vpn=False)
    also_good["Statement"][0]["Sid"] = "AdmitOurEndpoint"
    found = messages(with_separate_policy(prod_stack(), also_good))
    assert found == [
        "RestApi 'private-api' has 2 resource policy sources (its inline policy, RestApiPolicy "
        "'private-api-policy'); the one in force is whichever was applied last, so the program "
        "does not say who gets in; allowed in prod: exactly one source (the inline policy)"]


def test_two_sources_are_allowed_in_a_lower_tier_when_both_are_good():
    assert messages(with_separate_policy(stack(), private_policy()), LOWER) == []


def test_several_separate_policies_are_each_judged():
    resources = changed(prod_stack(), "private-api", policy=None)
    resources = with_separate_policy(resources, private_policy(vpn=False), name="good")
    resources = with_separate_policy(resources, OPEN, name="bad")
    found = messages(resources)
    assert any("has 2 resource policy sources" in m for m in found)
    assert any("(policy from RestApiPolicy 'bad')" in m for m in found)
    assert not any("(policy from RestApiPolicy 'good')" in m for m in found)


def test_a_separate_policy_joined_only_by_dependency_counts():
    """During a preview restApiId is unknown; the engine's property dependency joins it."""
    api = find(prod_stack(), "private-api")
    resources = added(prod_stack(), REST_API_POLICY, "late", {"restApiId": UNKNOWN, "policy": json.dumps(OPEN)},
                      restApiId=(api.urn,))
    assert any("(policy from RestApiPolicy 'late')" in m for m in messages(resources))


@pytest.mark.parametrize("holder", ["body", "put"])
def test_a_policy_in_an_openapi_body_is_a_source(holder):
    body = json.dumps({"openapi": "3.0.1", "paths": {}, "x-amazon-apigateway-policy": OPEN})
    if holder == "body":
        resources = changed(prod_stack(), "private-api", body=body)
        source = "its OpenAPI body's x-amazon-apigateway-policy"
    else:
        resources = added(prod_stack(), "aws:apigateway/restApiPut:RestApiPut", "spec",
                          {"restApiId": PRIVATE_API_ID, "body": body})
        source = "RestApiPut 'spec' body's x-amazon-apigateway-policy"
    found = messages(resources)
    assert any(f"has 2 resource policy sources (its inline policy, {source})" in m for m in found)
    assert any(f"(policy from {source})" in m and "foreign-endpoint" in m for m in found)


def test_an_openapi_body_without_a_policy_is_no_source():
    body = json.dumps({"openapi": "3.0.1", "paths": {}})
    assert messages(changed(prod_stack(), "private-api", body=body)) == []


@pytest.mark.parametrize("resource", [
    f"{EXECUTION_ARN}/*",
    f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{PRIVATE_API_ID}/*/*/*",
    "execute-api:/*",
])
def test_full_arn_and_shorthand_api_policies_pass(resource):
    policy = private_policy(vpn=False)
    for statement in policy["Statement"]:
        statement["Resource"] = resource
    assert messages(changed(prod_stack(), "private-api", policy=json.dumps(policy))) == []


DOMAIN_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:/domainnames/{DOMAIN}+{DOMAIN_ID}"


@pytest.mark.parametrize("resource", [
    DOMAIN_ARN,
    f"arn:aws:execute-api:us-east-1:{ACCOUNT}:/domainnames/{DOMAIN}+*",
    f"arn:aws:execute-api:us-east-1:{ACCOUNT}:/domainnames/*",
    [DOMAIN_ARN, "execute-api:/*"],
])
def test_a_domain_policy_naming_its_own_full_arn_is_no_false_alarm(resource):
    policy = private_policy(vpn=False)
    for statement in policy["Statement"]:
        statement["Resource"] = resource
    resources = changed(prod_stack(alb=True), "private-domain", policy=json.dumps(policy))
    assert messages(resources) == []


def test_a_domain_policy_with_its_own_full_arn_still_catches_a_hole():
    policy = {"Version": "2012-10-17", "Statement": [dict(OPEN["Statement"][0], Resource=DOMAIN_ARN)]}
    resources = changed(prod_stack(alb=True), "private-domain", policy=json.dumps(policy))
    found = messages(resources)
    assert found and all("DomainName 'private-domain'" in m for m in found)
    assert any("foreign-endpoint" in m for m in found)


def test_a_domain_policy_allowing_another_domains_arn_lets_nobody_in_here():
    other = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:/domainnames/other.example.com+zzz999"
    policy = {"Version": "2012-10-17", "Statement": [dict(OPEN["Statement"][0], Resource=other)]}
    resources = changed(prod_stack(alb=True), "private-domain", policy=json.dumps(policy))
    assert messages(resources) == []


def test_a_domain_id_unknown_in_preview_defers_only_an_id_specific_arn():
    exact = private_policy(vpn=False)
    for statement in exact["Statement"]:
        statement["Resource"] = DOMAIN_ARN
    resources = changed(prod_stack(alb=True), "private-domain", domainNameId=UNKNOWN,
                        policy=json.dumps(exact))
    [finding] = check_resource_policies(resources, PROD)
    assert finding.unknown and "domainNameId" in finding.message
    wildcard = json.loads(json.dumps(exact).replace(f"+{DOMAIN_ID}", "+*"))
    resources = changed(prod_stack(alb=True), "private-domain", domainNameId=UNKNOWN,
                        policy=json.dumps(wildcard))
    assert messages(resources) == []


def test_the_endpoint_in_the_baseline_is_the_one_admitted():
    # Guards the fixtures the tests above rely on.
    assert OUR_VPCE in find(prod_stack(), "private-api").props["policy"]


def test_a_refreshed_api_echoing_its_rest_api_policy_is_one_source():
    """After AWS applies a RestApiPolicy, a refreshed RestApi reports the same document as its
    `policy` output, with the shorthand written out as the API's ARN: not a second source."""
    good = private_policy(vpn=False)
    echoed = json.loads(json.dumps(good).replace('"execute-api:/*"', f'"{EXECUTION_ARN}/*"'))
    resources = with_separate_policy(changed(prod_stack(), "private-api", policy=json.dumps(echoed)), good)
    assert messages(resources) == []


def test_an_inline_policy_that_differs_from_the_rest_api_policy_is_two_sources():
    other = private_policy(vpn=True)
    resources = with_separate_policy(prod_stack(), other)
    assert any("has 2 resource policy sources" in m for m in messages(resources))


def test_two_sources_both_unknown_in_a_preview_are_not_taken_for_an_echo():
    resources = with_separate_policy(changed(prod_stack(), "private-api", policy=UNKNOWN), OPEN)
    resources = changed(resources, "private-api-policy", policy=UNKNOWN)
    assert any("has 2 resource policy sources" in m for m in messages(resources))
