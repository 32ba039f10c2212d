"""The public API's custom domain: a REGIONAL API Gateway domain with a TLS 1.3 policy, mapped to
the public API only, and an alias for it in the organisation's public zone."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.certificate import Certificate, certificate_args
from components.tls_policy import STRICT, TlsSettings, with_access_mode
from stack_config import platform_model
from stack_config.platform_model import PUBLIC_DOMAIN_TLS_POLICY

TYPE = "gatehouse:domain:PublicCustomDomain"


def public_api_tls_behind_domain() -> TlsSettings:
    """The public API's own policy when it has this domain: "When you call the custom domain name,
    API Gateway uses the API's security policy to negotiate the TLS handshake" (API Gateway,
    custom domain security policies), so the API gets the domain's TLS 1.3-only policy too, or
    the domain's policy would be a label and not the handshake."""
    return with_access_mode(PUBLIC_DOMAIN_TLS_POLICY, STRICT)


@dataclass
class PublicCustomDomainArgs:
    spec: platform_model.PublicCustomDomain
    rest_api_id: pulumi.Input[str]
    """The public API: the only one this domain maps."""
    stage_name: pulumi.Input[str]
    tags: dict[str, str]


class PublicCustomDomain(pulumi.ComponentResource):
    url: pulumi.Output[str]

    def __init__(self, name: str, args: PublicCustomDomainArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        spec = args.spec
        child = pulumi.ResourceOptions(parent=self)
        certificate = Certificate(f"{name}-cert", certificate_args(spec, args.tags), opts=child)
        domain = aws.apigateway.DomainName(
            name,
            domain_name=spec.domain_name,
            regional_certificate_arn=certificate.arn,
            endpoint_configuration={"types": "REGIONAL"},
            security_policy=PUBLIC_DOMAIN_TLS_POLICY,
            # "When you use an enhanced security policy, you must also set the endpoint access
            # mode" (API Gateway security policies); STRICT rejects a mismatched SNI/Host too.
            endpoint_access_mode="STRICT",
            tags={**args.tags, "exposure": "public"},
            opts=child,
        )
        aws.apigateway.BasePathMapping(
            name,
            domain_name=domain.domain_name,
            rest_api=args.rest_api_id,
            stage_name=args.stage_name,
            opts=child,
        )
        aws.route53.Record(
            f"{name}-alias",
            zone_id=spec.zone_id,
            name=spec.domain_name,
            type="A",
            aliases=[{
                "name": domain.regional_domain_name,
                "zone_id": domain.regional_zone_id,
                "evaluate_target_health": False,
            }],
            opts=child,
        )
        self.url = pulumi.Output.from_input(f"https://{spec.domain_name}/")
        self.register_outputs({"url": self.url})
