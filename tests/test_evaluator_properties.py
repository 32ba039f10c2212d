"""Properties of the access evaluator that must hold for every policy, checked with hypothesis.

Policies are drawn from the vocabulary that matters for a private API (endpoint ids, VPC ids,
address ranges, principals, the Not* elements, every string and IP operator form), so the
properties exercise the same corners as the table tests, in combinations nobody wrote down.
"""

from __future__ import annotations

from gatehouse_guard.evaluator import Decision, Request, evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

ACCOUNT = "111122223333"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3d4e5"
CI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy"
STRANGER_ROLE = "arn:aws:iam::444455556666:role/ci-deploy"
VPCES = ["vpce-0a1b2c3d4e5f67890", "vpce-0fedcba9876543210", "vpce-0123456789abcdef0"]
VPCS = ["vpc-0aa11bb22cc33dd44", "vpc-0ee55ff66aa77bb88"]
STRING_KEYS = {"aws:SourceVpce": VPCES, "aws:SourceVpc": VPCS, "aws:TagKeys": ["team", "env"]}
IP_KEYS = ("aws:VpcSourceIp", "aws:SourceIp")
ADDRESSES = ["10.20.1.5", "10.99.0.1", "172.16.1.9", "203.0.113.10", "fd00:10:20::5"]
NETWORKS = ["10.20.0.0/16", "10.0.0.0/8", "172.16.0.0/22", "0.0.0.0/0", "fd00:10:20::/48"]
STRING_OPERATORS = [
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike",
]  # fmt: skip
RANK = {"ImplicitDeny": 0, "Allow": 1, "ExplicitDeny": 2}

fast = settings(max_examples=60, deadline=None)

# Every strategy is built once, here, and drawn from in the composites below: a strategy made
# inside a composite is made (and validated by hypothesis) again on every draw, which was most
# of these tests' time. The values drawn are the same either way.
prefixes = st.sampled_from(["", "ForAnyValue:", "ForAllValues:"])
suffixes = st.sampled_from(["", "IfExists"])
string_operators = st.sampled_from(STRING_OPERATORS)
string_keys = st.sampled_from(sorted(STRING_KEYS))
string_values = {key: st.lists(st.sampled_from([*pool, "vpce-*", "vpce-0a1b*", "*"]), min_size=1, max_size=3)
                 for key, pool in STRING_KEYS.items()}
ip_operators = st.sampled_from(["IpAddress", "NotIpAddress"])
ip_values = st.lists(st.sampled_from(NETWORKS + ADDRESSES), min_size=1, max_size=2)
ip_keys = st.sampled_from(IP_KEYS)
null_keys = st.sampled_from([*STRING_KEYS, *IP_KEYS])
null_values = st.sampled_from(["true", "false"])


@st.composite
def string_tests(draw):
    key = draw(string_keys)
    operator = draw(prefixes) + draw(string_operators) + draw(suffixes)
    return operator, key, draw(string_values[key])


@st.composite
def ip_tests(draw):
    operator = draw(ip_operators) + draw(suffixes)
    values = draw(ip_values)
    return operator, draw(ip_keys), values


@st.composite
def null_tests(draw):
    key = draw(null_keys)
    return "Null", key, draw(null_values)


condition_tests = {min_size: st.lists(st.one_of(string_tests(), ip_tests(), null_tests()), min_size=min_size, max_size=3)
                   for min_size in (0, 1)}


@st.composite
def conditions(draw, min_size=0):
    tests = draw(condition_tests[min_size])
    block: dict = {}
    for operator, key, values in tests:
        block.setdefault(operator, {})[key] = values
    return block


def _element(positive: str, choices: list):
    value = st.sampled_from(choices)
    return st.one_of(
        value.map(lambda v: {positive: v}),
        value.map(lambda v: {f"Not{positive}": v}),
    )


principals = _element("Principal", ["*", {"AWS": "*"}, {"AWS": CI_ROLE}, {"AWS": ACCOUNT}])
actions = _element("Action", ["execute-api:Invoke", "execute-api:*", "*", "s3:*"])
resources = _element(
    "Resource", ["execute-api:/*", "execute-api:/live/GET/*", "execute-api:/*/POST/*", f"{API}/*", "*"]
)
any_conditions = conditions()
effects_of = {effects: st.sampled_from(effects) for effects in (("Allow", "Deny"), ("Allow",), ("Deny",))}


