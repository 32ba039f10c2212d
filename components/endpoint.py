"""The execute-api interface VPC endpoint, with a security group and an endpoint policy of its own."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.https_security_group import https_security_group
from components.resource_policy import build_endpoint_policy, partition_of

TYPE = "gatehouse:endpoint:ExecuteApiEndpoint"


@dataclass
class ExecuteApiEndpointArgs:
    region: str
    vpc_id: pulumi.Input[str]
    subnets: Mapping[str, pulumi.Input[str]]
    """Stable key -> subnet id (see Network.subnets); one ENI per subnet, named by the key."""
    vpc_cidr: str
    extra_ingress_cidrs: Sequence[str] = ()
    """Besides the VPC: VPN ranges (lower tiers only; the caller decides). Default: VPC only."""
    private_dns: bool = False
    """Off by default: on, it breaks calls from this VPC to public API Gateway URLs (seed 003)."""
    reachable_account_ids: Sequence[str] = ()
    """Accounts besides ours whose private APIs callers in this VPC may reach through the
    endpoint. Default: none, only this account's APIs and private custom domains."""
    protect: bool = False
    """On in prod: `pulumi up` refuses to delete or replace the endpoint (see README)."""
    tags: dict[str, str] | None = None


class ExecuteApiEndpoint(pulumi.ComponentResource):
    endpoint_id: pulumi.Output[str]
    dns_names: pulumi.Output[list[str]]
    network_interface_ids: pulumi.Output[list[str]]
    private_ips: dict[str, pulumi.Output[str]]
    """Subnet key -> the private IP of the endpoint's ENI in that subnet: the ALB's targets."""
    security_group_id: pulumi.Output[str]
    policy: pulumi.Output[str]
    """The endpoint policy document (JSON)."""

    def __init__(
        self, name: str, args: ExecuteApiEndpointArgs, opts: pulumi.ResourceOptions | None = None
    ):
        super().__init__(TYPE, name, None, opts)
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
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        # Without a policy an interface endpoint admits every request, so anyone in the VPC
        # could reach any account's private API through it.
        policy = account.apply(
            lambda ours: json.dumps(
                build_endpoint_policy(
                    partition=partition_of(args.region),
                    region=args.region,
                    account_ids=[ours, *args.reachable_account_ids],
                )
            )
        )
        endpoint = aws.ec2.VpcEndpoint(
            name,
            vpc_id=args.vpc_id,
            service_name=f"com.amazonaws.{args.region}.execute-api",
            vpc_endpoint_type="Interface",
            subnet_ids=list(args.subnets.values()),
            security_group_ids=[group.id],
            private_dns_enabled=args.private_dns,
            policy=policy,
            tags={**tags, "Name": name},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.endpoint_id = endpoint.id
        self.security_group_id = group.id
        self.policy = policy
        self.dns_names = endpoint.dns_entries.apply(
            lambda entries: [e.dns_name for e in entries or [] if e.dns_name]
        )
        self.hosted_zone_id: pulumi.Output[str] = endpoint.dns_entries.apply(
            lambda entries: entries[0].hosted_zone_id if entries else None
        )
        self.network_interface_ids = endpoint.network_interface_ids
        # One ENI per subnet, found by subnet rather than by position in a list of ids, so each
        # target stays with its subnet whatever else changes. The subnets are known now, so no
        # lookup hides inside an apply.
        self.private_ips = {
            key: aws.ec2.get_network_interface_output(
                filters=[
                    {"name": "vpc-endpoint-id", "values": [endpoint.id]},
                    {"name": "subnet-id", "values": [subnet_id]},
                ],
                opts=pulumi.InvokeOutputOptions(parent=self),
            ).private_ip
            for key, subnet_id in args.subnets.items()
        }
        self.register_outputs(
            {
                "endpointId": self.endpoint_id,
                "dnsNames": self.dns_names,
                "networkInterfaceIds": self.network_interface_ids,
                "privateIps": self.private_ips,
            }
        )
