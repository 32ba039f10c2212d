"""endpoint-security-group and alb-security-group: the effective ingress is the union of every
group attached by any resource and every rule any resource adds, IPv4 and IPv6 (issue 11,
class 3 and the dual-stack false alarm); the ALB's group is the real gate in ALB mode (class 4)."""

import pytest
from gatehouse_guard.rules.endpoint_network import check_endpoint_security_groups
from gatehouse_guard.rules.load_balancer import check_alb_security_groups
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import VPC_CIDR, VPN_CIDR, added, changed, find, stack

SG = "aws:ec2/securityGroup:SecurityGroup"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
ASSOCIATION = "aws:ec2/securityGroupAssociation:SecurityGroupAssociation"
ENI_ATTACHMENT = "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
IPV6 = "2600:1f18:abcd:1200::/56"
OPEN_GROUP = {"id": "sg-0open", "vpcId": "vpc-0dev", "ingress": [
    {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}]}


def endpoint_messages(resources, **kwargs) -> list[str]:
    return [f.message for f in check_endpoint_security_groups(resources, **kwargs)]


def alb_messages(resources, **kwargs) -> list[str]:
    return [f.message for f in check_alb_security_groups(resources, **kwargs)]


def prod_alb_stack():
    return stack(vpn=False, alb=True)


def test_baselines_pass():
    assert endpoint_messages(prod_alb_stack()) == []
    assert alb_messages(prod_alb_stack()) == []
    assert alb_messages(stack(alb=True), extra_cidrs=[VPN_CIDR]) == []


# -- groups attached another way -------------------------------------------------------------

def test_a_group_associated_by_security_group_association_is_judged():
    resources = added(prod_alb_stack(), SG, "open-sg", OPEN_GROUP)
    resources = added(resources, ASSOCIATION, "extra", {"vpcEndpointId": "vpce-0ours00000000001",
                                                        "securityGroupId": "sg-0open"})
    [message] = endpoint_messages(resources)
    assert "SecurityGroup 'open-sg', the security group of execute-api endpoint" in message
    assert "admits tcp/443 from 0.0.0.0/0 (via SecurityGroup 'open-sg' ingress[0])" in message


def test_an_association_joined_by_dependencies_during_preview_is_judged():
    endpoint, resources = find(stack(), "execute-api"), added(stack(), SG, "open-sg", OPEN_GROUP)
    group = find(resources, "open-sg")
    resources = added(resources, ASSOCIATION, "extra", {"vpcEndpointId": UNKNOWN, "securityGroupId": UNKNOWN},
                      vpcEndpointId=(endpoint.urn,), securityGroupId=(group.urn,))
    assert any("from 0.0.0.0/0" in m for m in endpoint_messages(resources))


def test_a_group_attached_to_one_of_the_endpoints_network_interfaces_is_judged():
    resources = added(stack(), SG, "open-sg", OPEN_GROUP)
    resources = added(resources, ENI_ATTACHMENT, "eni-b", {"networkInterfaceId": "eni-0b",
                                                           "securityGroupId": "sg-0open"})
    [message] = endpoint_messages(resources)
    assert "SecurityGroup 'open-sg'" in message and "0.0.0.0/0" in message


def test_an_association_with_a_group_the_stack_does_not_declare_cannot_be_checked():
    resources = added(stack(), ASSOCIATION, "extra", {"vpcEndpointId": "vpce-0ours00000000001",
                                                      "securityGroupId": "sg-0elsewhere"})
    [message] = endpoint_messages(resources)
    assert "sg-0elsewhere not managed by this stack" in message


def test_an_association_with_an_unknown_group_is_deferred():
    resources = added(stack(), ASSOCIATION, "extra", {"vpcEndpointId": "vpce-0ours00000000001",
                                                      "securityGroupId": UNKNOWN})
    [finding] = check_endpoint_security_groups(resources)
    assert finding.unknown


# -- rules from any resource, IPv4 and IPv6 ---------------------------------------------------

