"""The private API's resource policy builder, over a table of tiers and inputs."""

import pytest

from components.resource_policy import allowed_networks, build_private_api_policy

OURS = "vpce-0a1b2c3d4e5f67890"
EXTRA = "vpce-0fedcba9876543210"


def statements(policy):
    return {s["Sid"]: s for s in policy["Statement"]}


@pytest.mark.parametrize(
    ("tier", "vpn", "consumers", "expected"),
    [
        ("dev", ["172.31.250.0/24"], [], ["10.20.0.0/16", "172.31.250.0/24"]),
        ("staging", ["172.31.250.0/24"], ["10.99.0.0/16"], ["10.20.0.0/16", "10.99.0.0/16", "172.31.250.0/24"]),
        ("review", [], [], ["10.20.0.0/16"]),
        ("prod", ["172.31.250.0/24"], [], ["10.20.0.0/16"]),
        ("prod", [], ["10.99.0.0/16"], ["10.20.0.0/16", "10.99.0.0/16"]),
    ],
)
def test_allowed_networks_by_tier(tier, vpn, consumers, expected):
    networks = allowed_networks(vpc_cidr="10.20.0.0/16", consumer_cidrs=consumers, vpn_cidrs=vpn, is_prod=tier == "prod")
    assert networks == expected


def test_allow_only_through_allowed_endpoints():
    policy = build_private_api_policy(allowed_endpoint_ids=[OURS, EXTRA], allowed_cidrs=["10.20.0.0/16"])
    allow = statements(policy)["AllowInvokeThroughAllowedEndpoints"]
    assert allow["Effect"] == "Allow"
    assert allow["Action"] == "execute-api:Invoke"
    assert allow["Resource"] == "execute-api:/*"
    assert allow["Condition"] == {"StringEquals": {"aws:SourceVpce": [OURS, EXTRA]}}


def test_every_deny_has_exactly_one_condition_key():
    """Several keys under one negated operator are ANDed: the Deny would leak (DESIGN.md)."""
    policy = build_private_api_policy(allowed_endpoint_ids=[OURS], allowed_cidrs=["10.20.0.0/16", "172.31.250.0/24"])
    denies = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert len(denies) == 2
    for deny in denies:
        (operator, keys), = deny["Condition"].items()
        assert len(keys) == 1, deny["Sid"]


def test_network_deny_uses_vpc_source_ip_never_source_ip():
    policy = build_private_api_policy(allowed_endpoint_ids=[OURS], allowed_cidrs=["10.20.0.0/16"])
    deny = statements(policy)["DenyInvokeFromOutsideAllowedNetworks"]
    assert deny["Condition"] == {"NotIpAddress": {"aws:VpcSourceIp": ["10.20.0.0/16"]}}
    assert "aws:SourceIp" not in str(policy)


def test_endpoint_deny_covers_requests_with_no_endpoint():
    deny = statements(build_private_api_policy(allowed_endpoint_ids=[OURS], allowed_cidrs=["10.20.0.0/16"]))[
        "DenyInvokeThroughOtherEndpoints"
    ]
    # StringNotEquals matches when aws:SourceVpce is absent, so internet traffic is denied too.
    assert deny["Condition"] == {"StringNotEquals": {"aws:SourceVpce": [OURS]}}


def test_duplicates_are_folded_and_order_kept():
    policy = build_private_api_policy(allowed_endpoint_ids=[OURS, EXTRA, OURS], allowed_cidrs=["10.20.0.0/16", "10.20.0.0/16"])
    assert statements(policy)["AllowInvokeThroughAllowedEndpoints"]["Condition"]["StringEquals"]["aws:SourceVpce"] == [OURS, EXTRA]
    assert statements(policy)["DenyInvokeFromOutsideAllowedNetworks"]["Condition"]["NotIpAddress"]["aws:VpcSourceIp"] == ["10.20.0.0/16"]


@pytest.mark.parametrize(
    ("endpoints", "cidrs", "message"),
    [
        ([], ["10.20.0.0/16"], "at least one allowed VPC endpoint"),
        (["vpce-*"], ["10.20.0.0/16"], "literal vpce- ids"),
        (["sg-123"], ["10.20.0.0/16"], "literal vpce- ids"),
        ([OURS], [], "at least one allowed network"),
        ([OURS], ["0.0.0.0/0"], "would admit every address"),
        ([OURS], ["10.20.0.1/16"], "host bits set"),
    ],
)
def test_refuses_policies_that_would_open_the_api(endpoints, cidrs, message):
    with pytest.raises(ValueError, match=message):
        build_private_api_policy(allowed_endpoint_ids=endpoints, allowed_cidrs=cidrs)
