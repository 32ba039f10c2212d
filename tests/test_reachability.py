"""The reachability matrix answers from the pack's own scenarios and probes."""

from __future__ import annotations

import json

from pipeline.reachability import _row

OUR_VPCE = "vpce-0a1b2c3d4e5f67890"
VPC = ("vpc-0aa11bb22cc33dd44", "10.20.0.0/16")
DOMAIN = "arn:aws:execute-api:us-east-1:123456789012:/domainnames/api.internal.example+abc123"
API = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5"


def policy(resource, *, scoped_deny=None):
    allow = {"Sid": "Ours", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": resource, "Condition": {"StringEquals": {"aws:SourceVpce": OUR_VPCE}}}
    statements = [allow]
    if scoped_deny:
        statements = [{**allow, "Sid": "All", "Condition": {}}, scoped_deny]
        del statements[0]["Condition"]
    return json.dumps({"Version": "2012-10-17", "Statement": statements})


def matrix(arn, document):
    cells = _row("x", arn, document, True, [OUR_VPCE], *VPC, ())
    return {cell.scenario: cell.decision for cell in cells}


def test_a_domain_policy_naming_its_own_full_arn_lets_our_endpoint_in():
    for resource in (DOMAIN, "execute-api:/*"):
        answers = matrix(DOMAIN, policy(resource))
        assert answers["our-endpoint"] == "Allow", resource
        assert answers["foreign-endpoint"] == "ImplicitDeny", resource


def test_a_caller_let_in_on_one_method_only_shows_as_let_in():
    deny_get = {"Sid": "DenyOthersGet", "Effect": "Deny", "Principal": "*",
                "Action": "execute-api:Invoke", "Resource": "execute-api:/*/GET/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}}}
    answers = matrix(API, policy("execute-api:/*", scoped_deny=deny_get))
    assert answers["foreign-endpoint"] == "Allow"  # POST is not denied


def test_asked_about_one_route_the_matrix_answers_for_that_route_alone():
    """`pipeline verify` predicts GET /health: a policy admitting our endpoint on another route
    only must not predict that /health answers."""
    from pipeline.reachability import Surface

    document = policy(f"{API}/*/GET/security")
    everywhere = matrix(API, document)
    assert everywhere["our-endpoint"] == "Allow"  # some probe (GET /security) gets in
    health = _row("x", API, document, True, [OUR_VPCE], *VPC, (), Surface(stages=("v1",), routes=(("GET", "/health"),)),
                  probe_patterns=False)
    assert {c.scenario: c.decision for c in health}["our-endpoint"] == "ImplicitDeny"
    served = _row("x", API, document, True, [OUR_VPCE], *VPC, (), Surface(stages=("v1",), routes=(("GET", "/security"),)),
                  probe_patterns=False)
    assert {c.scenario: c.decision for c in served}["our-endpoint"] == "Allow"