@pytest.mark.parametrize("type_, props, shown", [
    (INGRESS, {"cidrIpv6": "::/0"}, "::/0"),
    (INGRESS, {"cidrIpv4": "0.0.0.0/0"}, "0.0.0.0/0"),
    (SG_RULE, {"type": "ingress", "protocol": "tcp", "ipv6CidrBlocks": ["::/0"]}, "::/0"),
    (SG_RULE, {"type": "ingress", "protocol": "6", "cidrBlocks": ["0.0.0.0/0"]}, "0.0.0.0/0"),
    (INGRESS, {"prefixListId": "pl-0world"}, "prefix list pl-0world"),
    (INGRESS, {"referencedSecurityGroupId": "sg-0stranger"}, "members of security group sg-0stranger"),
    (SG_RULE, {"type": "ingress", "protocol": "tcp", "sourceSecurityGroupId": "123456789012/sg-0x"},
     "members of security group 123456789012/sg-0x"),
])
def test_every_rule_resource_and_family_is_judged(type_, props, shown):
    rule = {"securityGroupId": "sg-0endpoint", "fromPort": 443, "toPort": 443, **props}
    if type_ == INGRESS:
        rule["ipProtocol"] = "tcp"
    [message] = endpoint_messages(added(stack(), type_, "extra-rule", rule))
    assert f"from {shown}" in message or shown in message


def test_inline_ipv6_world_rule_is_judged():
    resources = changed(stack(), "execute-api-sg", ingress=[
        {"protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": ["::/0"]}])
    [message] = endpoint_messages(resources)
    assert "admits tcp/443 from ::/0" in message


def test_a_rule_referencing_a_group_the_stack_declares_passes():
    resources = added(stack(alb=True), INGRESS, "from-alb", {
        "securityGroupId": "sg-0endpoint", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
        "referencedSecurityGroupId": "sg-0alb"})
    assert endpoint_messages(resources) == []


# -- dual-stack VPC (false alarm 2) -----------------------------------------------------------

def dual_stack(ipv6=IPV6):
    resources = changed(stack(), "network-vpc", ipv6CidrBlock=ipv6, assignGeneratedIpv6CidrBlock=True)
    return added(resources, INGRESS, "execute-api-https-vpc-v6", {
        "securityGroupId": "sg-0endpoint", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443,
        "cidrIpv6": IPV6})


def test_a_dual_stack_vpcs_own_ipv6_range_is_inside_the_vpc():
    assert endpoint_messages(dual_stack()) == []


def test_an_ipv6_range_outside_the_dual_stack_vpc_is_still_a_violation():
    resources = changed(dual_stack(), "execute-api-https-vpc-v6", cidrIpv6="2600:1f18:ffff::/48")
    [message] = endpoint_messages(resources)
    assert "from 2600:1f18:ffff::/48" in message


def test_an_ipv6_block_association_counts_as_the_vpcs_own():
    resources = changed(dual_stack(), "network-vpc", ipv6CidrBlock=None)
    resources = added(resources, "aws:ec2/vpcIpv6CidrBlockAssociation:VpcIpv6CidrBlockAssociation",
                      "v6", {"vpcId": "vpc-0dev", "ipv6CidrBlock": IPV6})
    assert endpoint_messages(resources) == []


def test_an_ipv6_range_not_assigned_yet_is_deferred_not_refused():
    [finding] = check_endpoint_security_groups(dual_stack(ipv6=UNKNOWN))
    assert finding.unknown


def test_an_adopted_dual_stack_vpc_takes_its_ipv6_range_from_the_config():
    resources = [r for r in dual_stack() if r.name != "network-vpc"]
    assert any("2600:1f18" in m for m in endpoint_messages(resources, vpc_cidr=VPC_CIDR))
    assert endpoint_messages(resources, vpc_cidr=VPC_CIDR, vpc_extra_cidrs=[IPV6]) == []


# -- the ALB's group in ALB mode --------------------------------------------------------------

