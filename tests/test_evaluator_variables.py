"""Policy variables: substituted in 2012-10-17 policies, literal text in 2008-10-17 ones.

IAM reference (policy variables): variables work only with Version 2012-10-17 ("If you don't
include the Version element ... variables like ${aws:username} are treated as literal strings");
in string and ARN condition values and in the resource portion of a Resource; a key the request
lacks makes the match fail unless a default (`${key, 'default'}`) is given; `${*}`, `${?}` and
`${$}` stand for the literal characters.
"""

from __future__ import annotations

import pytest
from gatehouse_guard.evaluator import Decision, PolicyError, Request, evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

ACCOUNT = "111122223333"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3d4e5"
OUR_VPCE = "vpce-0a1b2c3d4e5f67890"
OTHER_VPCE = "vpce-0fedcba9876543210"
OURS = {"aws:SourceVpce": OUR_VPCE, "aws:VpcSourceIp": "10.20.1.5"}


def allow(sid="Var", condition=None, **elements):
    body = {"Sid": sid, "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke"}
    body["Resource"] = "execute-api:/*"
    if "NotResource" in elements:
        body.pop("Resource")
    body |= elements
    return body | ({"Condition": condition} if condition else {})


def deny(sid, condition=None, **elements):
    return {**allow(sid, condition, **elements), "Effect": "Deny"}


def policy(*statements, version="2012-10-17"):
    document = {"Statement": list(statements)}
    return document if version is None else {"Version": version, **document}


def req(context=None, resource=f"{API}/live/GET/health"):
    return Request("execute-api:Invoke", resource, "*", context or {})


