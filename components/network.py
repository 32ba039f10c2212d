"""The VPC the private API lives in: adopted as it is, or created with private subnets only."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from stack_config.errors import ConfigError
from stack_config.model import AdoptNetwork, CreateNetwork

TYPE = "gatehouse:network:Network"
AZ_COUNT_KEY = "gatehouse:network.create.azCount"
SUBNET_IDS_KEY = "gatehouse:network.adopt.subnetIds"


@dataclass
class NetworkArgs:
    spec: CreateNetwork | AdoptNetwork
    """Create a VPC (no internet or NAT gateway: nothing here needs the internet) or adopt one."""
    zones: Sequence[str]
    """From `usable_zones`, called before anything is registered: for a created VPC the zones
    its subnets go into, one each."""
    tags: dict[str, str]


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    cidr: str
    subnets: dict[str, pulumi.Output[str]]
    """Stable key (created: its zone; adopted: its id) -> subnet id. Children named after a
    subnet use the key, so adding or removing one never renames the others."""
    subnet_ids: list[pulumi.Output[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        spec = args.spec
        if isinstance(spec, AdoptNetwork):
            self.vpc_id = pulumi.Output.from_input(spec.vpc_id)
            self.cidr = spec.vpc_cidr
            self.subnets = {s: pulumi.Output.from_input(s) for s in spec.subnet_ids}
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
            blocks = subnet_blocks(spec.cidr, spec.az_count)
            self.subnets = {}
            for i, (zone, block) in enumerate(zip(args.zones, blocks, strict=True)):
                subnet_name = f"{name}-private-{zone}"
                self.subnets[zone] = aws.ec2.Subnet(
                    subnet_name,
                    vpc_id=vpc.id,
                    cidr_block=block,
                    availability_zone=zone,
                    map_public_ip_on_launch=False,
                    tags={**args.tags, "Name": subnet_name, "tier": "private"},
                    # Named by position until this release; the i-th subnet is the same one.
                    opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"{name}-private-{i}")]),
                ).id
            self.vpc_id = vpc.id
        self.subnet_ids = list(self.subnets.values())
        self.register_outputs({"vpcId": self.vpc_id, "subnetIds": self.subnet_ids})


def usable_zones(spec: CreateNetwork | AdoptNetwork, region: str, stack_file: str) -> list[str]:
    """The zones the endpoint's subnets are in, checked against the zones that offer the
    execute-api endpoint service: a subnet elsewhere makes the endpoint's creation fail.

    Looked up when called, not as Outputs (subnets are named after their zone), so call it
    before registering anything: a ConfigError then leaves nothing half-registered.
    Created VPC: the first azCount available zones that offer the service. Adopted: the given
    subnets' zones, each offering it, one subnet per zone.
    """
    if isinstance(spec, AdoptNetwork):
        return check_adopted_subnets(region, spec.subnet_ids, stack_file)
    return endpoint_zones(region, spec.az_count, stack_file)


def endpoint_zones(region: str, count: int, stack_file: str) -> list[str]:
    available = aws.get_availability_zones(state="available").names
    offered = offered_zones(region)
    zones = sorted(z for z in available if z in offered)
    if len(zones) < count:
        raise ConfigError(
            stack_file,
            AZ_COUNT_KEY,
            f"is {count}, but {region} offers the execute-api endpoint in only {len(zones)} available "
            f"zone(s) ({', '.join(zones) or 'none'}); allowed: 2 to {len(zones)}",
        )
    return zones[:count]


def offered_zones(region: str) -> set[str]:
    return set(
        aws.ec2.get_vpc_endpoint_service(
            service_name=f"com.amazonaws.{region}.execute-api", service_type="Interface"
        ).availability_zones
    )


def check_adopted_subnets(region: str, subnet_ids: Sequence[str], stack_file: str) -> list[str]:
    """The endpoint takes one subnet per zone, each in a zone that offers execute-api; AWS
    would refuse it at `pulumi up` otherwise, so say which subnet now."""
    offered = offered_zones(region)
    zone_of: dict[str, str] = {}
    for subnet_id in subnet_ids:
        zone = aws.ec2.get_subnet(id=subnet_id).availability_zone
        if zone not in offered:
            raise ConfigError(
                stack_file,
                SUBNET_IDS_KEY,
                f"has {subnet_id} in {zone}, where {region} does not offer the execute-api endpoint; "
                f"allowed: subnets in {', '.join(sorted(offered))}",
            )
        if zone in zone_of:
            raise ConfigError(
                stack_file,
                SUBNET_IDS_KEY,
                f"has {zone_of[zone]} and {subnet_id} both in {zone}; allowed: one subnet per zone "
                "(an interface endpoint takes at most one subnet in each)",
            )
        zone_of[zone] = subnet_id
    return list(zone_of)


def subnet_blocks(cidr: str, count: int) -> list[str]:
    """`count` equal private subnets, each a quarter of the VPC or smaller, leaving room to grow."""
    network = ipaddress.ip_network(cidr)
    new_prefix = max(network.prefixlen + 2, network.prefixlen + (count - 1).bit_length())
    return [str(block) for block in list(network.subnets(new_prefix=new_prefix))[:count]]
