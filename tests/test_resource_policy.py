"""The private API's resource policy builder, over a table of tiers and inputs; the form AWS reads
back; the execute-api endpoint's policy."""

import json

import pytest

from components.resource_policy import (
    ALL_METHODS,
    allowed_networks,
    api_methods_arn,
    build_endpoint_policy,
    build_private_api_policy,
    partition_of,
)
from tests.program_support import only, rendered

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


# --- what a refresh reads back ------------------------------------------------------------

SHORTHAND = "execute-api:/"


def as_aws_returns(document: dict, api_arn: str) -> dict:
    """AWS's normalisation of a REST API policy, as GetRestApi returns it: every `execute-api:/...`
    Resource expanded to the API's own ARN (`arn:aws:execute-api:<region>:<account>:<api-id>/...`),
    and a one-element list given back as a plain string."""

    def expand(value):
        if isinstance(value, list):
            values = [expand(v) for v in value]
            return values[0] if len(values) == 1 else values
        if isinstance(value, str) and value.startswith(SHORTHAND):
            return api_arn + value[len(SHORTHAND) - 1 :]
        return value

    returned = json.loads(json.dumps(document))
    for statement in returned["Statement"]:
        for key in ("Resource", "NotResource"):
            if key in statement:
                statement[key] = expand(statement[key])
        for operator, keys in statement.get("Condition", {}).items():
            statement["Condition"][operator] = {k: expand(v) for k, v in keys.items()}
    return returned


def provider_sees_a_diff(written: dict, returned: dict) -> bool:
    """The provider keeps what AWS returns unless it is an equivalent policy: a string equals a
    one-element list, list order does not matter, Principal "*" equals {"AWS": "*"}."""

    def canonical(value):
        if isinstance(value, dict):
            return {k: canonical(v) for k, v in sorted(value.items())}
        values = value if isinstance(value, list) else [value]
        return sorted(json.dumps(v, sort_keys=True) for v in values)

    def statements(document):
        found = []
        for statement in document["Statement"]:
            statement = dict(statement)
            if statement.get("Principal") == "*":
                statement["Principal"] = {"AWS": "*"}
            found.append(json.dumps(canonical(statement), sort_keys=True))
        return sorted(found)

    return statements(written) != statements(returned)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_private_api_policy_is_what_aws_reads_back(stack):
    """`pipeline drift` must not find the policy changed on every refresh."""
    inventory = rendered(stack)
    api = only(inventory, "aws:apigateway/restApi:RestApi", "private-api")
    written = json.loads(only(inventory, "aws:apigateway/restApiPolicy:RestApiPolicy").inputs["policy"])
    assert not provider_sees_a_diff(written, as_aws_returns(written, api.outputs["executionArn"]))


def test_the_shorthand_would_drift():
    """What the previous form did: the check above catches it."""
    api_arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"
    written = build_private_api_policy(allowed_endpoint_ids=[OURS], allowed_cidrs=["10.20.0.0/16"])
    assert provider_sees_a_diff(written, as_aws_returns(written, api_arn))


def test_every_statement_names_the_apis_own_arn():
    arn = api_methods_arn(region="us-east-1", account_id="123456789012", api_id="a1b2c3d4e5")
    assert arn == "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"
    policy = build_private_api_policy(allowed_endpoint_ids=[OURS], allowed_cidrs=["10.20.0.0/16"], resource=arn)
    assert {s["Resource"] for s in policy["Statement"]} == {arn}
    assert ALL_METHODS not in json.dumps(policy)


@pytest.mark.parametrize(("region", "partition"), [("us-east-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")])
def test_partition_follows_the_region(region, partition):
    assert api_methods_arn(region=region, account_id="123456789012", api_id="a1b2c3d4e5").startswith(f"arn:{partition}:")
    assert partition_of(region) == partition


@pytest.mark.parametrize(("account", "api_id", "message"), [
    ("12345678901", "a1b2c3d4e5", "12 digits"),
    ("*", "a1b2c3d4e5", "12 digits"),
    ("123456789012", "*", "10 lowercase"),
    ("123456789012", "A1B2C3D4E5", "10 lowercase"),
])
def test_api_arn_refuses_wildcards_and_typos(account, api_id, message):
    with pytest.raises(ValueError, match=message):
        api_methods_arn(region="us-east-1", account_id=account, api_id=api_id)


# --- the execute-api endpoint's policy ----------------------------------------------------


def test_endpoint_policy_admits_only_the_given_accounts_apis():
    policy = build_endpoint_policy(partition="aws", region="us-east-1", account_ids=["123456789012", "210987654321", "123456789012"])
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "execute-api:Invoke"
    # `...:<account>:*` covers the account's APIs (`<api-id>/...`) and private domains (`/domainnames/...`).
    assert statement["Resource"] == ["arn:aws:execute-api:us-east-1:123456789012:*", "arn:aws:execute-api:us-east-1:210987654321:*"]


@pytest.mark.parametrize("accounts", [[], ["*"], ["12345678901*"], ["123456789012", "all"]])
def test_endpoint_policy_refuses_what_would_admit_other_accounts(accounts):
    with pytest.raises(ValueError):
        build_endpoint_policy(partition="aws", region="us-east-1", account_ids=accounts)


@pytest.mark.parametrize(("resource", "decision"), [
    ("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1/GET/security", "Allow"),
    ("arn:aws:execute-api:us-east-1:123456789012:/domainnames/api.internal.example.com+abcd1234", "Allow"),
    ("arn:aws:execute-api:us-east-1:999999999999:a1b2c3d4e5/v1/GET/security", "ImplicitDeny"),
    ("arn:aws:execute-api:eu-west-1:123456789012:a1b2c3d4e5/v1/GET/security", "ImplicitDeny"),
])
def test_endpoint_policy_as_the_evaluator_reads_it(resource, decision):
    from pipeline.policy_path import ensure_policies_on_path

    ensure_policies_on_path()
    from gatehouse_guard.evaluator import Request, evaluate, parse_policy

    policy = build_endpoint_policy(partition="aws", region="us-east-1", account_ids=["123456789012"])
    assert evaluate(parse_policy(policy), Request(action="execute-api:Invoke", resource=resource)).decision == decision
