"""endpoint-security-group and endpoint-private-dns-off: who reaches the execute-api endpoint."""

from dataclasses import replace

from gatehouse_guard.model import Resource
from gatehouse_guard.rules.endpoint_network import (
    check_endpoint_private_dns,
    check_endpoint_security_groups,
)
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import VPN_CIDR, find, res, stack

INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def changed(resources: list[Resource], name: str, **props) -> list[Resource]:
    target = find(resources, name)
    resources[resources.index(target)] = replace(target, props={**target.props, **props})
    return resources


def messages(resources, **kwargs) -> list[str]:
    return [f.message for f in check_endpoint_security_groups(resources, **kwargs)]


def test_baseline_passes():
    assert messages(stack()) == []


def test_world_open_ipv4_rule_is_a_violation():
    [message] = messages(changed(stack(), "execute-api-https-vpc", cidrIpv4="0.0.0.0/0"))
    assert "SecurityGroup 'execute-api-sg'" in message
    assert "admits tcp/443 from 0.0.0.0/0" in message
    assert "SecurityGroupIngressRule 'execute-api-https-vpc'" in message
    assert "allowed: tcp/443 from 10.20.0.0/16" in message


def test_world_open_ipv6_rule_is_a_violation():
    resources = changed(stack(), "execute-api-https-vpc", cidrIpv4=None, cidrIpv6="::/0")
    [message] = messages(resources)
    assert "from ::/0" in message


def test_all_protocols_rule_is_a_violation():
    resources = changed(stack(), "execute-api-https-vpc", ipProtocol="-1", fromPort=None,
                        toPort=None)
    [message] = messages(resources)
    assert "admits all protocols and ports" in message


def test_port_range_is_a_violation():
    [message] = messages(changed(stack(), "execute-api-https-vpc", fromPort=0, toPort=65535))
    assert "admits tcp ports 0-65535" in message


def test_inline_ingress_rule_is_checked():
    resources = changed(stack(), "execute-api-sg", ingress=[
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}])
    [message] = messages(resources)
    assert "SecurityGroup 'execute-api-sg' ingress[0]" in message and "0.0.0.0/0" in message


def test_ec2_security_group_rule_is_checked():
    resources = stack() + [res("aws:ec2/securityGroupRule:SecurityGroupRule", "open",
                               {"type": "ingress", "securityGroupId": "sg-0endpoint",
                                "protocol": "tcp", "fromPort": 443, "toPort": 443,
                                "cidrBlocks": ["10.0.0.0/8"]})]
    [message] = messages(resources)
    assert "SecurityGroupRule 'open'" in message and "from 10.0.0.0/8" in message


def test_egress_security_group_rule_is_ignored():
    resources = stack() + [res("aws:ec2/securityGroupRule:SecurityGroupRule", "out",
                               {"type": "egress", "securityGroupId": "sg-0endpoint",
                                "protocol": "-1", "fromPort": 0, "toPort": 0,
                                "cidrBlocks": ["0.0.0.0/0"]})]
    assert messages(resources) == []


def test_vpn_rule_is_a_violation_unless_vpn_is_allowed():
    resources = stack() + [res(INGRESS, "execute-api-https-vpn",
                               {"securityGroupId": "sg-0endpoint", "cidrIpv4": VPN_CIDR,
                                "fromPort": 443, "toPort": 443, "ipProtocol": "tcp"})]
    [message] = messages(resources)
    assert f"from {VPN_CIDR}" in message
    assert messages(resources, extra_cidrs=[VPN_CIDR]) == []


def test_rules_of_other_groups_are_not_the_endpoints_business():
    resources = stack() + [res(INGRESS, "alb-open", {"securityGroupId": "sg-0alb",
                                                     "cidrIpv4": "0.0.0.0/0", "fromPort": 443,
                                                     "toPort": 443, "ipProtocol": "tcp"})]
    assert messages(resources) == []


def test_adopted_vpc_uses_configured_cidr():
    resources = [r for r in stack() if r.name != "network-vpc"]
    [message] = messages(resources)
    assert "set vpcCidr" in message
    assert messages(resources, vpc_cidr="10.20.0.0/16") == []


def test_endpoint_without_groups_gets_the_default_group():
    [message] = messages(changed(stack(), "execute-api", securityGroupIds=[]))
    assert "has no security groups attached" in message and "default security group" in message


def test_group_not_managed_by_the_stack_cannot_be_checked():
    [message] = messages(changed(stack(), "execute-api", securityGroupIds=["sg-0elsewhere"]))
    assert "sg-0elsewhere not managed by this stack" in message


def test_unknown_rule_source_is_an_unknown_finding():
    [finding] = check_endpoint_security_groups(
        changed(stack(), "execute-api-https-vpc", cidrIpv4=UNKNOWN))
    assert finding.unknown
    assert finding.message.endswith("is unknown")


def test_private_dns_on_is_advised_against():
    endpoint = find(stack(), "execute-api")
    assert list(check_endpoint_private_dns(endpoint)) == []
    on = replace(endpoint, props={**endpoint.props, "privateDnsEnabled": True})
    [finding] = check_endpoint_private_dns(on)
    assert "privateDnsEnabled: true" in finding.message
    assert "public API Gateway URLs" in finding.message