def test_alb_group_admitting_the_world_is_a_violation():
    resources = changed(prod_alb_stack(), "private-domain-alb-https-0", cidrIpv4="0.0.0.0/0")
    [message] = alb_messages(resources)
    assert "SecurityGroup 'private-domain-alb-sg', the security group of load balancer " \
           "LoadBalancer 'private-domain-alb', admits tcp/443 from 0.0.0.0/0" in message
    assert "real gate" in message and f"allowed: tcp/443 from {VPC_CIDR}" in message


def test_alb_group_admitting_ipv6_world_is_a_violation():
    resources = changed(prod_alb_stack(), "private-domain-alb-https-0", cidrIpv4=None, cidrIpv6="::/0")
    [message] = alb_messages(resources)
    assert "from ::/0" in message


def test_alb_group_admitting_a_vpn_range_is_a_violation_in_prod():
    resources = changed(prod_alb_stack(), "private-domain-alb-https-0", cidrIpv4=VPN_CIDR)
    [message] = alb_messages(resources, vpn_cidrs=[VPN_CIDR])
    assert f"from {VPN_CIDR} (VPN range {VPN_CIDR}: never in prod)" in message


def test_alb_without_security_groups_gets_the_default_group():
    [message] = alb_messages(changed(prod_alb_stack(), "private-domain-alb", securityGroups=None))
    assert "LoadBalancer 'private-domain-alb' has no security groups attached" in message


def test_alb_declared_with_the_alb_module_token_is_judged_too():
    resources = changed(prod_alb_stack(), "private-domain-alb-https-0", cidrIpv4="0.0.0.0/0")
    lb = find(resources, "private-domain-alb")
    resources[resources.index(lb)] = type(lb)("aws:alb/loadBalancer:LoadBalancer", lb.name, lb.props, lb.urn)
    assert len(alb_messages(resources)) == 1


def test_alb_group_port_other_than_its_listeners_is_a_violation():
    resources = changed(prod_alb_stack(), "private-domain-alb-https-0", fromPort=22, toPort=22)
    [message] = alb_messages(resources)
    assert "admits tcp ports 22-22" in message


def test_an_http_redirect_listener_port_is_allowed_on_the_alb_group():
    resources = added(prod_alb_stack(), "aws:lb/listener:Listener", "http-redirect", {
        "loadBalancerArn": find(stack(alb=True), "private-domain-alb").props["arn"],
        "protocol": "HTTP", "port": 80,
        "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                             "statusCode": "HTTP_301"}}]})
    resources = added(resources, INGRESS, "alb-http", {
        "securityGroupId": "sg-0alb", "ipProtocol": "tcp", "fromPort": 80, "toPort": 80,
        "cidrIpv4": VPC_CIDR})
    assert alb_messages(resources) == []


def test_an_nlb_with_security_groups_is_gated_like_the_alb():
    resources = changed(prod_alb_stack(), "private-domain-alb", loadBalancerType="network")
    assert alb_messages(resources) == []
    resources = changed(resources, "private-domain-alb-https-0", cidrIpv4="0.0.0.0/0")
    assert len(alb_messages(resources)) == 1
    no_groups = changed(prod_alb_stack(), "private-domain-alb", loadBalancerType="network", securityGroups=None)
    assert alb_messages(no_groups) == []


def test_endpoint_groups_unknown_in_preview_join_by_dependency():
    group = find(stack(), "execute-api-sg")
    resources = stack()
    endpoint = find(resources, "execute-api")
    resources[resources.index(endpoint)] = type(endpoint)(
        endpoint.type, endpoint.name, {**endpoint.props, "securityGroupIds": [UNKNOWN]}, endpoint.urn,
        {"securityGroupIds": (group.urn,)})
    assert endpoint_messages(resources) == []
    resources = changed(resources, "execute-api-https-vpc", cidrIpv4="0.0.0.0/0")
    assert len(endpoint_messages(resources)) == 1
