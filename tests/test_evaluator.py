"""The access evaluator against IAM's documented semantics, one combining rule per group.

Every group holds at least one case whose answer differs from the naive reading of the policy
(noted in the case id): those are the holes the pack exists to find.
"""

from __future__ import annotations

import pytest
from gatehouse_guard.arns import resource_matches
from gatehouse_guard.conditions import SUPPORTED_OPERATORS, parse_operator
from gatehouse_guard.evaluator import (
    Decision,
    PolicyError,
    Request,
    RequestError,
    evaluate,
    parse_policy,
)

ACCOUNT = "111122223333"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3d4e5"
HEALTH = f"{API}/live/GET/health"
OUR_VPCE = "vpce-0a1b2c3d4e5f67890"
OTHER_VPCE = "vpce-0fedcba9876543210"  # another endpoint in our VPC
FOREIGN_VPCE = "vpce-0123456789abcdef0"
OUR_VPC = "vpc-0aa11bb22cc33dd44"
FOREIGN_VPC = "vpc-0ee55ff66aa77bb88"
CI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/admin"
STRANGER_ROLE = "arn:aws:iam::444455556666:role/ci-deploy"

OURS = {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": OUR_VPC, "aws:VpcSourceIp": "10.20.1.5"}
OTHER = {"aws:SourceVpce": OTHER_VPCE, "aws:SourceVpc": OUR_VPC, "aws:VpcSourceIp": "10.20.7.7"}
FOREIGN = {
    "aws:SourceVpce": FOREIGN_VPCE,
    "aws:SourceVpc": FOREIGN_VPC,
    "aws:VpcSourceIp": "192.168.4.4",
}
INTERNET = {"aws:SourceIp": "203.0.113.10"}


def stmt(effect: str = "Allow", sid: str | None = None, condition=None, **elements) -> dict:
    """A statement that applies to every Invoke on the API unless told otherwise."""
    body = {"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke"}
    body["Resource"] = "execute-api:/*"
    if sid:
        body["Sid"] = sid
    for negated, positive in (
        ("NotPrincipal", "Principal"),
        ("NotAction", "Action"),
        ("NotResource", "Resource"),
    ):
        if negated in elements:
            body.pop(positive)
    body.update(elements)
    if condition is not None:
        body["Condition"] = condition
    return body


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def req(context=None, principal="*", resource=HEALTH, action="execute-api:Invoke") -> Request:
    return Request(action=action, resource=resource, principal=principal, context=context or {})


ALLOW_ALL = stmt(sid="AllowAll")
LEAKY_DENY = stmt(
    "Deny",
    "DenyUnlessOurs",
    {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": OUR_VPC}},
)

CASES = [
    # -- decision order -------------------------------------------------------------------
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "DenyAll")),
        req(OURS),
        "ExplicitDeny",
        ("DenyAll",),
        id="deny-beats-allow-and-only-denies-are-reported",
    ),
    pytest.param(
        policy(stmt(sid="OnlyPost", Resource="execute-api:/*/POST/*")),
        req(OURS),
        "ImplicitDeny",
        (),
        id="nothing-matches-implicit-deny",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt(), stmt(sid="AlsoAll")),
        req(OURS),
        "Allow",
        ("AllowAll", "#1", "AlsoAll"),
        id="every-matching-allow-reported-unnamed-by-index",
    ),
    pytest.param(
        {"Version": "2012-10-17", "Statement": stmt(sid="Single")},
        req(OURS),
        "Allow",
        ("Single",),
        id="statement-may-be-a-single-object",
    ),
    # -- operators in one Condition block are ANDed ----------------------------------------
    pytest.param(
        policy(
            stmt(
                sid="OursFromVpc",
                condition={
                    "StringEquals": {"aws:SourceVpce": OUR_VPCE},
                    "IpAddress": {"aws:VpcSourceIp": "10.20.0.0/16"},
                },
            )
        ),
        req({**OURS, "aws:VpcSourceIp": "10.99.1.1"}),
        "ImplicitDeny",
        (),
        id="operators-anded-naive-or-would-allow",
    ),
    pytest.param(
        policy(
            stmt(
                sid="OursFromVpc",
                condition={
                    "StringEquals": {"aws:SourceVpce": OUR_VPCE},
                    "IpAddress": {"aws:VpcSourceIp": "10.20.0.0/16"},
                },
            )
        ),
        req(OURS),
        "Allow",
        ("OursFromVpc",),
        id="operators-anded-both-hold",
    ),
    # -- keys under one operator are ANDed: the leak of DESIGN.md ---------------------------
    pytest.param(
        policy(ALLOW_ALL, LEAKY_DENY),
        req(OTHER),
        "Allow",
        ("AllowAll",),
        id="multi-key-not-equals-deny-leaks-other-endpoint-in-our-vpc",
    ),
    pytest.param(
        policy(ALLOW_ALL, LEAKY_DENY),
        req({**OURS, "aws:SourceVpc": FOREIGN_VPC}),
        "Allow",
        ("AllowAll",),
        id="multi-key-not-equals-deny-leaks-our-endpoint-id-from-another-vpc",
    ),
    pytest.param(
        policy(ALLOW_ALL, LEAKY_DENY),
        req(FOREIGN),
        "ExplicitDeny",
        ("DenyUnlessOurs",),
        id="multi-key-not-equals-deny-holds-when-every-key-differs",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt("Deny", "DenyOtherEndpoints", {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}}),
            stmt("Deny", "DenyOtherVpcs", {"StringNotEquals": {"aws:SourceVpc": OUR_VPC}}),
        ),
        req(OTHER),
        "ExplicitDeny",
        ("DenyOtherEndpoints",),
        id="one-key-per-deny-closes-the-leak",
    ),
    # -- values of one key are ORed ------------------------------------------------------
    pytest.param(
        policy(
            stmt(sid="Two", condition={"StringEquals": {"aws:SourceVpce": [OUR_VPCE, OTHER_VPCE]}})
        ),
        req(OTHER),
        "Allow",
        ("Two",),
        id="values-ored-naive-and-would-deny",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt(
                "Deny", "NotOurs", {"StringNotEquals": {"aws:SourceVpce": [OUR_VPCE, OTHER_VPCE]}}
            ),
        ),
        req(OTHER),
        "Allow",
        ("AllowAll",),
        id="negated-values-mean-none-of-naive-differs-from-one-would-deny",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt(
                "Deny", "NotOurs", {"StringNotEquals": {"aws:SourceVpce": [OUR_VPCE, OTHER_VPCE]}}
            ),
        ),
        req(FOREIGN),
        "ExplicitDeny",
        ("NotOurs",),
        id="negated-values-deny-a-value-outside-the-list",
    ),
    # -- condition key names are case-insensitive, values are not --------------------------
    pytest.param(
        policy(stmt(sid="Upper", condition={"StringEquals": {"AWS:SOURCEVPCE": OUR_VPCE}})),
        req({"aws:sourcevpce": OUR_VPCE}),
        "Allow",
        ("Upper",),
        id="key-names-case-insensitive",
    ),
    pytest.param(
        policy(
            stmt(sid="Shouty", condition={"StringEquals": {"aws:SourceVpce": OUR_VPCE.upper()}})
        ),
        req(OURS),
        "ImplicitDeny",
        (),
        id="string-equals-values-case-sensitive",
    ),
    pytest.param(
        policy(
            stmt(
                sid="Shouty",
                condition={"StringEqualsIgnoreCase": {"aws:SourceVpce": OUR_VPCE.upper()}},
            )
        ),
        req(OURS),
        "Allow",
        ("Shouty",),
        id="string-equals-ignore-case",
    ),
    # -- absent keys ------------------------------------------------------------------------
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt("Deny", "DenyForeign", {"StringEquals": {"aws:SourceVpce": FOREIGN_VPCE}}),
        ),
        req(INTERNET),
        "Allow",
        ("AllowAll",),
        id="positive-operator-on-absent-key-does-not-match",
    ),
    pytest.param(
        policy(
            ALLOW_ALL, stmt("Deny", "OnlyOurs", {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}})
        ),
        req(INTERNET),
        "ExplicitDeny",
        ("OnlyOurs",),
        id="negated-operator-on-absent-key-matches-naive-would-skip-the-deny",
    ),
    # -- aws:SourceIp is absent behind a VPC endpoint ------------------------------------
    pytest.param(
        policy(stmt(sid="VpcRange", condition={"IpAddress": {"aws:SourceIp": "10.20.0.0/16"}})),
        req(OURS),
        "ImplicitDeny",
        (),
        id="source-ip-allow-is-inert-behind-an-endpoint",
    ),
    pytest.param(
        policy(stmt(sid="VpcRange", condition={"IpAddress": {"aws:VpcSourceIp": "10.20.0.0/16"}})),
        req(OURS),
        "Allow",
        ("VpcRange",),
        id="vpc-source-ip-is-the-key-that-works",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt("Deny", "OutsideVpc", {"NotIpAddress": {"aws:SourceIp": "10.20.0.0/16"}}),
        ),
        req(OURS),
        "ExplicitDeny",
        ("OutsideVpc",),
        id="source-ip-not-ip-deny-denies-all-endpoint-traffic",
    ),
    # -- IfExists -----------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="Maybe", condition={"StringEqualsIfExists": {"aws:SourceVpce": OUR_VPCE}})),
        req(INTERNET),
        "Allow",
        ("Maybe",),
        id="if-exists-absent-key-matches-allow-lets-internet-in",
    ),
    pytest.param(
        policy(stmt(sid="Maybe", condition={"StringEqualsIfExists": {"aws:SourceVpce": OUR_VPCE}})),
        req(FOREIGN),
        "ImplicitDeny",
        (),
        id="if-exists-present-key-still-compares",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt(
                "Deny",
                "Foreign",
                {"ForAnyValue:StringEqualsIfExists": {"aws:SourceVpce": FOREIGN_VPCE}},
            ),
        ),
        req(INTERNET),
        "ExplicitDeny",
        ("Foreign",),
        id="if-exists-with-for-any-value-absent-matches",
    ),
    # -- Null -----------------------------------------------------------------------------
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "NoEndpoint", {"Null": {"aws:SourceVpce": "true"}})),
        req(INTERNET),
        "ExplicitDeny",
        ("NoEndpoint",),
        id="null-true-matches-absent-key",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "NoEndpoint", {"Null": {"aws:SourceVpce": "true"}})),
        req(OURS),
        "Allow",
        ("AllowAll",),
        id="null-true-does-not-match-present-key",
    ),
    pytest.param(
        policy(stmt(sid="AnyEndpoint", condition={"Null": {"aws:SourceVpce": False}})),
        req(FOREIGN),
        "Allow",
        ("AnyEndpoint",),
        id="null-false-admits-any-endpoint-even-foreign",
    ),
    # -- set operators --------------------------------------------------------------------
    pytest.param(
        policy(
            stmt(sid="All", condition={"ForAllValues:StringEquals": {"aws:SourceVpce": [OUR_VPCE]}})
        ),
        req(INTERNET),
        "Allow",
        ("All",),
        id="for-all-values-on-absent-key-matches-naive-would-deny",
    ),
    pytest.param(
        policy(
            stmt(sid="Any", condition={"ForAnyValue:StringEquals": {"aws:SourceVpce": [OUR_VPCE]}})
        ),
        req(INTERNET),
        "ImplicitDeny",
        (),
        id="for-any-value-on-absent-key-does-not-match",
    ),
    pytest.param(
        policy(stmt(sid="All", condition={"ForAllValues:StringEquals": {"aws:TagKeys": "team"}})),
        req({"aws:TagKeys": ["team", "env"]}),
        "ImplicitDeny",
        (),
        id="for-all-values-needs-every-request-value-in-the-set",
    ),
    pytest.param(
        policy(stmt(sid="Any", condition={"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}})),
        req({"aws:TagKeys": ["team", "env"]}),
        "Allow",
        ("Any",),
        id="for-any-value-needs-one-request-value-in-the-set",
    ),
    pytest.param(
        policy(
            stmt(sid="None", condition={"ForAllValues:StringNotEquals": {"aws:TagKeys": "admin"}})
        ),
        req({"aws:TagKeys": ["team", "admin"]}),
        "ImplicitDeny",
        (),
        id="for-all-values-negated-checks-each-request-value",
    ),
    pytest.param(
        policy(stmt(sid="Plain", condition={"StringEquals": {"aws:TagKeys": "team"}})),
        req({"aws:TagKeys": ["env", "team"]}),
        "Allow",
        ("Plain",),
        id="plain-operator-on-multi-valued-key-matches-any-value",
    ),
    pytest.param(
        policy(stmt(sid="Empty", condition={"ForAllValues:StringEquals": {"aws:TagKeys": "team"}})),
        req({"aws:TagKeys": []}),
        "Allow",
        ("Empty",),
        id="for-all-values-on-empty-key-matches",
    ),
    # -- StringLike -----------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="AnyVpce", condition={"StringLike": {"aws:SourceVpce": "vpce-*"}})),
        req(FOREIGN),
        "Allow",
        ("AnyVpce",),
        id="string-like-vpce-star-admits-foreign-endpoint",
    ),
    pytest.param(
        policy(stmt(sid="Literal", condition={"StringEquals": {"aws:SourceVpce": "vpce-*"}})),
        req(FOREIGN),
        "ImplicitDeny",
        (),
        id="string-equals-star-is-literal",
    ),
    pytest.param(
        policy(
            stmt(sid="One", condition={"StringLike": {"aws:SourceVpce": "vpce-0a1b2c3d4e5f6789?"}})
        ),
        req({"aws:SourceVpce": OUR_VPCE + "1"}),
        "ImplicitDeny",
        (),
        id="string-like-question-mark-is-exactly-one-character",
    ),
    pytest.param(
        policy(
            ALLOW_ALL, stmt("Deny", "NotOurs", {"StringNotLike": {"aws:SourceVpce": "vpce-0a1b*"}})
        ),
        req(OTHER),
        "ExplicitDeny",
        ("NotOurs",),
        id="string-not-like",
    ),
    # -- NotPrincipal / NotAction / NotResource --------------------------------------------
    pytest.param(
        policy(stmt(sid="AllButAdmin", NotPrincipal={"AWS": ADMIN_ROLE})),
        req(INTERNET),
        "Allow",
        ("AllButAdmin",),
        id="not-principal-allow-admits-anonymous",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "OnlyCi", NotPrincipal={"AWS": CI_ROLE})),
        req(OURS, principal={"AWS": CI_ROLE}),
        "Allow",
        ("AllowAll",),
        id="not-principal-deny-spares-the-listed-principal",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "OnlyCi", NotPrincipal={"AWS": CI_ROLE})),
        req(OURS),
        "ExplicitDeny",
        ("OnlyCi",),
        id="not-principal-deny-hits-anonymous",
    ),
    pytest.param(
        policy(stmt(sid="NotManage", NotAction="execute-api:ManageConnections")),
        req(INTERNET),
        "Allow",
        ("NotManage",),
        id="not-action-allow-grants-invoke",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "NotInvoke", NotAction="execute-api:Invoke")),
        req(OURS),
        "Allow",
        ("AllowAll",),
        id="not-action-deny-skips-invoke",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "OnlyHealth", NotResource="execute-api:/live/GET/health")),
        req(OURS, resource=f"{API}/live/POST/admin"),
        "ExplicitDeny",
        ("OnlyHealth",),
        id="not-resource-deny-covers-everything-else",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "OnlyHealth", NotResource="execute-api:/live/GET/health")),
        req(OURS),
        "Allow",
        ("AllowAll",),
        id="not-resource-deny-spares-the-listed-resource",
    ),
    # -- Action ---------------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="Shout", Action="EXECUTE-API:invoke")),
        req(OURS),
        "Allow",
        ("Shout",),
        id="action-names-case-insensitive",
    ),
    pytest.param(
        policy(stmt(sid="Wild", Action=["s3:GetObject", "execute-api:*"])),
        req(OURS),
        "Allow",
        ("Wild",),
        id="action-service-wildcard",
    ),
    pytest.param(
        policy(stmt(sid="S3", Action="s3:*")),
        req(OURS),
        "ImplicitDeny",
        (),
        id="action-other-service",
    ),
    # -- Resource ---------------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="Stage", Resource="execute-api:/*/GET/health")),
        req(OURS),
        "Allow",
        ("Stage",),
        id="shorthand-with-stage-wildcard",
    ),
    pytest.param(
        policy(stmt(sid="Post", Resource="execute-api:/live/POST/*")),
        req(OURS),
        "ImplicitDeny",
        (),
        id="shorthand-method-must-match",
    ),
    pytest.param(
        policy(stmt(sid="Other", Resource=f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:zz9yy8xx7w/*")),
        req(OURS),
        "ImplicitDeny",
        (),
        id="full-arn-of-another-api",
    ),
    pytest.param(
        policy(stmt(sid="Region", Resource=f"arn:aws:execute-api:*:{ACCOUNT}:a1b2c3d4e5/*")),
        req(OURS),
        "Allow",
        ("Region",),
        id="full-arn-with-wildcard-region",
    ),
    pytest.param(
        policy(stmt(sid="Star", Resource="*")),
        req(OURS),
        "Allow",
        ("Star",),
        id="resource-star",
    ),
    pytest.param(
        policy(stmt(sid="Short", Resource="execute-api:/*")),
        req(OURS, resource="arn:aws:s3:::bucket/key"),
        "ImplicitDeny",
        (),
        id="shorthand-only-names-an-execute-api-arn",
    ),
    pytest.param(
        policy(stmt(sid="Domain", Resource="execute-api:/domainnames/api.internal.example+abc123")),
        req(
            OURS,
            resource=f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:/domainnames/api.internal.example+abc123",
        ),
        "Allow",
        ("Domain",),
        id="shorthand-on-a-private-custom-domain",
    ),
    pytest.param(
        policy(stmt(sid="Domain", Resource="execute-api:/domainnames/other.example+abc123")),
        req(
            OURS,
            resource=f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:/domainnames/api.internal.example+abc123",
        ),
        "ImplicitDeny",
        (),
        id="shorthand-on-another-domain",
    ),
    # -- Principal --------------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="AwsStar", Principal={"AWS": "*"})),
        req(OURS),
        "Allow",
        ("AwsStar",),
        id="aws-star-principal-includes-anonymous",
    ),
    pytest.param(
        policy(stmt(sid="Account", Principal={"AWS": ACCOUNT})),
        req(OURS),
        "ImplicitDeny",
        (),
        id="account-principal-excludes-anonymous",
    ),
    pytest.param(
        policy(stmt(sid="Account", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
        req(OURS, principal={"AWS": CI_ROLE}),
        "Allow",
        ("Account",),
        id="account-root-principal-covers-roles-in-the-account",
    ),
    pytest.param(
        policy(stmt(sid="Account", Principal={"AWS": [ACCOUNT]})),
        req(OURS, principal={"AWS": STRANGER_ROLE}),
        "ImplicitDeny",
        (),
        id="account-principal-excludes-other-accounts",
    ),
    pytest.param(
        policy(stmt(sid="Ci", Principal={"AWS": [ADMIN_ROLE, CI_ROLE]})),
        req(OURS, principal={"AWS": CI_ROLE}),
        "Allow",
        ("Ci",),
        id="role-principal-in-a-list",
    ),
    # -- IpAddress ------------------------------------------------------------------------
    pytest.param(
        policy(stmt(sid="V6", condition={"IpAddress": {"aws:VpcSourceIp": "fd00:10:20::/48"}})),
        req({"aws:VpcSourceIp": "fd00:10:20::5"}),
        "Allow",
        ("V6",),
        id="ipv6-cidr",
    ),
    pytest.param(
        policy(stmt(sid="V6", condition={"IpAddress": {"aws:VpcSourceIp": "fd00:10:20::/48"}})),
        req({"aws:VpcSourceIp": "10.20.1.5"}),
        "ImplicitDeny",
        (),
        id="ipv4-address-never-in-ipv6-cidr",
    ),
    pytest.param(
        policy(stmt(sid="Host", condition={"IpAddress": {"aws:VpcSourceIp": "10.20.1.5"}})),
        req({"aws:VpcSourceIp": "10.20.1.6"}),
        "ImplicitDeny",
        (),
        id="single-ip-is-a-slash-32",
    ),
    pytest.param(
        policy(
            stmt(
                sid="Vpn",
                condition={"IpAddress": {"aws:VpcSourceIp": ["172.16.0.0/22", "10.20.0.0/16"]}},
            )
        ),
        req(OURS),
        "Allow",
        ("Vpn",),
        id="ip-ranges-ored",
    ),
    # -- Bool -------------------------------------------------------------------------------
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "Tls", {"Bool": {"aws:SecureTransport": "false"}})),
        req({**OURS, "aws:SecureTransport": False}),
        "ExplicitDeny",
        ("Tls",),
        id="bool-matches-boolean-context",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt("Deny", "Tls", {"Bool": {"aws:SecureTransport": "false"}})),
        req(OURS),
        "Allow",
        ("AllowAll",),
        id="bool-on-absent-key-does-not-match",
    ),
    # -- Arn operators ----------------------------------------------------------------------
    pytest.param(
        policy(
            stmt(
                sid="Ci",
                condition={"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/ci-*"}},
            )
        ),
        req({"aws:PrincipalArn": ADMIN_ROLE}, principal={"AWS": ADMIN_ROLE}),
        "ImplicitDeny",
        (),
        id="arn-like-resource-segment-pattern",
    ),
    pytest.param(
        policy(
            stmt(sid="Ci", condition={"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}})
        ),
        req({"aws:PrincipalArn": STRANGER_ROLE}, principal={"AWS": STRANGER_ROLE}),
        "Allow",
        ("Ci",),
        id="arn-like-wildcard-account-segment",
    ),
    pytest.param(
        policy(
            ALLOW_ALL,
            stmt("Deny", "NotCi", {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/ci-*"}}),
        ),
        req(OURS),
        "ExplicitDeny",
        ("NotCi",),
        id="arn-not-like-on-absent-key-matches",
    ),
    pytest.param(
        policy(stmt(sid="Eq", condition={"ArnEquals": {"aws:SourceArn": "arn:aws:iam::*"}})),
        req({"aws:SourceArn": CI_ROLE}),
        "ImplicitDeny",
        (),
        id="arn-operators-compare-all-six-segments",
    ),
]


@pytest.mark.parametrize(("document", "request_", "decision", "statements"), CASES)
def test_iam_semantics(document, request_, decision, statements):
    assert evaluate(document, request_) == Decision(decision, statements)


def test_policy_text_and_parsed_policy_give_the_same_decision():
    import json

    document = policy(ALLOW_ALL, LEAKY_DENY)
    for request_ in (req(OURS), req(OTHER), req(FOREIGN), req(INTERNET)):
        expected = evaluate(document, request_)
        assert evaluate(json.dumps(document), request_) == expected
        assert evaluate(parse_policy(document), request_) == expected


def test_decision_to_json():
    assert Decision("ExplicitDeny", ("A", "#2")).to_json() == {
        "decision": "ExplicitDeny",
        "statements": ["A", "#2"],
    }


def test_resource_star_stays_inside_its_arn_segment():
    # IAM: a `*` inside a segment does not cross colons; one that ends a segment may.
    resource = "arn:aws:execute-api:eu-west-1:123456789011:abc/live/GET/x"
    assert not resource_matches("arn:aws:execute-api:eu*1:abc/*", resource)
    assert resource_matches("arn:aws:execute-api:eu-*:abc/*", resource)
    assert resource_matches("arn:aws:execute-api:eu-*-1:*:abc/*", resource)


@pytest.mark.parametrize("name", SUPPORTED_OPERATORS)
def test_every_supported_operator_parses_in_every_form(name):
    assert parse_operator(name).if_exists is False
    if name != "Null":
        for prefix in ("", "ForAnyValue:", "ForAllValues:"):
            parsed = parse_operator(f"{prefix}{name}IfExists")
            assert parsed.if_exists and parsed.set_prefix == (prefix[:-1] or None)


BAD_POLICIES = [
    pytest.param(
        policy(
            stmt(sid="Typo", Action="s3:*", condition={"StringEqualz": {"aws:SourceVpce": "x"}})
        ),
        [
            "statement Typo",
            "unknown condition operator 'StringEqualz'",
            "StringNotEquals",
            "ArnLike",
        ],
        id="unknown-operator-even-in-a-statement-the-request-never-reaches",
    ),
    pytest.param(
        policy(stmt(condition={"ForSomeValues:StringEquals": {"aws:SourceVpce": "x"}})),
        [
            "statement #0",
            "unknown condition set prefix 'ForSomeValues'",
            "ForAnyValue, ForAllValues",
        ],
        id="unknown-set-prefix",
    ),
    pytest.param(
        policy(stmt(condition={"NullIfExists": {"aws:SourceVpce": "true"}})),
        ["Null takes neither"],
        id="null-if-exists",
    ),
    pytest.param(
        policy(stmt(sid="Lower", Effect="allow")),
        ['statement Lower: Effect must be "Allow" or "Deny"'],
        id="effect-case",
    ),
    pytest.param(
        policy(ALLOW_ALL, stmt(sid="Both", NotAction="execute-api:Invoke", Action="*")),
        ["statement Both: needs exactly one of Action or NotAction"],
        id="action-and-not-action",
    ),
    pytest.param(
        policy({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        ["statement #0: needs exactly one of Principal or NotPrincipal"],
        id="no-principal",
    ),
    pytest.param(
        policy(stmt(Principal=CI_ROLE)),
        ["Principal must be"],
        id="principal-bare-arn",
    ),
    pytest.param(
        policy(stmt(NotPrincipal={"User": CI_ROLE})),
        ["NotPrincipal has unknown principal type 'User'", "AWS, Service"],
        id="principal-type",
    ),
    pytest.param(
        policy(stmt(condition={"IpAddress": {"aws:VpcSourceIp": "10.20.0.0/33"}})),
        ["'10.20.0.0/33' is not an IPv4/IPv6 address or CIDR"],
        id="bad-cidr",
    ),
    pytest.param(
        policy(stmt(condition={"Bool": {"aws:SecureTransport": "yes"}})),
        ['\'yes\' is not "true" or "false"'],
        id="bad-bool",
    ),
    pytest.param(
        policy(stmt(condition={"StringEquals": {"aws:SourceVpce": []}})),
        ["needs at least one value"],
        id="no-values",
    ),
    pytest.param(
        policy(stmt(condition={"StringEquals": {"aws:SourceVpce": {"a": 1}}})),
        ["values must be strings, numbers or booleans"],
        id="object-value",
    ),
    pytest.param(
        policy(stmt(condition=["StringEquals"])),
        ["Condition must be an object"],
        id="condition-list",
    ),
    pytest.param(
        policy(stmt(sid="Misspelt", Conditon={"StringEquals": {"aws:SourceVpce": OUR_VPCE}})),
        ["statement Misspelt: unknown element 'Conditon'"],
        id="misspelt-condition-is-not-silently-dropped",
    ),
    pytest.param(
        policy(stmt(Resource=[])),
        ["Resource must be a non-empty string or list of strings"],
        id="empty-resource",
    ),
    pytest.param(
        {"Version": "2020-01-01", "Statement": [ALLOW_ALL]},
        ["Version must be one of 2012-10-17, 2008-10-17"],
        id="version",
    ),
    pytest.param({"Version": "2012-10-17"}, ["policy has no Statement"], id="no-statement"),
    pytest.param([ALLOW_ALL], ["must be a JSON object"], id="not-an-object"),
    pytest.param(
        '{"Version": "2012-10-17",\n "Statement": [}',
        ["not valid JSON: line 2 column"],
        id="bad-json-text",
    ),
    pytest.param(
        {"Statement": [ALLOW_ALL, "Allow"]},
        ["statement #1: must be an object"],
        id="statement-not-object",
    ),
]


@pytest.mark.parametrize(("document", "fragments"), BAD_POLICIES)
def test_malformed_policy_is_refused_with_a_message_naming_the_problem(document, fragments):
    with pytest.raises(PolicyError) as error:
        evaluate(document, req(OURS))
    for fragment in fragments:
        assert fragment in str(error.value)


BAD_REQUESTS = [
    pytest.param({"resource": HEALTH}, "missing field 'action'", id="missing-action"),
    pytest.param(
        {"action": "execute-api:Invoke"}, "missing field 'resource'", id="missing-resource"
    ),
    pytest.param(
        {"action": "execute-api:Invoke", "resource": HEALTH, "contxt": {}},
        "unknown field 'contxt'",
        id="unknown-field",
    ),
    pytest.param(
        {"action": "execute-api:Invoke", "resource": HEALTH, "context": {"aws:SourceVpce": 1}},
        "context 'aws:SourceVpce' must be a string, a boolean or a list of strings",
        id="number-in-context",
    ),
    pytest.param(
        {
            "action": "execute-api:Invoke",
            "resource": HEALTH,
            "context": {"aws:SourceVpce": "a", "AWS:SOURCEVPCE": "b"},
        },
        "are the same key",
        id="case-colliding-context-keys",
    ),
    pytest.param(
        {"action": "execute-api:Invoke", "resource": HEALTH, "principal": CI_ROLE},
        "principal must be",
        id="principal-bare-arn",
    ),
    pytest.param(
        {"action": "", "resource": HEALTH},
        "action must be a non-empty string",
        id="empty-action",
    ),
    pytest.param(["execute-api:Invoke"], "must be a JSON object", id="not-an-object"),
]


@pytest.mark.parametrize(("data", "fragment"), BAD_REQUESTS)
def test_malformed_request_is_refused_naming_the_field(data, fragment):
    with pytest.raises(RequestError, match=fragment):
        Request.from_mapping(data)


def test_request_from_mapping_defaults_to_an_anonymous_caller_with_no_context():
    built = Request.from_mapping({"action": "execute-api:Invoke", "resource": HEALTH})
    assert built == Request("execute-api:Invoke", HEALTH, "*", {})
    assert hash(built) == hash(Request("execute-api:Invoke", HEALTH))
