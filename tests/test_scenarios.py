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


# -- probes: every caller asks for every route, stage and method the API or its policy names --

from gatehouse_guard.arns import resource_matches  # noqa: E402
from gatehouse_guard.evaluator import Request, parse_policy  # noqa: E402
from gatehouse_guard.probes import HTTP_METHODS, Surface, api_surface, probe_resources  # noqa: E402
from gatehouse_guard.scenarios import WILDCARD_ENDPOINT, WILDCARD_VPC  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SURFACE = Surface(stages=("v1", "test"), routes=(("GET", "/orders/{id}"), ("POST", "/orders")))
NOT_OURS = {"StringNotEquals": {"aws:SourceVpce": [OUR_VPCE, SECOND_VPCE]}}


def scoped_deny(resource):
    return {**_statement("Deny", "DenyOthers", NOT_OURS), "Resource": resource}


def who_gets_in(document, surface=SURFACE):
    """scenario -> the resources it reaches (Allow) among all its probes."""
    compiled = parse_policy(document)
    found = {}
    for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE, SECOND_VPCE], vpc_id=VPC_ID,
        vpc_cidr=VPC_CIDR, policy=document, surface=surface,
    ):
        reached = [
            r.resource.removeprefix(API_ARN)
            for r in s.requests
            if evaluate(compiled, r).decision == "Allow"
        ]
        found[s.name] = reached
    return found


@pytest.mark.parametrize(
    ("resource", "hole"),
    [
        pytest.param("execute-api:/*/GET/*", "/v1/POST/orders", id="deny-scoped-to-one-method"),
        pytest.param("execute-api:/v1/*", "/test/GET/orders/1", id="deny-scoped-to-one-stage"),
        pytest.param("execute-api:/*/*/orders/*", "/v1/POST/orders", id="deny-scoped-to-one-path"),
        pytest.param(
            f"{API_ARN}/*/GET/*", "/v1/POST/orders", id="full-arn-deny-scoped-to-one-method"
        ),
        pytest.param(
            "arn:aws:execute-api:*:*:*/v1/*", "/test/GET/orders/1", id="full-arn-wildcard-api"
        ),
    ],
)
def test_a_deny_that_covers_only_part_of_the_api_leaves_the_rest_open(resource, hole):
    reached = who_gets_in(_policy(ALLOW_ALL, scoped_deny(resource)))
    assert hole in reached[FOREIGN_ENDPOINT]
    assert hole in reached[OTHER_ENDPOINT_SAME_VPC]


def test_a_deny_over_the_whole_api_in_any_spelling_leaves_nothing_open():
    for resource in ("execute-api:/*", f"{API_ARN}/*", "*", ["execute-api:/v1/*", "execute-api:/test/*"]):
        reached = who_gets_in(_policy(ALLOW_ALL, scoped_deny(resource)))
        assert reached[FOREIGN_ENDPOINT] == reached[OTHER_ENDPOINT_SAME_VPC] == [], resource
        assert reached[OUR_ENDPOINT]


def test_an_allow_named_by_its_route_is_probed_on_that_route():
    # Allow only our endpoint on the whole API, plus an open door on one route of one stage.
    door = {**_statement("Allow", "OpenDoor"), "Resource": "execute-api:/test/POST/orders"}
    ours = _statement("Allow", "Ours", {"StringEquals": {"aws:SourceVpce": OUR_VPCE}})
    reached = who_gets_in(_policy(ours, door))
    assert reached[FOREIGN_ENDPOINT] == ["/test/POST/orders"]
    assert reached[INTERNET] == ["/test/POST/orders"]


def test_stages_and_paths_the_policy_names_are_probed_even_if_the_stack_has_none():
    door = {**_statement("Allow", "Door"), "Resource": "execute-api:/canary/DELETE/admin/*"}
    reached = who_gets_in(_policy(door), surface=Surface())
    assert reached[FOREIGN_ENDPOINT] == ["/canary/DELETE/admin/probe"]


def test_every_method_is_probed_on_every_stage():
    arns = probe_resources(API_ARN, _policy(ALLOW_ALL, scoped_deny("execute-api:/*/GET/*")), SURFACE)
    methods = {arn.split("/")[2] for arn in arns}
    assert methods == {"GET", "POST"}  # GET is denied; every other method answers as POST does
    everything = probe_resources(
        API_ARN, _policy(*[scoped_deny(f"execute-api:/*/{m}/*") for m in HTTP_METHODS]), SURFACE
    )
    assert {arn.split("/")[2] for arn in everything} == set(HTTP_METHODS)


def test_probes_stay_few_however_many_routes_the_api_has():
    many = Surface(("v1",), tuple(("GET", f"/svc-{i}/items/{{id}}") for i in range(500)))
    document = _policy(ALLOW_ALL, ONLY_OUR_ENDPOINT)
    assert len(probe_resources(API_ARN, document, many)) == 1