SAME_AS_VPCE = {"StringEquals": {"aws:SourceVpce": "${aws:SourceVpce}"}}
NOT_OUR_ACCOUNT = {"StringNotEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}}

CASES = [
    pytest.param(
        policy(allow(condition=SAME_AS_VPCE)),
        req(OURS),
        Decision("Allow", ("Var",)),
        id="2012-a-variable-is-the-request-value",
    ),
    pytest.param(
        policy(allow(condition=SAME_AS_VPCE), version="2008-10-17"),
        req(OURS),
        Decision("ImplicitDeny", ()),
        id="2008-a-variable-is-literal-text",
    ),
    pytest.param(
        policy(allow(condition=SAME_AS_VPCE), version=None),
        req(OURS),
        Decision("ImplicitDeny", ()),
        id="no-version-reads-as-2008-literal",
    ),
    pytest.param(
        policy(allow(condition=SAME_AS_VPCE), version="2008-10-17"),
        req({"aws:SourceVpce": "${aws:SourceVpce}"}),
        Decision("Allow", ("Var",)),
        id="2008-the-literal-text-matches-itself",
    ),
    pytest.param(
        policy(
            allow("AllowAll"),
            deny("DenyOtherAccounts", {"StringNotEquals": {"aws:SourceVpce": "${aws:username}"}}),
        ),
        req(OURS),
        Decision("Allow", ("AllowAll",)),
        id="2012-negated-test-with-a-missing-variable-does-not-match",
    ),
    pytest.param(
        policy(
            allow("AllowAll"),
            deny("DenyOtherAccounts", {"StringNotEquals": {"aws:SourceVpce": "${aws:username}"}}),
            version="2008-10-17",
        ),
        req(OURS),
        Decision("ExplicitDeny", ("DenyOtherAccounts",)),
        id="2008-negated-test-against-the-literal-text-matches",
    ),
    pytest.param(
        policy(allow(condition={"StringNotEquals": {"aws:SourceVpce": "${aws:username}"}})),
        req(OURS),
        Decision("ImplicitDeny", ()),
        id="2012-missing-variable-no-silent-allow",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": ["${aws:username}", OUR_VPCE]}})),
        req(OURS),
        Decision("Allow", ("Var",)),
        id="an-unresolved-value-leaves-the-other-values-of-the-key",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": f"${{aws:username, '{OUR_VPCE}'}}"}})),
        req(OURS),
        Decision("Allow", ("Var",)),
        id="default-value-when-the-key-is-missing",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": f"${{aws:username, '{OUR_VPCE}'}}"}})),
        req({**OURS, "aws:username": "alice"}),
        Decision("ImplicitDeny", ()),
        id="default-value-only-when-the-key-is-missing",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:username": "${aws:userid, 'it''s'}"}})),
        req({"aws:username": "it's"}),
        Decision("Allow", ("Var",)),
        id="a-doubled-quote-in-a-default-is-one-quote",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": "${AWS:SOURCEVPCE}"}})),
        req(OURS),
        Decision("Allow", ("Var",)),
        id="variable-names-are-case-insensitive",
    ),
    pytest.param(
        policy(allow(condition={"StringLike": {"aws:SourceVpce": "${aws:username}*"}})),
        req({**OURS, "aws:username": "vpce-0a"}),
        Decision("Allow", ("Var",)),
        id="string-like-keeps-the-wildcards-around-a-variable",
    ),
    pytest.param(
        policy(allow(condition={"StringLike": {"aws:SourceVpce": "${aws:username}"}})),
        req({**OURS, "aws:username": "vpce-*"}),
        Decision("ImplicitDeny", ()),
        id="a-star-in-the-request-value-is-not-a-wildcard",
    ),
    pytest.param(
        policy(allow(condition={"StringLike": {"aws:UserAgent": "curl${*}"}})),
        req({"aws:UserAgent": "curl/8.5"}),
        Decision("ImplicitDeny", ()),
        id="escaped-star-is-a-literal-star",
    ),
    pytest.param(
        policy(allow(condition={"StringLike": {"aws:UserAgent": "curl${*}${?}${$}"}})),
        req({"aws:UserAgent": "curl*?$"}),
        Decision("Allow", ("Var",)),
        id="escapes-match-their-characters",
    ),
    pytest.param(
        policy(allow(condition={"StringEquals": {"aws:SourceVpce": "${aws:TagKeys}"}})),
        req({**OURS, "aws:TagKeys": [OUR_VPCE]}),
        Decision("ImplicitDeny", ()),
        id="a-multivalued-key-is-never-a-variable",
    ),
    pytest.param(
        policy(
            allow(
                condition={
                    "ArnLike": {"aws:SourceArn": "arn:aws:execute-api:*:${aws:PrincipalAccount}:*"}
                }
            )
        ),
        req({"aws:SourceArn": f"{API}/live/GET/x", "aws:PrincipalAccount": ACCOUNT}),
        Decision("Allow", ("Var",)),
        id="arn-like-substitutes-per-segment",
    ),
    pytest.param(
        policy(allow(Resource="execute-api:/${aws:username}/GET/*")),
        req({"aws:username": "live"}),
        Decision("Allow", ("Var",)),
        id="shorthand-resource-substitutes",
    ),
    pytest.param(
        policy(allow(Resource="execute-api:/${aws:username}/GET/*")),
        req({}),
        Decision("ImplicitDeny", ()),
        id="resource-with-a-missing-variable-does-not-match",
    ),
    pytest.param(
        policy(allow(Resource=f"{API}/${{aws:username}}/GET/*")),
        req({"aws:username": "live"}),
        Decision("Allow", ("Var",)),
        id="full-arn-resource-substitutes-after-the-fifth-colon",
    ),
    pytest.param(
        policy(allow(Resource="arn:aws:execute-api:${aws:RequestedRegion}:*:*")),
        req({"aws:RequestedRegion": "eu-west-1"}),
        Decision("ImplicitDeny", ()),
        id="no-substitution-before-the-fifth-colon",
    ),
    pytest.param(
        policy(allow("AllowAll"), deny("OnlyMine", NotResource="execute-api:/${aws:username}/*")),
        req({}),
        Decision("Allow", ("AllowAll",)),
        id="not-resource-with-a-missing-variable-does-not-apply",
    ),
    pytest.param(
        policy(allow("AllowAll"), deny("OnlyMine", NotResource="execute-api:/${aws:username}/*")),
        req({"aws:username": "test"}),
        Decision("ExplicitDeny", ("OnlyMine",)),
        id="not-resource-with-a-resolved-variable",
    ),
    pytest.param(
        policy(allow(condition={"StringEqualsIfExists": {"aws:SourceVpce": "${aws:username}"}})),
        req({}),
        Decision("Allow", ("Var",)),
        id="if-exists-absent-key-matches-before-any-variable-is-read",
    ),
]


@pytest.mark.parametrize(("document", "request_", "expected"), CASES)
def test_policy_variables(document, request_, expected):
    assert evaluate(document, request_) == expected


@pytest.mark.parametrize(
    ("operator", "value"),
    [("NumericLessThan", "10"), ("DateGreaterThan", "2026-01-01T00:00:00Z"), ("BinaryEquals", "QQ==")],
)
def test_unsupported_operators_are_refused_naming_the_operator(operator, value):
    with pytest.raises(PolicyError, match=f"statement Var: unknown condition operator '{operator}'"):
        evaluate(policy(allow(condition={operator: {"aws:EpochTime": value}})), req(OURS))


@pytest.mark.parametrize("operator", ["IpAddress", "Bool"])
def test_variables_are_not_read_by_ip_or_bool_operators(operator):
    # "You can't use a policy variable with ... Boolean, ... IP Address" operators: the value stays
    # the literal text, which those operators refuse.
    with pytest.raises(PolicyError, match="is not"):
        evaluate(policy(allow(condition={operator: {"aws:SourceIp": "${aws:SourceIp}"}})), req())


values = st.from_regex(r"[a-zA-Z0-9*?$:/._-]{0,16}", fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(values, values)
def test_a_variable_compares_the_request_value_literally(value, other):
    # StringEquals/StringLike against `${aws:username}` equal the request's own value and
    # nothing else, whatever wildcard or colon characters it holds.
    for operator in ("StringEquals", "StringLike"):
        document = policy(allow(condition={operator: {"aws:SourceVpce": "${aws:username}"}}))
        context = {"aws:SourceVpce": other, "aws:username": value}
        assert (evaluate(document, req(context)).decision == "Allow") is (value == other)
