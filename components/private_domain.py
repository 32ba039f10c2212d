"""API Gateway's native private custom domain: the name, who may reach it, and where it routes.

Used by both domain modes: behind an ALB, API Gateway still needs this mapping for requests that
arrive with the custom Host, or it answers `403 ForbiddenException` (seed 004).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.resource_policy import build_private_api_policy
from components.tls_policy import TlsSettings

TYPE = "gatehouse:domain:PrivateDomain"


@dataclass
class PrivateDomainArgs:
    domain_name: str
    certificate_arn: pulumi.Input[str]
    endpoint_id: pulumi.Input[str]
    rest_api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    allowed_cidrs: Sequence[str]
    tls: TlsSettings
    """See tls_policy.private_domain_tls: never STRICT behind the ALB."""
    extra_endpoint_ids: Sequence[str] = ()
    protect: bool = False
    """On in prod: `pulumi up` refuses to delete or replace the domain name (see README)."""
    tags: dict[str, str] | None = None


class PrivateDomain(pulumi.ComponentResource):
    domain_name_id: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: PrivateDomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        endpoint_ids = pulumi.Output.all(args.endpoint_id, *args.extra_endpoint_ids)
        domain = aws.apigateway.DomainName(
            name,
            domain_name=args.domain_name,
            certificate_arn=args.certificate_arn,
            endpoint_configuration={"types": "PRIVATE"},
            security_policy=args.tls.security_policy,
            endpoint_access_mode=args.tls.endpoint_access_mode,
            policy=endpoint_ids.apply(
                lambda ids: json.dumps(
                    build_private_api_policy(allowed_endpoint_ids=ids, allowed_cidrs=args.allowed_cidrs)
                )
            ),
            tags={**(args.tags or {}), "exposure": "private"},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.apigateway.DomainNameAccessAssociation(
            name,
            access_association_source=args.endpoint_id,
            access_association_source_type="VPCE",
            domain_name_arn=domain.arn,
            tags=args.tags or {},
            opts=child,
        )
        aws.apigateway.BasePathMapping(
            name,
            domain_name=domain.domain_name,
            domain_name_id=domain.domain_name_id,
            rest_api=args.rest_api_id,
            stage_name=args.stage_name,
            opts=child,
        )
        self.domain_name_id = domain.domain_name_id
        self.arn = domain.arn
        self.register_outputs({"domainNameId": self.domain_name_id})
