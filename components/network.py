"""The VPC the private API lives in: adopted as it is, or created with private subnets only."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.model import AdoptNetwork, CreateNetwork

TYPE = "gatehouse:network:Network"


@dataclass
class NetworkArgs:
    spec: CreateNetwork | AdoptNetwork
    """Create a VPC (no internet or NAT gateway: nothing here needs the internet) or adopt one."""
    tags: dict[str, str]


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    cidr: str
    subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        if isinstance(spec, AdoptNetwork):
            self.vpc_id = pulumi.Output.from_input(spec.vpc_id)
            self.cidr = spec.vpc_cidr
            self.subnet_ids = [pulumi.Output.from_input(s) for s in spec.subnet_ids]
        else:
            self.cidr = spec.cidr
            vpc = aws.ec2.Vpc(
                name,
                cidr_block=spec.cidr,
                # Interface endpoints and private hosted zones need both.
                enable_dns_support=True,
                enable_dns_hostnames=True,
                tags={**args.tags, "Name": name},
                opts=child,
            )
            # The default security group admits all traffic between its members; nothing
            # should use it, so take its rules away.
            aws.ec2.DefaultSecurityGroup(
                f"{name}-default-sg", vpc_id=vpc.id, tags=args.tags, opts=child
            )
            zones = aws.get_availability_zones_output(
                state="available", opts=pulumi.InvokeOutputOptions(parent=self)
            )
            blocks = subnet_blocks(spec.cidr, spec.az_count)
            self.subnet_ids = [
                aws.ec2.Subnet(
                    f"{name}-private-{i}",
                    vpc_id=vpc.id,
                    cidr_block=block,
                    availability_zone=zones.names[i],
                    map_public_ip_on_launch=False,
                    tags={**args.tags, "Name": f"{name}-private-{i}", "tier": "private"},
                    opts=child,
                ).id
                for i, block in enumerate(blocks)
            ]
            self.vpc_id = vpc.id
        self.register_outputs({"vpcId": self.vpc_id, "subnetIds": self.subnet_ids})


def subnet_blocks(cidr: str, count: int) -> list[str]:
    """`count` equal private subnets, each a quarter of the VPC or smaller, leaving room to grow."""
    network = ipaddress.ip_network(cidr)
    new_prefix = max(network.prefixlen + 2, network.prefixlen + (count - 1).bit_length())
    return [str(block) for block in list(network.subnets(new_prefix=new_prefix))[:count]]