@st.composite
def statements(draw, effects=("Allow", "Deny")):
    body = {"Effect": draw(effects_of[effects])}
    body |= draw(principals)
    body |= draw(actions)
    body |= draw(resources)
    condition = draw(any_conditions)
    if condition:
        body["Condition"] = condition
    return body


def named(bodies: list[dict], start: int = 0) -> list[dict]:
    """Give statements distinct Sids so decisions can be compared across reorderings."""
    return [{**body, "Sid": f"S{start + index}"} for index, body in enumerate(bodies)]


def document(bodies: list[dict]) -> dict:
    return {"Version": "2012-10-17", "Statement": bodies}


requests = st.builds(
    Request,
    action=st.sampled_from(["execute-api:Invoke"] * 3 + ["execute-api:ManageConnections"]),
    resource=st.sampled_from([f"{API}/live/GET/health", f"{API}/live/POST/admin"]),
    principal=st.sampled_from(["*", {"AWS": CI_ROLE}, {"AWS": STRANGER_ROLE}]),
    context=st.fixed_dictionaries(
        {},
        optional={
            "aws:SourceVpce": st.sampled_from(VPCES),
            "aws:SourceVpc": st.sampled_from(VPCS),
            "aws:VpcSourceIp": st.sampled_from(ADDRESSES),
            "aws:SourceIp": st.sampled_from(ADDRESSES),
            "aws:TagKeys": st.lists(st.sampled_from(["team", "env", "admin"]), max_size=3),
        },
    ),
)
policies = st.lists(statements(), max_size=5).map(named)


@fast
@given(policies, st.lists(statements(effects=("Allow",)), min_size=1, max_size=3), requests)
def test_allows_never_change_a_deny_decision(base, allows, request_):
    before = evaluate(document(base), request_)
    after = evaluate(document(base + named(allows, start=len(base))), request_)
    if before.decision == "ExplicitDeny":
        assert after == before
    else:
        assert after.decision != "ExplicitDeny"


@fast
@given(policies, statements(), requests)
def test_adding_a_statement_never_weakens_the_decision(base, extra, request_):
    # ImplicitDeny < Allow < ExplicitDeny: more statements can only move a decision up.
    before = evaluate(document(base), request_)
    after = evaluate(document(base + named([extra], start=len(base))), request_)
    assert RANK[after.decision] >= RANK[before.decision]
    assert set(before.statements) <= set(after.statements) or after.decision != before.decision


@fast
@given(st.lists(statements(effects=("Deny",)), max_size=5).map(named), requests)
def test_a_policy_without_allow_never_allows(denies, request_):
    assert evaluate(document(denies), request_).decision != "Allow"


@fast
@given(policies, requests, st.data())
def test_statement_order_does_not_matter(base, request_, data):
    shuffled = data.draw(st.permutations(base))
    before, after = evaluate(document(base), request_), evaluate(document(shuffled), request_)
    assert (after.decision, set(after.statements)) == (before.decision, set(before.statements))


CASE_CHANGES = [str.upper, str.lower, str.swapcase, str.title]


@fast
@given(st.lists(conditions(min_size=1), min_size=1, max_size=3), st.booleans(), requests)
def test_condition_key_case_does_not_matter(blocks, deny_first, request_):
    # Statements that apply whatever the request, so that only their conditions decide; every
    # spelling of the keys, on either side, must give the decision of the original.
    base = named([_allow(block) for block in blocks])
    if deny_first:
        base[0]["Effect"] = "Deny"
    expected = evaluate(document(base), request_)
    for policy_case in CASE_CHANGES:
        recased = [
            {
                **body,
                "Condition": {
                    operator: {policy_case(key): values for key, values in keys.items()}
                    for operator, keys in body["Condition"].items()
                },
            }
            for body in base
        ]
        for context_case in CASE_CHANGES:
            context = {context_case(key): value for key, value in request_.context.items()}
            recased_request = Request(
                request_.action, request_.resource, request_.principal, context
            )
            assert evaluate(document(recased), recased_request) == expected


