"""The private API's custom domain, by mode: `alb` (seed 004) or `native` (API Gateway private
custom domain, since late 2024). Both resolve only inside the VPC, through a private zone."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.alb_front import AlbFront, AlbFrontArgs
from components.certificate import Certificate, certificate_args
from components.endpoint import ExecuteApiEndpoint
from components.private_api import PrivateApi
from components.private_domain import PrivateDomain, PrivateDomainArgs
from components.shared_endpoint import SharedExecuteApiEndpoint
from components.tls_policy import private_domain_tls
from stack_config.model import CustomDomain

TYPE = "gatehouse:domain:PrivateCustomDomain"


@dataclass
class PrivateCustomDomainArgs:
    spec: CustomDomain
    """mode alb or native (none builds nothing, so the program does not create this)."""
    vpc_id: pulumi.Input[str]
    vpc_cidr: str
    subnet_ids: Sequence[pulumi.Input[str]]
    endpoint: ExecuteApiEndpoint | SharedExecuteApiEndpoint
    """Ours, or the organisation's shared one (privateApi.vpcEndpointId)."""
    api: PrivateApi
    allowed_cidrs: Sequence[str]
    """For the domain's resource policy (aws:VpcSourceIp) and the ALB's security group."""
    extra_endpoint_ids: Sequence[str]
    is_prod: bool
    """Prod: the ALB's deletion protection."""
    tags: dict[str, str]
    protect: bool = False
    """On in prod: `pulumi up` refuses to delete or replace the domain name and the zone."""


class PrivateCustomDomain(pulumi.ComponentResource):
    url: pulumi.Output[str]
    alb_dns_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: PrivateCustomDomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        if spec.mode not in ("alb", "native"):
            raise ValueError(f"no custom domain to build for mode {spec.mode!r}")
        child = pulumi.ResourceOptions(parent=self)
        certificate = Certificate(f"{name}-cert", certificate_args(spec, args.tags), opts=child)
        PrivateDomain(
            name,
            PrivateDomainArgs(
                domain_name=spec.domain_name,
                certificate_arn=certificate.arn,
                endpoint_id=args.endpoint.endpoint_id,
                rest_api_id=args.api.api_id,
                stage_name=args.api.stage_name,
                allowed_cidrs=args.allowed_cidrs,
                tls=private_domain_tls(spec),
                extra_endpoint_ids=args.extra_endpoint_ids,
                protect=args.protect,
                tags=args.tags,
            ),
            opts=child,
        )
        zone_id: pulumi.Input[str]
        if spec.private_zone_id:
            zone_id = spec.private_zone_id
        else:
            zone_id = aws.route53.Zone(
                f"{name}-zone",
                name=spec.domain_name,
                comment="gatehouse private API custom domain",
                vpcs=[{"vpc_id": args.vpc_id}],
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            ).zone_id

        self.alb_dns_name = None
        if spec.mode == "alb":
            front = AlbFront(
                f"{name}-alb",
                AlbFrontArgs(
                    vpc_id=args.vpc_id,
                    vpc_cidr=args.vpc_cidr,
                    subnet_ids=args.subnet_ids,
                    target_ips=args.endpoint.private_ips,
                    certificate_arn=certificate.arn,
                    ssl_policy=spec.tls.alb,
                    ingress_cidrs=args.allowed_cidrs,
                    deletion_protection=args.is_prod,
                    tags=args.tags,
                ),
                opts=child,
            )
            alias_name, alias_zone = front.dns_name, front.zone_id
            self.alb_dns_name = front.dns_name
        else:
            alias_name = args.endpoint.dns_names.apply(lambda names: names[0])
            alias_zone = args.endpoint.hosted_zone_id
        aws.route53.Record(
            f"{name}-alias",
            zone_id=zone_id,
            name=spec.domain_name,
            type="A",
            aliases=[{"name": alias_name, "zone_id": alias_zone, "evaluate_target_health": False}],
            opts=child,
        )
        self.url = pulumi.Output.from_input(f"https://{spec.domain_name}/")
        self.register_outputs({"url": self.url, "albDnsName": self.alb_dns_name})
