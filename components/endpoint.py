"""The execute-api interface VPC endpoint, with a security group of its own."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.https_security_group import https_security_group

TYPE = "gatehouse:endpoint:ExecuteApiEndpoint"


@dataclass
class ExecuteApiEndpointArgs:
    region: str
    vpc_id: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    vpc_cidr: str
    extra_ingress_cidrs: Sequence[str] = ()
    """Besides the VPC: VPN ranges (lower tiers only; the caller decides). Default: VPC only."""
    private_dns: bool = False
    """Off by default: on, it breaks calls from this VPC to public API Gateway URLs (seed 003)."""
    tags: dict[str, str] | None = None


class ExecuteApiEndpoint(pulumi.ComponentResource):
    endpoint_id: pulumi.Output[str]
    dns_names: pulumi.Output[list[str]]
    network_interface_ids: pulumi.Output[list[str]]
    private_ips: list[pulumi.Output[str]]
    """One per subnet, in subnet order: the ALB's targets."""
    security_group_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: ExecuteApiEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.tags or {}
        # No egress rule: the endpoint answers, it never initiates.
        group = https_security_group(
            self,
            name,
            vpc_id=args.vpc_id,
            description="execute-api endpoint: HTTPS from the VPC only",
            ingress_cidrs=[args.vpc_cidr, *args.extra_ingress_cidrs],
            tags=tags,
        )
        endpoint = aws.ec2.VpcEndpoint(
            name,
            vpc_id=args.vpc_id,
            service_name=f"com.amazonaws.{args.region}.execute-api",
            vpc_endpoint_type="Interface",
            subnet_ids=list(args.subnet_ids),
            security_group_ids=[group.id],
            private_dns_enabled=args.private_dns,
            tags={**tags, "Name": name},
            opts=child,
        )
        self.endpoint_id = endpoint.id
        self.security_group_id = group.id
        self.dns_names = endpoint.dns_entries.apply(
            lambda entries: [e.dns_name for e in entries or [] if e.dns_name]
        )
        self.hosted_zone_id: pulumi.Output[str] = endpoint.dns_entries.apply(
            lambda entries: entries[0].hosted_zone_id if entries else None
        )
        self.network_interface_ids = endpoint.network_interface_ids
        # One ENI per subnet: the count is known now, so lookups never hide inside an apply.
        self.private_ips = [
            aws.ec2.get_network_interface_output(
                id=endpoint.network_interface_ids.apply(lambda ids, i=i: sorted(ids)[i]),
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).private_ip
            for i in range(len(args.subnet_ids))
        ]
        self.register_outputs(
            {
                "endpointId": self.endpoint_id,
                "dnsNames": self.dns_names,
                "networkInterfaceIds": self.network_interface_ids,
                "privateIps": self.private_ips,
            }
        )
