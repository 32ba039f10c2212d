"""Every policy of the pack, as the analyzer calls it with the shipped config files, passes the
valid baselines (so no new rule raises a false alarm on a legitimate prod or dev stack) and
reports the one thing a test changes."""

import json
from pathlib import Path

import pytest
from gatehouse_guard.model import Resource
from gatehouse_guard.policies import POLICIES
from policy_baseline import VPC_CIDR, changed, stack
from pulumi_policy import (
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

CONFIG_DIR = Path(__file__).resolve().parents[1] / "policies" / "config"
IPV6 = "2600:1f18:abcd:1200::/56"


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], None, [], None)


def violations(resources: list[Resource], config_name: str, spell=lambda type_: type_) -> list[tuple[str, str]]:
    """`spell` rewrites each type token as a program might have written it."""
    config = json.loads((CONFIG_DIR / f"{config_name}.json").read_text())
    # The shipped prod config describes an adopted VPC; the baseline creates its own.
    found = []
    for policy in POLICIES:
        settings = {k: v for k, v in config[policy.name].items() if k != "enforcementLevel"}
        report = lambda message, urn=None, name=policy.name: found.append((name, message))  # noqa: E731
        if isinstance(policy, ResourceValidationPolicy):
            for r in resources:
                policy.validate(ResourceValidationArgs(
                    spell(r.type), unknown_checking_proxy(dict(r.props)), r.urn, r.name, options(), None,
                    settings), report)
        else:
            policy.validate(StackValidationArgs([
                PolicyResource(spell(r.type), unknown_checking_proxy(dict(r.props)), r.urn, r.name,
                               options(), None, None, [], {}) for r in resources], settings), report)
    return found


@pytest.mark.parametrize("config_name, vpn", [("prod", False), ("dev", True), ("staging", True)])
def test_the_alb_mode_baseline_passes_every_policy(config_name, vpn):
    assert violations(stack(vpn=vpn, alb=True), config_name) == []


def test_a_dual_stack_prod_baseline_passes_every_policy():
    resources = changed(stack(vpn=False, alb=True), "network-vpc", ipv6CidrBlock=IPV6)
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowOurEndpoint", "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-0ours00000000001"}}},
        {"Sid": "DenyOutsideNetworks", "Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
         "Resource": "execute-api:/*", "Condition": {"NotIpAddress": {"aws:VpcSourceIp": [VPC_CIDR, IPV6]}}}]})
    resources = changed(resources, "private-api", policy=policy)
    resources = changed(resources, "private-domain", policy=policy)
    resources = changed(resources, "execute-api-https-vpc", cidrIpv4=None, cidrIpv6=IPV6)
    assert violations(resources, "prod") == []


@pytest.mark.parametrize("module", ["alb", "elasticloadbalancingv2"])
def test_alb_module_tokens_pass_and_fail_like_lb_ones(module):
    def spell(type_):
        return type_.replace("aws:lb/", f"aws:{module}/")

    assert violations(stack(vpn=False, alb=True), "prod", spell) == []
    broken = changed(stack(vpn=False, alb=True), "private-domain-alb-https-0", cidrIpv4="0.0.0.0/0")
    assert [name for name, _ in violations(broken, "prod", spell)] == ["endpoint-security-group"]
    internet_facing = changed(stack(vpn=False, alb=True), "private-domain-alb", internal=False)
    assert [name for name, _ in violations(internet_facing, "prod", spell)] == ["alb-internal"]
