"""The ALB by any name (issue 11, class 4): `aws:alb/*` is `aws:lb/*`, a listener without
`protocol` is HTTP, listener rules may not forward over HTTP, targets are private addresses."""

import pytest
from gatehouse_guard.model import Resource, canonical_type
from gatehouse_guard.policies import POLICIES
from gatehouse_guard.rules.load_balancer import (
    check_listener_rules_tls,
    check_listener_tls,
    check_target_attachment,
)
from policy_baseline import ALB_ARN, LISTENER_ARN, TARGET_GROUP_ARN, added, changed, find, stack
from pulumi_policy import PolicyResourceOptions, ResourceValidationArgs
from pulumi_policy.proxy import unknown_checking_proxy

BY_NAME = {p.name: p for p in POLICIES}
REDIRECT = [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]


def run(policy: str, type_: str, props: dict) -> list[str]:
    reported = []
    options = PolicyResourceOptions(False, [], None, [], None, [], None)
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:x", "x", options, None, {"tier": "prod"})
    BY_NAME[policy].validate(args, lambda message, urn=None: reported.append(message))
    return reported


@pytest.mark.parametrize("module", ["alb", "lb", "applicationloadbalancing", "elasticloadbalancingv2"])
def test_every_load_balancer_module_is_the_same_type(module):
    assert canonical_type(f"aws:{module}/listener:Listener") == "aws:lb/listener:Listener"
    assert Resource(f"aws:{module}/loadBalancer:LoadBalancer", "x", {}).type == "aws:lb/loadBalancer:LoadBalancer"


@pytest.mark.parametrize("policy, kind, props", [
    ("alb-internal", "loadBalancer:LoadBalancer", {"internal": False}),
    ("alb-deletion-protection", "loadBalancer:LoadBalancer", {"enableDeletionProtection": False}),
    ("alb-listener-tls", "listener:Listener", {"protocol": "HTTP", "defaultActions": [{"type": "forward"}]}),
    ("alb-targets-private", "targetGroupAttachment:TargetGroupAttachment", {"targetId": "52.1.2.3"}),
])
def test_alb_module_tokens_reach_the_resource_policies(policy, kind, props):
    assert run(policy, f"aws:alb/{kind}", props)
    assert run(policy, f"aws:lb/{kind}", props)


def listener(**changes) -> Resource:
    return find(changed(stack(alb=True), "private-domain-alb-https", **changes), "private-domain-alb-https")


def test_a_listener_without_protocol_is_plain_http():
    [finding] = check_listener_tls(listener(protocol=None, sslPolicy=None, port=80))
    assert "serves plain HTTP" in finding.message


def test_a_listener_without_protocol_that_redirects_passes():
    assert list(check_listener_tls(listener(protocol=None, sslPolicy=None, defaultActions=REDIRECT))) == []


def test_a_redirect_that_keeps_the_protocol_is_not_a_redirect_to_https():
    keep = [{"type": "redirect", "redirect": {"port": "8080", "statusCode": "HTTP_302"}}]
    assert list(check_listener_tls(listener(protocol="HTTP", sslPolicy=None, defaultActions=keep)))


def http_listener_stack(**rule):
    resources = changed(stack(alb=True), "private-domain-alb-https", protocol="HTTP", port=80,
                        sslPolicy=None, certificateArn=None, defaultActions=REDIRECT)
    return added(resources, "aws:lb/listenerRule:ListenerRule", "api-rule", {
        "listenerArn": LISTENER_ARN, "priority": 10,
        "conditions": [{"pathPattern": {"values": ["/api/*"]}}], **rule})


def rule_messages(resources) -> list[str]:
    return [f.message for f in check_listener_rules_tls(resources)]


@pytest.mark.parametrize("actions", [
    [{"type": "forward", "targetGroupArn": TARGET_GROUP_ARN}],
    [{"type": "forward", "forward": {"targetGroups": [{"arn": TARGET_GROUP_ARN, "weight": 1}]}}],
    [{"type": "authenticate-oidc", "order": 1}, {"type": "forward", "order": 2, "targetGroupArn": TARGET_GROUP_ARN}],
])
def test_a_listener_rule_forwarding_on_a_redirecting_http_listener_is_a_violation(actions):
    [message] = rule_messages(http_listener_stack(actions=actions))
    assert "ListenerRule 'api-rule' forwards requests arriving on plain-HTTP Listener " \
           "'private-domain-alb-https'" in message


def test_an_alb_module_listener_rule_is_judged_too():
    resources = http_listener_stack(actions=[{"type": "forward", "targetGroupArn": TARGET_GROUP_ARN}])
    rule = resources[-1]
    resources[-1] = Resource("aws:alb/listenerRule:ListenerRule", rule.name, rule.props, rule.urn)
    assert len(rule_messages(resources)) == 1


def test_a_listener_rule_that_redirects_passes():
    assert rule_messages(http_listener_stack(actions=REDIRECT)) == []


def test_a_forwarding_rule_on_an_https_listener_passes():
    resources = added(stack(alb=True), "aws:lb/listenerRule:ListenerRule", "api-rule", {
        "listenerArn": LISTENER_ARN, "actions": [{"type": "forward", "targetGroupArn": TARGET_GROUP_ARN}]})
    assert rule_messages(resources) == []


def test_a_rule_joined_to_its_listener_by_dependency_is_judged():
    resources = http_listener_stack(actions=[{"type": "forward", "targetGroupArn": TARGET_GROUP_ARN}])
    rule, http = resources[-1], find(resources, "private-domain-alb-https")
    resources[-1] = Resource(rule.type, rule.name, {**rule.props, "listenerArn": "unknown-yet"}, rule.urn,
                             {"listenerArn": (http.urn,)})
    assert len(rule_messages(resources)) == 1


def find_attachment(**changes) -> Resource:
    resources = changed(stack(alb=True), "private-domain-alb-endpoint-0", **changes)
    return find(resources, "private-domain-alb-endpoint-0")


@pytest.mark.parametrize("target", ["52.94.236.248", "2600:1f18::1"])
def test_a_public_target_address_is_a_violation(target):
    [finding] = check_target_attachment(find_attachment(targetId=target))
    assert f"targets the public address {target}" in finding.message


def test_a_target_outside_the_vpc_is_a_violation():
    [finding] = check_target_attachment(find_attachment(availabilityZone="all"))
    assert "availabilityZone all" in finding.message


def test_private_ip_targets_pass():
    assert list(check_target_attachment(find_attachment())) == []
    assert find_attachment().props["targetGroupArn"] == TARGET_GROUP_ARN
    assert find(stack(alb=True), "private-domain-alb").props["arn"] == ALB_ARN


def test_an_nlb_tls_listener_with_a_weak_policy_is_a_violation():
    [finding] = check_listener_tls(listener(protocol="TLS", sslPolicy="ELBSecurityPolicy-2016-08"))
    assert "sslPolicy ELBSecurityPolicy-2016-08" in finding.message