def test_without_a_policy_or_surface_the_probe_is_the_classic_one():
    only = scenarios()[OUR_ENDPOINT]
    assert [r.resource for r in only.requests] == [f"{API_ARN}/live/GET/health"]


PATTERNS = [
    "execute-api:/*", "execute-api:/v1/*", "execute-api:/*/GET/*", "execute-api:/*/POST/orders",
    "execute-api:/test/*/orders/*", "execute-api:/v?/PUT/*", f"{API_ARN}/*/DELETE/*",
    f"{API_ARN}/test/GET/orders/1", "arn:aws:execute-api:*:*:*/v1/GET/*",
    "arn:aws:execute-api:eu-west-1:111122223333:zz9/*", "*",
]  # fmt: skip
CANDIDATES = [
    f"{API_ARN}/{stage}/{method}/{path}"
    for stage in ("v1", "v2", "test", "canary")
    for method in HTTP_METHODS
    for path in ("orders", "orders/1", "health", "")
]


# Built once and drawn from below (a strategy made inside the composite is made again per draw).
_statement_counts = st.integers(min_value=1, max_value=4)
_pattern_lists = st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3)
_effects = st.sampled_from(["Allow", "Deny"])
_resource_elements = st.sampled_from(["Resource", "NotResource"])


@st.composite
def scoped_policies(draw):
    """(policy, its Resource/NotResource patterns): statements scoped to parts of the API, some
    conditioned on the caller's endpoint."""
    statements, patterns = [], []
    for index in range(draw(_statement_counts)):
        chosen = draw(_pattern_lists)
        effect = draw(_effects)
        body = _statement(effect, f"S{index}", NOT_OURS if draw(st.booleans()) else None)
        body.pop("Resource")
        statements.append(body | {draw(_resource_elements): chosen})
        patterns += chosen
    return _policy(*statements), patterns


@settings(max_examples=60, deadline=None)
@given(scoped_policies())
def test_merged_probes_lose_no_answer_the_policy_can_give(scoped):
    # Every resource of the API gets the decision of some kept probe: merging probes that no
    # Resource/NotResource value tells apart never hides a door.
    from gatehouse_guard.probes import _distinct_for

    document, patterns = scoped
    compiled = parse_policy(document)
    kept = _distinct_for(patterns, CANDIDATES)
    for context in ({"aws:SourceVpce": OUR_VPCE}, {"aws:SourceVpce": "vpce-0other"}):
        answers = {evaluate(compiled, Request("execute-api:Invoke", a, "*", context)) for a in kept}
        for arn in CANDIDATES:
            assert evaluate(compiled, Request("execute-api:Invoke", arn, "*", context)) in answers


def _wildcard(pattern, operator="StringLike"):
    return _policy(_statement("Allow", "Endpoints", {operator: {"aws:SourceVpce": pattern}}))


@pytest.mark.parametrize(
    "pattern",
    ["vpce-0a1b*", "vpce-0a1b2c3d4e5f6789?", "vpce-0a?b*", "*", "vpce-0a1b2c3d4e5f6789[0]*"],
)
def test_an_endpoint_wildcard_is_tried_with_an_id_it_matches_that_is_not_ours(pattern):
    result = {s.name: s for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE], vpc_id=VPC_ID, vpc_cidr=VPC_CIDR,
        policy=_wildcard(pattern),
    )}
    probe = result[f"{WILDCARD_ENDPOINT}:{pattern}"]
    endpoint = probe.request.context["aws:SourceVpce"]
    assert endpoint != OUR_VPCE and endpoint.startswith("vpce-")
    assert evaluate(_wildcard(pattern), probe.request).decision == "Allow"


def test_the_random_endpoints_stay_clear_of_the_policy_wildcards():
    # ids drawn at random start with a hex digit after `vpce-0`; a wildcard on every such digit
    # must not catch the other and foreign endpoints, which stand for endpoints it does not name.
    patterns = [f"vpce-0{digit}*" for digit in "0123456789abcde"]
    document = _policy(
        _statement("Allow", "Named", {"ForAnyValue:StringLike": {"aws:SourceVpce": patterns}})
    )
    result = {s.name: s for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE], vpc_id=VPC_ID, vpc_cidr=VPC_CIDR,
        policy=document,
    )}
    for name in (OTHER_ENDPOINT_SAME_VPC, FOREIGN_ENDPOINT):
        assert result[name].request.context["aws:SourceVpce"].startswith("vpce-0f")


