"""The pack's shortcuts for large estates (found with `make bench`) give the answers of the plain
code they replace."""

import json

import pytest
from gatehouse_guard.model import ReferenceIndex, Resource, refers_to
from gatehouse_guard.policies import POLICIES
from gatehouse_guard.rules import (
    api_exposure,
    backdoors,
    custom_domain,
    endpoint_network,
    load_balancer,
    observability,
    policy_document,
)
from gatehouse_guard.rules.unknowns import UNKNOWN
from hypothesis import given, settings
from hypothesis import strategies as st
from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs, ResourceValidationPolicy
from pulumi_policy.proxy import unknown_checking_proxy

IDS = st.sampled_from(["a", "b", "c", "d"])
URNS = st.sampled_from(["urn:1", "urn:2", "urn:3", ""])
VALUE = st.one_of(IDS, st.just(UNKNOWN), st.none(), st.integers(0, 3), st.lists(IDS, max_size=3))


@st.composite
def targets(draw):
    return [
        Resource("t", f"t{i}", {"id": draw(VALUE), "arn": draw(VALUE)}, draw(URNS))
        for i in range(draw(st.integers(0, 5)))
    ]


@st.composite
def sources(draw):
    deps = draw(st.lists(URNS, max_size=3))
    return Resource("s", "s", {"ref": draw(VALUE)}, "urn:s", {"ref": tuple(deps)} if deps else {})


@settings(max_examples=300, deadline=None)
@given(targets(), sources())
def test_reference_index_finds_what_a_scan_finds(found_in, source):
    scan = next((t for t in found_in if refers_to(source, "ref", t, "id", "arn")), None)
    assert ReferenceIndex(found_in, "id", "arn").first(source, "ref") is scan


def test_the_first_target_in_order_wins_whichever_way_it_matched():
    by_value = Resource("t", "first", {"id": "x"}, "urn:first")
    by_dependency = Resource("t", "second", {"id": "y"}, "urn:second")
    source = Resource("s", "s", {"ref": "x"}, "urn:s", {"ref": ("urn:second",)})
    assert ReferenceIndex([by_value, by_dependency], "id").first(source, "ref") is by_value
    assert ReferenceIndex([by_dependency, by_value], "id").first(source, "ref") is by_dependency
    assert ReferenceIndex([], "id").first(source, "ref") is None


# One violating resource per resource policy, of the type the policy is gated on.
VIOLATING = {
    "api-endpoint-type": (api_exposure.REST_API, {"endpointConfiguration": {"types": ["REGIONAL"]}, "tags": {}}),
    "alb-internal": (load_balancer.LOAD_BALANCER, {"internal": False}),
    "alb-listener-tls": (load_balancer.LISTENER, {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}),
    "alb-deletion-protection": (load_balancer.LOAD_BALANCER, {"enableDeletionProtection": False}),
    "alb-targets-private": (load_balancer.TARGET_GROUP_ATTACHMENT, {"targetId": "8.8.8.8"}),
    "custom-domain-tls": (custom_domain.DOMAIN_NAME, {"securityPolicy": "TLS_1_0"}),
    "lambda-function-url-auth": (backdoors.FUNCTION_URL, {"authorizationType": "NONE"}),
    "lambda-permission-scoped": (backdoors.PERMISSION, {"principal": "*"}),
    "stage-observability": (observability.STAGE, {}),
    "private-api-policy-before-create": (policy_document.REST_API_POLICY, {"policy": json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]})}),
    "endpoint-private-dns-off": (
        endpoint_network.VPC_ENDPOINT,
        {"serviceName": "com.amazonaws.us-east-1.execute-api", "privateDnsEnabled": True},
    ),
}
OTHER_TYPES = sorted({t for t, _ in VIOLATING.values()} | {"aws:lambda/function:Function"})


def validate(policy, type_, props):
    reported = []
    options = PolicyResourceOptions(False, [], None, [], None, [], None)
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "x", options, None, {"tier": "prod"})
    policy.validate(args, lambda message, urn=None: reported.append(message))
    return reported


def test_every_resource_policy_has_a_violating_example():
    assert set(VIOLATING) == {p.name for p in POLICIES if isinstance(p, ResourceValidationPolicy)}


@pytest.mark.parametrize("name", sorted(VIOLATING))
def test_type_gate_lets_the_judged_type_through_and_only_it(name):
    policy = next(p for p in POLICIES if p.name == name)
    judged, props = VIOLATING[name]
    assert validate(policy, judged, props), f"{name} no longer sees a violating {judged}"
    for other in OTHER_TYPES:
        if other != judged:
            assert validate(policy, other, props) == []