@fast
@given(policies, requests)
def test_decision_is_composed_from_statements_evaluated_alone(base, request_):
    alone = {body["Sid"]: evaluate(document([body]), request_) for body in base}
    denies = tuple(sid for sid, d in alone.items() if d.decision == "ExplicitDeny")
    allows = tuple(sid for sid, d in alone.items() if d.decision == "Allow")
    expected = (
        Decision("ExplicitDeny", denies)
        if denies
        else Decision("Allow", allows)
        if allows
        else Decision("ImplicitDeny", ())
    )
    assert evaluate(document(base), request_) == expected


@fast
@given(string_tests(), requests)
def test_if_exists_only_changes_the_answer_for_an_absent_key(test, request_):
    operator, key, values = test
    base_operator = operator.removesuffix("IfExists")
    plain = evaluate(document([_allow({base_operator: {key: values}})]), request_)
    if_exists = evaluate(document([_allow({base_operator + "IfExists": {key: values}})]), request_)
    present = bool(request_.context.get(key))
    if present:
        assert if_exists == plain
    else:
        assert if_exists.decision == "Allow"


NEGATIONS = {
    "StringEquals": "StringNotEquals",
    "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase",
    "StringLike": "StringNotLike",
    "IpAddress": "NotIpAddress",
}


@fast
@given(st.sampled_from(sorted(NEGATIONS)), st.data(), requests)
def test_a_negated_operator_is_the_complement_of_its_positive_form(positive, data, request_):
    if positive == "IpAddress":
        key = data.draw(st.sampled_from(IP_KEYS))
        values = data.draw(st.lists(st.sampled_from(NETWORKS), min_size=1, max_size=2))
    else:
        key = "aws:SourceVpce"
        values = data.draw(st.lists(st.sampled_from([*VPCES, "vpce-*"]), min_size=1, max_size=2))
    yes = evaluate(document([_allow({positive: {key: values}})]), request_).decision == "Allow"
    no = evaluate(document([_allow({NEGATIONS[positive]: {key: values}})]), request_)
    if key in request_.context:
        assert (no.decision == "Allow") is not yes
    else:
        # absent key: the positive form never matches, the negated one always does
        assert (yes, no.decision) == (False, "Allow")


def _allow(condition: dict) -> dict:
    return {
        "Sid": "Only",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "*",
        "Resource": "*",
        "Condition": condition,
    }


@fast
@given(policies, requests)
def test_explain_gives_the_decision_evaluate_gives(base, request_):
    from gatehouse_guard.evaluator import explain

    decision, traces = explain(document(base), request_)
    assert decision == evaluate(document(base), request_)
    assert [t.label for t in traces] == [body["Sid"] for body in base]
    applying = {t.label for t in traces if t.applies}
    assert set(decision.statements) <= applying


VARIABLE_VALUES = ["${aws:SourceVpce}", "${aws:SourceVpc}", "${aws:username}", "${aws:TagKeys}",
                   "${aws:username, 'vpce-0a1b2c3d4e5f67890'}", "vpce-0a1b${*}"]


@fast
@given(st.sampled_from(STRING_OPERATORS), st.sampled_from(VARIABLE_VALUES), requests)
def test_in_2008_policies_a_variable_is_the_literal_text(operator, value, request_):
    # A request carrying the very text `${...}` equals it: a positive operator lets it in, a
    # negated one does not, whatever the request's other keys (which 2012 would substitute).
    literal = {"Version": "2008-10-17", "Statement": [_allow({operator: {"aws:SourceVpce": value}})]}
    context = {**request_.context, "aws:SourceVpce": value}
    carrying = Request(request_.action, request_.resource, request_.principal, context)
    assert (evaluate(literal, carrying).decision == "Allow") is ("Not" not in operator)


@fast
@given(st.sampled_from(STRING_OPERATORS), requests)
def test_a_variable_for_the_key_itself_compares_the_request_with_itself(operator, request_):
    # `aws:SourceVpce` against `${aws:SourceVpce}`: equal whenever the key is present (and single
    # valued); absent, the positive operators fail and the negated ones match (absent-key rule).
    condition = {operator: {"aws:SourceVpce": "${aws:SourceVpce}"}}
    answer = evaluate(document([_allow(condition)]), request_).decision
    present = "aws:SourceVpce" in request_.context
    negated = "Not" in operator
    assert (answer == "Allow") is (present != negated)
