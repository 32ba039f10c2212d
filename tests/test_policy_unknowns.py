"""A preview still fails on a known bad value: rules judge the known parts of a value before they
give up on its unknown parts, and a rule's findings made before it hit an unknown value are kept.

`unknown` findings are what the pack defers in a preview ("verified at deploy"); every other
finding is reported at the policy's level in both modes (tests/test_analyzer_unknowns.py).
"""

import json
from dataclasses import replace

import pytest
from gatehouse_guard.model import Finding, Resource
from gatehouse_guard.rules.api_exposure import REST_API, check_api_exposure
from gatehouse_guard.rules.endpoint_network import check_endpoint_security_groups
from gatehouse_guard.rules.load_balancer import LISTENER, check_listener_tls
from gatehouse_guard.rules.resource_policy import Settings, check_resource_policies
from gatehouse_guard.rules.unknowns import UNKNOWN, Unresolved, checked
from policy_baseline import VPC_CIDR, find, stack


def changed(name: str, **props) -> list[Resource]:
    resources = stack(vpn=False)
    target = find(resources, name)
    resources[resources.index(target)] = replace(target, props={**target.props, **props})
    return resources


def known(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if not f.unknown]


def unknown(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.unknown]


def test_checked_keeps_the_findings_a_rule_made_before_an_unknown_value():
    def rule(resource):
        yield Finding("known problem")
        raise Unresolved("the next value")

    findings = checked(rule, Resource("t:m:T", "r", {}, "urn:r"))
    assert [(f.message, f.unknown) for f in findings] == [
        ("known problem", False), ("T 'r': the next value is unknown", True)]


@pytest.mark.parametrize(("props", "problem"), [
    ({"ipProtocol": "-1", "cidrIpv4": UNKNOWN}, "admits all protocols and ports"),
    ({"ipProtocol": UNKNOWN, "cidrIpv4": "0.0.0.0/0"}, "admits traffic from 0.0.0.0/0"),
    ({"fromPort": 22, "toPort": UNKNOWN}, "admits tcp ports 22-(unknown)"),
    ({"fromPort": UNKNOWN, "toPort": 8443}, "admits tcp ports (unknown)-8443"),
], ids=["all-protocols", "world-cidr", "known-low-port", "known-high-port"])
def test_a_known_bad_part_of_an_ingress_rule_is_a_finding_beside_unknown_parts(props, problem):
    [message] = known(check_endpoint_security_groups(changed("execute-api-https-vpc", **props)))
    assert problem in message


def test_an_ingress_rule_whose_deciding_part_is_unknown_is_an_unknown_finding():
    findings = check_endpoint_security_groups(changed("execute-api-https-vpc", cidrIpv4=UNKNOWN))
    assert known(findings) == []
    assert unknown(findings) == [
        "VpcEndpoint 'execute-api': SecurityGroupIngressRule 'execute-api-https-vpc' "
        "(protocol, ports, sources) is unknown"]


def test_inline_ingress_is_judged_per_cidr():
    def inline(cidrs):
        resources = stack(vpn=False)
        group = find(resources, "execute-api-sg")
        rule = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": cidrs}
        resources[resources.index(group)] = replace(group, props={**group.props, "ingress": [rule]})
        return check_endpoint_security_groups(resources)

    assert "admits tcp/443 from 0.0.0.0/0" in known(inline(["0.0.0.0/0", UNKNOWN]))[0]
    only_unknown = inline([VPC_CIDR, UNKNOWN])
    assert known(only_unknown) == [] and len(unknown(only_unknown)) == 1


def test_a_bad_rule_of_a_known_group_counts_while_another_group_id_is_unknown():
    resources = changed("execute-api", securityGroupIds=["sg-0endpoint", UNKNOWN])
    rule = find(resources, "execute-api-https-vpc")
    resources[resources.index(rule)] = replace(rule, props={**rule.props, "cidrIpv4": "0.0.0.0/0"})
    findings = check_endpoint_security_groups(resources)
    assert [m for m in known(findings) if "0.0.0.0/0" in m]
    assert unknown(findings) == ["VpcEndpoint 'execute-api': a security group id in securityGroupIds is unknown"]
    assert findings[-1].unknown  # reported after every known finding


