"""Scenarios: the callers each API is judged against, and what the evaluator says about them."""

from __future__ import annotations

import ipaddress

import pytest
from gatehouse_guard.evaluator import evaluate
from gatehouse_guard.scenarios import (
    FOREIGN_ENDPOINT,
    INTERNET,
    OTHER_ENDPOINT_SAME_VPC,
    OUR_ENDPOINT,
    SCENARIO_NAMES,
    VPN_CLIENT,
    ScenarioError,
    derive_scenarios,
)

API_ARN = "arn:aws:execute-api:eu-west-1:111122223333:a1b2c3d4e5"
OUR_VPCE = "vpce-0a1b2c3d4e5f67890"
SECOND_VPCE = "vpce-0b2c3d4e5f6789012"
VPC_ID = "vpc-0aa11bb22cc33dd44"
VPC_CIDR = "10.20.0.0/16"
VPN_CIDR = "172.16.0.0/22"
PRIVATE_RANGES = [
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
]


def scenarios(**overrides):
    arguments = {
        "api_arn": API_ARN,
        "our_endpoint_ids": [OUR_VPCE, SECOND_VPCE],
        "vpc_id": VPC_ID,
        "vpc_cidr": VPC_CIDR,
        "vpn_cidrs": [VPN_CIDR],
    }
    return {s.name: s for s in derive_scenarios(**(arguments | overrides))}


def ip(scenario, key="aws:VpcSourceIp"):
    return ipaddress.ip_address(scenario.request.context[key])


def test_all_five_scenarios_in_order_with_a_vpn():
    assert list(scenarios()) == list(SCENARIO_NAMES)


def test_no_vpn_scenario_without_vpn_ranges_but_always_internet():
    names = list(scenarios(vpn_cidrs=()))
    assert names == [OUR_ENDPOINT, OTHER_ENDPOINT_SAME_VPC, FOREIGN_ENDPOINT, INTERNET]


def test_every_request_invokes_a_concrete_route_of_the_api_anonymously():
    for scenario in scenarios().values():
        assert scenario.request.action == "execute-api:Invoke"
        assert scenario.request.resource == f"{API_ARN}/live/GET/health"
        assert scenario.request.principal == "*"
        assert scenario.description


def test_our_endpoint_is_the_first_id_from_inside_the_vpc_and_has_no_source_ip():
    ours = scenarios()[OUR_ENDPOINT].request.context
    assert ours["aws:SourceVpce"] == OUR_VPCE
    assert ours["aws:SourceVpc"] == VPC_ID
    assert ip(scenarios()[OUR_ENDPOINT]) in ipaddress.ip_network(VPC_CIDR)
    assert "aws:SourceIp" not in ours


def test_other_endpoint_is_in_our_vpc_but_none_of_our_ids():
    other = scenarios()[OTHER_ENDPOINT_SAME_VPC]
    assert other.request.context["aws:SourceVpce"] not in (OUR_VPCE, SECOND_VPCE)
    assert other.request.context["aws:SourceVpce"].startswith("vpce-0")
    assert other.request.context["aws:SourceVpc"] == VPC_ID
    assert ip(other) in ipaddress.ip_network(VPC_CIDR)


def test_derived_ids_avoid_our_ids_even_when_they_collide():
    first = scenarios()
    taken = [
        first[OTHER_ENDPOINT_SAME_VPC].request.context["aws:SourceVpce"],
        first[FOREIGN_ENDPOINT].request.context["aws:SourceVpce"],
    ]
    again = scenarios(our_endpoint_ids=taken)
    endpoints = [again[name].request.context["aws:SourceVpce"] for name in SCENARIO_NAMES[:3]]
    assert endpoints[0] == taken[0]
    assert len(set(endpoints)) == 3


def test_foreign_endpoint_is_another_vpc_in_an_unrelated_private_range():
    foreign = scenarios()[FOREIGN_ENDPOINT]
    context = foreign.request.context
    assert context["aws:SourceVpce"] not in (OUR_VPCE, SECOND_VPCE)
    assert context["aws:SourceVpc"] != VPC_ID
    address = ip(foreign)
    assert address not in ipaddress.ip_network(VPC_CIDR)
    assert address not in ipaddress.ip_network(VPN_CIDR)
    assert any(address in network for network in PRIVATE_RANGES)


def test_foreign_range_moves_away_from_a_vpc_that_uses_the_first_choice():
    foreign = scenarios(vpc_cidr="192.168.0.0/16", vpn_cidrs=["172.16.0.0/12"])[FOREIGN_ENDPOINT]
    address = ip(foreign)
    assert address not in ipaddress.ip_network("192.168.0.0/16")
    assert address not in ipaddress.ip_network("172.16.0.0/12")


