"""private-api-resource-policy: the policy is evaluated against the stack's callers, so every
spelling of a hole shows up as a caller who gets Allow."""

import json
from dataclasses import replace

import pytest
from gatehouse_guard.rules.resource_policy import Settings, check_resource_policies
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import (
    OUR_VPCE,
    PRIVATE_API_ID,
    VPC_CIDR,
    VPN_CIDR,
    find,
    private_policy,
    res,
    stack,
)

LOWER = Settings(tier="lower", vpn_cidrs=(VPN_CIDR,))
PROD = Settings(tier="prod", vpn_cidrs=(VPN_CIDR,))
INVOKE = {"Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}


def with_policy(policy, resources=None, name="private-api"):
    resources = resources if resources is not None else stack()
    target = find(resources, name)
    raw = json.dumps(policy) if isinstance(policy, dict) else policy
    resources[resources.index(target)] = replace(target, props={**target.props, "policy": raw})
    return resources


def messages(resources, settings=LOWER) -> list[str]:
    return [f.message for f in check_resource_policies(resources, settings)]


def leaked(resources, settings=LOWER) -> set[str]:
    found = set()
    for message in messages(resources, settings):
        if "lets in scenario '" in message:
            found.add(message.split("lets in scenario '", 1)[1].split("'", 1)[0])
    return found


def allow_only(condition=None, **extra):
    statement = {"Sid": "AllowAll", "Effect": "Allow", **INVOKE, **extra}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_baseline_lower_tier_passes():
    assert messages(stack()) == []


def test_baseline_without_vpn_passes_in_prod():
    assert messages(stack(vpn=False), PROD) == []


def test_vpn_range_in_prod_policy_lets_the_vpn_client_in():
    [message] = messages(stack(vpn=True), PROD)
    assert "RestApi 'private-api'" in message
    assert "scenario 'vpn-client'" in message
    assert "Allow via AllowOurEndpoint" in message
    assert "no VPN client in prod" in message


def test_vpn_range_in_prod_policy_is_caught_even_without_configured_vpn_probes():
    assert "unlisted-network:172.31.250.0/24" in leaked(stack(vpn=True), Settings(tier="prod"))


def test_allow_without_condition_lets_everyone_in():
    found = leaked(with_policy(allow_only()))
    assert {"other-endpoint-same-vpc", "foreign-endpoint"} <= found


def test_wildcard_endpoint_value_lets_other_endpoints_in():
    found = leaked(with_policy(allow_only({"StringLike": {"aws:SourceVpce": "vpce-*"}})))
    assert {"other-endpoint-same-vpc", "foreign-endpoint"} <= found


def test_source_ip_condition_is_flagged_statically():
    policy = allow_only({"IpAddress": {"aws:SourceIp": VPC_CIDR}})
    policy["Statement"].append({"Sid": "DenyOthers", "Effect": "Deny", **INVOKE,
                                "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}}})
    [message] = messages(with_policy(policy))
    assert "AllowAll condition on aws:SourceIp" in message
    assert "use aws:VpcSourceIp" in message


def test_multi_key_negated_deny_leaks_other_endpoint_in_same_vpc():
    """Keys under one StringNotEquals are ANDed: same VPC, other endpoint is not denied."""
    policy = allow_only()
    policy["Statement"].append({
        "Sid": "DenyElse", "Effect": "Deny", **INVOKE,
        "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE,
                                          "aws:SourceVpc": "vpc-0dev"}}})
    found = leaked(with_policy(policy))
    assert "other-endpoint-same-vpc" in found
    assert "foreign-endpoint" not in found


def test_not_principal_allow_lets_everyone_in():
    policy = allow_only()
    statement = policy["Statement"][0]
    del statement["Principal"]
    statement["NotPrincipal"] = {"AWS": "arn:aws:iam::999999999999:root"}
    assert "foreign-endpoint" in leaked(with_policy(policy))


def test_private_api_without_policy_is_a_violation():
    [message] = messages(with_policy(""))
    assert "is meant to be private but has no resource policy" in message


def test_separate_rest_api_policy_is_honoured():
    resources = with_policy("") + [res(
        "aws:apigateway/restApiPolicy:RestApiPolicy", "private-api-policy",
        {"restApiId": PRIVATE_API_ID, "policy": json.dumps(private_policy())})]
    assert messages(resources) == []
    resources[-1] = replace(resources[-1], props={"restApiId": PRIVATE_API_ID,
                                                  "policy": json.dumps(allow_only())})
    assert "foreign-endpoint" in leaked(resources)


def test_endpoint_named_in_policy_but_not_configured_is_a_leak():
    policy = private_policy()
    for statement in policy["Statement"][:2]:
        statement["Condition"][next(iter(statement["Condition"]))]["aws:SourceVpce"] = [
            OUR_VPCE, "vpce-0stranger000000"]
    resources = with_policy(policy)
    assert leaked(resources) == {"unlisted-endpoint:vpce-0stranger000000"}
    allowed = replace(LOWER, allowed_endpoint_ids=("vpce-0stranger000000",))
    assert messages(resources, allowed) == []


def test_private_domain_policy_is_evaluated_too():
    domain = res("aws:apigateway/domainName:DomainName", "private-domain", {
        "domainName": "api.dev.internal.example.com", "domainNameId": "abc123",
        "arn": "arn:aws:apigateway:us-east-1::/domainnames/api.dev.internal.example.com+abc123",
        "endpointConfiguration": {"types": "PRIVATE"}, "securityPolicy": "TLS_1_2",
        "policy": json.dumps(private_policy())})
    assert messages(stack() + [domain]) == []
    resources = with_policy(allow_only(), stack() + [domain], name="private-domain")
    [*found] = messages(resources)
    assert found and all("DomainName 'private-domain'" in m for m in found)


def test_unknown_policy_is_an_unknown_finding():
    [finding] = check_resource_policies(with_policy(UNKNOWN), PROD)
    assert finding.unknown and "the resource policy is unknown" in finding.message


def test_policy_that_is_not_json_is_a_violation():
    [message] = messages(with_policy("{not json"))
    assert "not valid JSON" in message


@pytest.mark.parametrize("settings", [LOWER, PROD])
def test_program_builder_policy_passes(settings):
    """The program's own builder output passes the pack in both tiers it is built for."""
    from components.resource_policy import allowed_networks, build_private_api_policy

    networks = allowed_networks(vpc_cidr=VPC_CIDR, consumer_cidrs=[], vpn_cidrs=[VPN_CIDR],
                                is_prod=settings.tier == "prod")
    policy = build_private_api_policy(allowed_endpoint_ids=[OUR_VPCE], allowed_cidrs=networks)
    assert messages(with_policy(policy), settings) == []


def test_private_api_with_no_endpoint_anywhere_is_a_violation():
    resources = [r for r in stack() if r.name != "execute-api"]
    [message] = messages(resources)
    assert "declares no execute-api VPC endpoint and allowedEndpointIds is empty" in message


def test_allow_without_condition_also_shows_the_internet_caller():
    assert "internet" in leaked(with_policy(allow_only()))


def test_adopted_vpc_needs_the_configured_cidr():
    resources = [r for r in stack() if r.name != "network-vpc"]
    [message] = messages(resources)
    assert "has no vpcCidr" in message
    assert messages(resources, replace(LOWER, vpc_cidr=VPC_CIDR)) == []


def test_api_tagged_private_but_regional_still_has_its_policy_judged():
    resources = with_policy(allow_only())
    api = find(resources, "private-api")
    resources[resources.index(api)] = replace(api, props={
        **api.props, "endpointConfiguration": {"types": "REGIONAL"}})
    assert "internet" in leaked(resources)