def listener(**props) -> Resource:
    return Resource(LISTENER, "web", {"protocol": "HTTP", "port": 80, **props}, "urn:web")


def test_plain_http_forwarding_to_a_target_group_not_created_yet_is_a_finding():
    actions = [{"type": "forward", "targetGroupArn": UNKNOWN}]
    [finding] = checked(check_listener_tls, listener(defaultActions=actions))
    assert not finding.unknown and "serves plain HTTP" in finding.message


def test_a_redirect_to_https_with_unknown_details_passes():
    actions = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": UNKNOWN}}]
    assert checked(check_listener_tls, listener(defaultActions=actions)) == []


@pytest.mark.parametrize("actions", [
    UNKNOWN, [UNKNOWN], [{"type": UNKNOWN}], [{"type": "redirect", "redirect": UNKNOWN}],
], ids=["all", "an-action", "its-type", "its-redirect"])
def test_an_http_listener_whose_actions_are_unknown_is_an_unknown_finding(actions):
    [finding] = checked(check_listener_tls, listener(defaultActions=actions))
    assert finding.unknown


def api(**props) -> Resource:
    base = {"name": "public-api-3c4d", "endpointConfiguration": {"types": "REGIONAL"},
            "tags": {"exposure": "public"}}
    return Resource(REST_API, "public-api", {**base, **props}, "urn:public-api")


def test_an_unlisted_regional_api_is_a_finding_whatever_its_other_tags_are():
    findings = checked(lambda r: check_api_exposure(r, []), api(tags={"exposure": "public", "owner": UNKNOWN}))
    assert "is not declared public" in known(findings)[0]


def test_a_listed_api_whose_exposure_tag_is_unknown_is_an_unknown_finding():
    findings = checked(lambda r: check_api_exposure(r, ["public-api"]), api(tags={"exposure": UNKNOWN}))
    assert unknown(findings) == ["RestApi 'public-api': the exposure tag is unknown"]


def test_a_wholly_unknown_object_is_an_unknown_finding_not_a_crash():
    findings = checked(lambda r: check_api_exposure(r, []), api(endpointConfiguration=UNKNOWN))
    assert unknown(findings) == ["RestApi 'public-api': endpointConfiguration.types is unknown"]


OPEN_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}]})


def brand_new(policy) -> list[Resource]:
    """The baseline before anything exists: the endpoint's and the VPC's ids are unknown (the
    engine still records which resource each reference comes from)."""
    resources = stack(vpn=False)
    vpc = find(resources, "network-vpc")
    for name, props in {
        "network-vpc": {"id": UNKNOWN},
        "execute-api": {"id": UNKNOWN, "vpcId": UNKNOWN},
        "private-api": {"policy": policy,
                        "endpointConfiguration": {"types": "PRIVATE", "vpcEndpointIds": [UNKNOWN]}},
    }.items():
        target = find(resources, name)
        deps = {"vpcId": (vpc.urn,)} if name == "execute-api" else target.property_dependencies
        resources[resources.index(target)] = replace(
            target, props={**target.props, **props}, property_dependencies=deps)
    return resources


def test_a_known_wide_open_policy_fails_although_the_endpoint_id_is_not_known_yet():
    findings = check_resource_policies(brand_new(OPEN_POLICY), Settings(tier="prod"))
    assert unknown(findings) == []
    leaks = " ".join(known(findings))
    assert "lets in scenario 'other-endpoint-same-vpc'" in leaks
    assert "lets in scenario 'internet'" in leaks


def test_a_policy_built_from_the_new_endpoint_id_is_deferred():
    findings = check_resource_policies(brand_new(UNKNOWN), Settings(tier="prod"))
    assert known(findings) == []
    assert unknown(findings) == ["RestApi 'private-api': the resource policy is unknown"]
