"""A security group that admits HTTPS from a list of networks and nothing else.

Used for the execute-api endpoint and for the ALB in front of it: both answer HTTPS and must
never be reachable from anywhere the caller did not name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

HTTPS = 443


def https_security_group(
    parent: pulumi.Resource,
    name: str,
    *,
    vpc_id: pulumi.Input[str],
    description: str,
    ingress_cidrs: Sequence[str],
    tags: dict[str, str],
) -> aws.ec2.SecurityGroup:
    """`{name}-sg` with one ingress rule per network (duplicates folded), named for the network
    it admits (`{name}-https-10-20-0-0-16`): adding or removing a network never renames, and so
    never replaces, the rules for the others.

    No egress rule is added: a caller that needs one adds it, named for what it reaches.
    """
    group = aws.ec2.SecurityGroup(
        f"{name}-sg",
        vpc_id=vpc_id,
        description=description,
        tags={**tags, "Name": f"{name}-sg"},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    for i, cidr in enumerate(dict.fromkeys(ingress_cidrs)):
        aws.vpc.SecurityGroupIngressRule(
            https_rule_name(name, cidr),
            security_group_id=group.id,
            ip_protocol="tcp",
            from_port=HTTPS,
            to_port=HTTPS,
            cidr_ipv4=cidr,
            description=f"HTTPS from {cidr}",
            # Named by position until this release: a stack whose list did not change since
            # keeps its rules in place.
            opts=pulumi.ResourceOptions(parent=parent, aliases=[pulumi.Alias(name=f"{name}-https-{i}")]),
        )
    return group


def https_rule_name(name: str, cidr: str) -> str:
    """`{name}-https-<network>`: the CIDR in normal form, dots and slash as dashes."""
    network = ipaddress.ip_network(cidr, strict=False)
    return f"{name}-https-" + str(network).replace(".", "-").replace(":", "-").replace("/", "-")


def https_egress(
    parent: pulumi.Resource, rule_name: str, group: aws.ec2.SecurityGroup, *, cidr: str, description: str
) -> aws.vpc.SecurityGroupEgressRule:
    """The one egress rule a caller adds to such a group: HTTPS to `cidr`, named for what it reaches."""
    return aws.vpc.SecurityGroupEgressRule(
        rule_name,
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=HTTPS,
        to_port=HTTPS,
        cidr_ipv4=cidr,
        description=description,
        opts=pulumi.ResourceOptions(parent=parent),
    )
