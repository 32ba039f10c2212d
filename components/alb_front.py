"""An internal ALB in front of the execute-api endpoint (seed 004): TLS with our certificate on
the listener, the endpoint's ENI IPs as targets.

Behind the ALB the endpoint sees the ALB's addresses, so who may connect is decided here, in
the ALB's security group, not in the API's resource policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.https_security_group import HTTPS, https_egress, https_security_group

TYPE = "gatehouse:domain:AlbFront"


@dataclass
class AlbFrontArgs:
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]
    target_ips: Mapping[str, pulumi.Input[str]]
    """Subnet key -> the execute-api endpoint's ENI IP in that subnet."""
    certificate_arn: pulumi.Input[str]
    ssl_policy: str
    ingress_cidrs: Sequence[str]
    """Who may connect: the VPC, consumers and (lower tiers only) VPN ranges."""
    deletion_protection: bool
    """On in prod."""
    tags: dict[str, str] | None = None


class AlbFront(pulumi.ComponentResource):
    dns_name: pulumi.Output[str]
    zone_id: pulumi.Output[str]

    def __init__(self, name: str, args: AlbFrontArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = args.tags or {}
        group = https_security_group(
            self,
            name,
            vpc_id=args.vpc_id,
            description="private API ALB: HTTPS from allowed networks",
            ingress_cidrs=args.ingress_cidrs,
            tags=tags,
        )
        https_egress(self, f"{name}-https-to-endpoint", group, cidr=args.vpc_cidr,
                     description="HTTPS to the execute-api endpoint ENIs")
        balancer = aws.lb.LoadBalancer(
            name,
            internal=True,
            load_balancer_type="application",
            subnets=list(args.subnet_ids),
            security_groups=[group.id],
            drop_invalid_header_fields=True,
            enable_deletion_protection=args.deletion_protection,
            tags=tags,
            opts=child,
        )
        targets = aws.lb.TargetGroup(
            f"{name}-endpoint",
            vpc_id=args.vpc_id,
            target_type="ip",
            protocol="HTTPS",
            port=HTTPS,
            # The endpoint answers 403 to a health check that carries no API's Host header.
            health_check={"protocol": "HTTPS", "path": "/", "matcher": "200,403"},
            tags=tags,
            opts=child,
        )
        for i, (subnet, ip) in enumerate(args.target_ips.items()):
            # Named by subnet, not position: a subnet added or removed leaves the others' targets
            # alone. The alias keeps the i-th target of a stack named by position until now.
            aws.lb.TargetGroupAttachment(
                f"{name}-endpoint-{subnet}",
                target_group_arn=targets.arn,
                target_id=ip,
                port=HTTPS,
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"{name}-endpoint-{i}")]),
            )
        aws.lb.Listener(
            f"{name}-https",
            load_balancer_arn=balancer.arn,
            protocol="HTTPS",
            port=HTTPS,
            certificate_arn=args.certificate_arn,
            ssl_policy=args.ssl_policy,
            default_actions=[{"type": "forward", "target_group_arn": targets.arn}],
            tags=tags,
            opts=child,
        )
        self.dns_name = balancer.dns_name
        self.zone_id = balancer.zone_id
        self.register_outputs({"dnsName": self.dns_name})
