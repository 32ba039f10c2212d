"""A role named in Principal or NotPrincipal stands for that role's sessions, as IAM reads it.

Callers never present a role ARN: they present a session, `arn:aws:sts::<account>:assumed-role/
<role-name>/<session>`, which drops the role's path. Compared as text, an Allow for the role looks
closed and a Deny for it looks absent.
"""

from __future__ import annotations

import pytest
from gatehouse_guard.evaluator import Decision, Request, evaluate
from hypothesis import given, settings
from hypothesis import strategies as st

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3d4e5"
HEALTH = f"{API}/live/GET/health"
CI_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ci-deploy"
CI_ROLE_WITH_PATH = f"arn:aws:iam::{ACCOUNT}:role/pipelines/prod/ci-deploy"
CI_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deploy/build-4711"
OTHER_ACCOUNT_SESSION = f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/ci-deploy/build-4711"
CHINA_SESSION = f"arn:aws-cn:sts::{ACCOUNT}:assumed-role/ci-deploy/build-4711"
OTHER_ROLE_SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deploy-old/build-4711"


def statement(effect, sid, **elements):
    body = {"Sid": sid, "Effect": effect, "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    return body | elements


ALLOW_ALL = statement("Allow", "AllowAll", Principal="*")


def policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def as_caller(arn):
    return Request("execute-api:Invoke", HEALTH, {"AWS": arn}, {})


def only(effect, sid, **principal):
    """The statement alone for an Allow; behind an Allow-all for a Deny."""
    named = statement(effect, sid, **principal)
    return policy(named) if effect == "Allow" else policy(ALLOW_ALL, named)


ALLOWED, DENIED, NOBODY = Decision("Allow", ("Ci",)), Decision("ExplicitDeny", ("NoCi",)), Decision("ImplicitDeny", ())
SPARED = Decision("Allow", ("AllowAll",))
OTHER_CASE_ROLE = CI_ROLE.replace("ci-deploy", "CI-Deploy")

# (case id, policy, caller, decision)
CASES = [
    ("allow-for-a-role-admits-its-sessions", only("Allow", "Ci", Principal={"AWS": CI_ROLE}), CI_SESSION, ALLOWED),
    ("the-role-path-is-not-in-the-session-arn", only("Allow", "Ci", Principal={"AWS": CI_ROLE_WITH_PATH}), CI_SESSION, ALLOWED),
    ("role-names-are-case-insensitive", only("Allow", "Ci", Principal={"AWS": OTHER_CASE_ROLE}), CI_SESSION, ALLOWED),
    ("deny-for-a-role-hits-its-sessions", only("Deny", "NoCi", Principal={"AWS": CI_ROLE}), CI_SESSION, DENIED),
    ("not-principal-role-spares-its-sessions", only("Deny", "NoCi", NotPrincipal={"AWS": CI_ROLE}), CI_SESSION, SPARED),
    ("not-principal-role-does-not-spare-a-role-whose-name-starts-the-same",
     only("Deny", "NoCi", NotPrincipal={"AWS": CI_ROLE}), OTHER_ROLE_SESSION, DENIED),
    ("a-role-of-the-same-name-in-another-account-is-another-role",
     only("Allow", "Ci", Principal={"AWS": CI_ROLE}), OTHER_ACCOUNT_SESSION, NOBODY),
    ("another-partition-is-another-role", only("Allow", "Ci", Principal={"AWS": CI_ROLE}), CHINA_SESSION, NOBODY),
    ("a-session-arn-names-only-that-session",
     only("Allow", "Ci", Principal={"AWS": CI_SESSION}), CI_SESSION.replace("4711", "4712"), NOBODY),
    ("a-session-arn-names-that-session", only("Allow", "Ci", Principal={"AWS": CI_SESSION}), CI_SESSION, ALLOWED),
    ("a-user-of-the-same-name-is-not-the-role",
     only("Allow", "Ci", Principal={"AWS": CI_ROLE}), f"arn:aws:iam::{ACCOUNT}:user/ci-deploy", NOBODY),
]  # fmt: skip


@pytest.mark.parametrize(("document", "caller", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_role_stands_for_its_sessions(document, caller, expected):
    assert evaluate(document, as_caller(caller)) == expected


names = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True)
paths = st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), max_size=3)


@settings(max_examples=60, deadline=None)
@given(names, names, paths, st.sampled_from(["Allow", "Deny"]))
def test_every_session_of_a_role_is_that_role_whatever_its_path(role, session, path, effect):
    role_arn = f"arn:aws:iam::{ACCOUNT}:role/" + "".join(f"{p}/" for p in path) + role
    caller = as_caller(f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{session}")
    named = policy(ALLOW_ALL, statement(effect, "Named", Principal={"AWS": role_arn}))
    spared = policy(ALLOW_ALL, statement("Deny", "Spared", NotPrincipal={"AWS": role_arn}))
    expected = "Allow" if effect == "Allow" else "ExplicitDeny"
    assert evaluate(named, caller).decision == expected
    assert evaluate(spared, caller).decision == "Allow"


@pytest.mark.parametrize(
    "principal",
    [{"AWS": f"arn:aws:iam::{ACCOUNT}:role/ci-*"}, {"AWS": ["*", "arn:aws:iam::*:root"]}],
)
def test_a_wildcard_inside_a_principal_arn_is_refused_as_iam_refuses_it(principal):
    from gatehouse_guard.evaluator import PolicyError

    with pytest.raises(PolicyError, match="statement Ci: Principal.AWS .* has a wildcard inside it"):
        evaluate(policy(statement("Allow", "Ci", Principal=principal)), as_caller(CI_SESSION))