def test_a_vpc_wildcard_is_tried_with_another_vpc_it_matches():
    document = _policy(_statement("Allow", "OurVpcs", {"StringLike": {"aws:SourceVpc": "vpc-0aa*"}}))
    result = {s.name: s for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE], vpc_id=VPC_ID, vpc_cidr=VPC_CIDR,
        policy=document,
    )}
    probe = result[f"{WILDCARD_VPC}:vpc-0aa*"]
    assert probe.request.context["aws:SourceVpc"] != VPC_ID
    assert evaluate(document, probe.request).decision == "Allow"


def test_an_exact_endpoint_id_is_not_a_wildcard():
    document = _policy(_statement("Allow", "Ours", {"StringEquals": {"aws:SourceVpce": "vpce-0a*"}}))
    names = [s.name for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE], vpc_id=VPC_ID, vpc_cidr=VPC_CIDR,
        policy=document,
    )]
    assert not any(name.startswith(WILDCARD_ENDPOINT) for name in names)


def test_the_api_surface_is_read_from_the_stack():
    from gatehouse_guard.model import Resource

    api = Resource("aws:apigateway/restApi:RestApi", "api", {"id": "a1", "rootResourceId": "root"})
    stack = [
        api,
        Resource("aws:apigateway/stage:Stage", "v1", {"restApi": "a1", "stageName": "v1"}),
        Resource("aws:apigateway/stage:Stage", "other", {"restApi": "b2", "stageName": "x"}),
        Resource("aws:apigateway/resource:Resource", "orders",
                 {"id": "r1", "restApi": "a1", "parentId": "root", "pathPart": "orders"}),
        Resource("aws:apigateway/resource:Resource", "order",
                 {"id": "r2", "restApi": "a1", "parentId": "r1", "pathPart": "{id}"}),
        Resource("aws:apigateway/method:Method", "get-order",
                 {"restApi": "a1", "resourceId": "r2", "httpMethod": "GET"}),
        Resource("aws:apigateway/method:Method", "root-any",
                 {"restApi": "a1", "resourceId": "root", "httpMethod": "ANY"}),
    ]
    assert api_surface(stack, api) == Surface(("v1",), (("GET", "/orders/{id}"), ("ANY", "/")))
    arns = probe_resources(API_ARN, None, api_surface(stack, api))
    assert arns[0] == f"{API_ARN}/v1/GET/orders/1"
    assert resource_matches(f"{API_ARN}/v1/*", arns[0])


# -- the pack's rule, from the valid baseline, one change each ----------------------------------


def _baseline_with(policy_change, *extra_resources):
    import json as _json
    from dataclasses import replace as _replace

    from policy_baseline import find, private_policy, stack

    resources = stack()
    api = find(resources, "private-api")
    document = private_policy()
    policy_change(document)
    props = {**api.props, "policy": _json.dumps(document)}
    resources[resources.index(api)] = _replace(api, props=props)
    return resources + list(extra_resources)


def _rule_messages(resources):
    from gatehouse_guard.rules.resource_policy import Settings, check_resource_policies
    from policy_baseline import VPN_CIDR

    settings = Settings(tier="lower", vpn_cidrs=(VPN_CIDR,))
    return [f.message for f in check_resource_policies(resources, settings)]


def test_rule_baseline_passes_with_its_stages_and_routes():
    from policy_baseline import PRIVATE_API_ID, res

    stage = res("aws:apigateway/stage:Stage", "private-stage", {"restApi": PRIVATE_API_ID, "stageName": "v1"})
    assert _rule_messages(_baseline_with(lambda document: None, stage)) == []


def test_rule_finds_a_deny_that_guards_only_get():
    def scope_denies_to_get(document):
        del document["Statement"][0]["Condition"]  # allow all, deny the others: a common shape
        for statement in document["Statement"][1:]:
            statement["Resource"] = "execute-api:/*/GET/*"

    messages = _rule_messages(_baseline_with(scope_denies_to_get))
    assert any(
        "lets in scenario 'foreign-endpoint'" in m and "/POST/" in m for m in messages
    ), messages


def test_rule_finds_a_deny_that_guards_only_one_of_the_stacks_stages():
    from policy_baseline import PRIVATE_API_ID, res

    stages = [
        res("aws:apigateway/stage:Stage", f"private-{name}", {"restApi": PRIVATE_API_ID, "stageName": name})
        for name in ("v1", "canary")
    ]

    def scope_denies_to_v1(document):
        del document["Statement"][0]["Condition"]
        for statement in document["Statement"][1:]:
            statement["Resource"] = "execute-api:/v1/*"

    messages = _rule_messages(_baseline_with(scope_denies_to_v1, *stages))
    assert any("'foreign-endpoint'" in m and "on /canary/" in m for m in messages), messages