def test_vpn_client_goes_through_our_endpoint_from_the_first_vpn_range():
    vpn = scenarios(vpn_cidrs=[VPN_CIDR, "172.16.8.0/22"])[VPN_CLIENT]
    assert vpn.request.context["aws:SourceVpce"] == OUR_VPCE
    assert ip(vpn) in ipaddress.ip_network(VPN_CIDR)


def test_internet_carries_only_a_public_source_ip():
    internet = scenarios()[INTERNET]
    assert set(internet.request.context) == {"aws:SourceIp"}
    assert not any(ip(internet, "aws:SourceIp") in network for network in PRIVATE_RANGES)


def test_internet_description_says_a_private_api_has_no_public_endpoint():
    assert "PRIVATE API" in scenarios()[INTERNET].description
    assert "PRIVATE API" not in scenarios(private=False)[INTERNET].description


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"api_arn": f"{API_ARN}/live/GET/health"}, "api_arn must be an API's execution ARN"),
        ({"api_arn": "arn:aws:lambda:eu-west-1:111122223333:function:x"}, "api_arn must be"),
        ({"our_endpoint_ids": []}, "our_endpoint_ids must list at least one id"),
        ({"our_endpoint_ids": OUR_VPCE}, "our_endpoint_ids must list"),
        ({"vpc_cidr": "10.20.0.0/33"}, "vpc_cidr must be a CIDR"),
        ({"vpn_cidrs": ["vpn"]}, "vpn_cidrs must be a CIDR"),
        ({"vpn_cidrs": VPN_CIDR}, "vpn_cidrs must be a list"),
        ({"vpc_id": ""}, "vpc_id must be"),
    ],
)
def test_bad_network_facts_are_named(overrides, fragment):
    with pytest.raises(ScenarioError, match=fragment):
        scenarios(**overrides)


def _policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _statement(effect, sid, condition=None):
    body = {
        "Sid": sid,
        "Effect": effect,
        "Principal": "*",
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*",
    }
    return body | ({"Condition": condition} if condition else {})


def matrix(document):
    return {name: evaluate(document, s.request).decision for name, s in scenarios().items()}


ALLOW_ALL = _statement("Allow", "AllowInvoke")
ONLY_OUR_ENDPOINT = _statement(
    "Deny", "DenyOtherEndpoints", {"StringNotEquals": {"aws:SourceVpce": [OUR_VPCE, SECOND_VPCE]}}
)


def test_one_key_deny_admits_only_our_endpoint_and_its_vpn_clients():
    assert matrix(_policy(ALLOW_ALL, ONLY_OUR_ENDPOINT)) == {
        OUR_ENDPOINT: "Allow",
        OTHER_ENDPOINT_SAME_VPC: "ExplicitDeny",
        FOREIGN_ENDPOINT: "ExplicitDeny",
        VPN_CLIENT: "Allow",
        INTERNET: "ExplicitDeny",
    }


def test_a_vpc_source_ip_deny_shuts_the_vpn_out():
    vpc_only = _statement("Deny", "DenyOutsideVpc", {"NotIpAddress": {"aws:VpcSourceIp": VPC_CIDR}})
    result = matrix(_policy(ALLOW_ALL, ONLY_OUR_ENDPOINT, vpc_only))
    assert result[OUR_ENDPOINT] == "Allow"
    assert result[VPN_CLIENT] == "ExplicitDeny"


def test_the_multi_key_deny_of_the_seed_leaks_the_other_endpoint():
    leaky = _statement(
        "Deny",
        "DenyUnlessOurs",
        {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": VPC_ID}},
    )
    result = matrix(_policy(ALLOW_ALL, leaky))
    assert result[OTHER_ENDPOINT_SAME_VPC] == "Allow"
    assert result[FOREIGN_ENDPOINT] == "ExplicitDeny"


def test_a_vpce_wildcard_admits_the_foreign_endpoint():
    wildcard = _statement("Allow", "AnyEndpoint", {"StringLike": {"aws:SourceVpce": "vpce-*"}})
    result = matrix(_policy(wildcard))
    assert result[FOREIGN_ENDPOINT] == "Allow"
    assert result[INTERNET] == "ImplicitDeny"


def test_a_source_ip_allow_shuts_every_endpoint_caller_out():
    source_ip = _statement("Allow", "FromVpc", {"IpAddress": {"aws:SourceIp": VPC_CIDR}})
    assert set(matrix(_policy(source_ip)).values()) == {"ImplicitDeny"}