def test_rule_finds_an_endpoint_wildcard_that_admits_more_than_ours():
    from policy_baseline import OUR_VPCE

    def widen_to_prefix(document):
        document["Statement"][0]["Condition"] = {"StringLike": {"aws:SourceVpce": OUR_VPCE[:8] + "*"}}
        document["Statement"][1]["Condition"] = {"StringNotLike": {"aws:SourceVpce": OUR_VPCE[:8] + "*"}}

    messages = _rule_messages(_baseline_with(widen_to_prefix))
    assert any(f"'wildcard-endpoint:{OUR_VPCE[:8]}*'" in m for m in messages), messages


def test_a_private_custom_domain_is_asked_about_its_own_arn():
    domain = "arn:aws:execute-api:eu-west-1:111122223333:/domainnames/api.internal.example+abc123"
    own_arn = {**_statement("Allow", "Domain", {"StringEquals": {"aws:SourceVpce": OUR_VPCE}}), "Resource": domain}
    result = {s.name: s for s in derive_scenarios(
        api_arn=domain, our_endpoint_ids=[OUR_VPCE], vpc_id=VPC_ID, vpc_cidr=VPC_CIDR,
        policy=_policy(own_arn),
    )}
    assert [r.resource for r in result[OUR_ENDPOINT].requests] == [domain]
    assert evaluate(_policy(own_arn), result[OUR_ENDPOINT].request).decision == "Allow"
    assert evaluate(_policy(own_arn), result[FOREIGN_ENDPOINT].request).decision == "ImplicitDeny"


def test_a_spared_path_in_not_resource_is_probed():
    # Allow all, Deny the others everywhere but /health: the foreign caller reaches /health.
    spare = {**_statement("Deny", "DenyOthers", NOT_OURS)}
    spare.pop("Resource")
    spare["NotResource"] = "execute-api:/*/GET/health"
    reached = who_gets_in(_policy(ALLOW_ALL, spare))
    assert reached[FOREIGN_ENDPOINT] == ["/v1/GET/health"]


def test_a_method_in_lower_case_names_no_call_and_guards_nothing():
    reached = who_gets_in(_policy(ALLOW_ALL, scoped_deny("execute-api:/*/get/*")))
    assert "/v1/GET/orders/1" in reached[FOREIGN_ENDPOINT]
    assert not any("/get/" in r for r in reached[FOREIGN_ENDPOINT])


UNIVERSE = [
    f"{API_ARN}/{stage}/{method}/{path}"
    for stage in SURFACE.stages
    for method in HTTP_METHODS
    for path in ("orders/1", "orders")
]


@settings(max_examples=80, deadline=None)
@given(scoped_policies())
def test_every_answer_a_real_request_can_get_is_among_the_probes_answers(scoped):
    # Whatever the statements scope to (stage, method, path, full ARN or shorthand), a caller who
    # gets in on some route of some stage with some method gets in on one of its probes.
    document, _patterns = scoped
    compiled = parse_policy(document)
    for s in derive_scenarios(
        api_arn=API_ARN, our_endpoint_ids=[OUR_VPCE, SECOND_VPCE], vpc_id=VPC_ID,
        vpc_cidr=VPC_CIDR, policy=document, surface=SURFACE,
    ):
        probed = {evaluate(compiled, r) for r in s.requests}
        for arn in UNIVERSE:
            real = Request("execute-api:Invoke", arn, "*", s.request.context)
            assert evaluate(compiled, real) in probed, (s.name, arn)


def test_routes_an_openapi_body_defines_are_probed():
    import json as _json

    from gatehouse_guard.model import Resource

    body = {"openapi": "3.0.1", "paths": {
        "/orders": {"get": {}, "post": {}, "parameters": []},
        "/{proxy+}": {"x-amazon-apigateway-any-method": {}},
    }}
    api = Resource("aws:apigateway/restApi:RestApi", "api", {"id": "a1", "body": _json.dumps(body)})
    assert api_surface([api], api).routes == (("GET", "/orders"), ("POST", "/orders"), ("ANY", "/{proxy+}"))
    yaml_body = Resource(api.type, "y", {"id": "a1", "body": "openapi: 3.0.1"})
    assert api_surface([yaml_body], yaml_body).routes == ()


def test_a_path_two_patterns_share_is_probed():
    # Anyone may GET paths starting with `a`; the others are denied all but paths ending in `b`:
    # a foreign caller gets in exactly on paths like `ab`, which neither pattern names alone.
    opening = {**_statement("Allow", "OpenA"), "Resource": "execute-api:/v1/GET/a*"}
    deny = _statement("Deny", "DenyOthersButB", NOT_OURS)
    deny.pop("Resource")
    deny["NotResource"] = "execute-api:/*/GET/*b"
    reached = who_gets_in(_policy(opening, deny))
    assert reached[FOREIGN_ENDPOINT] == ["/v1/GET/ab"]
