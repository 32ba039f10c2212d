"""The custom domain's ACM certificate: an existing ARN, or a new one DNS-validated in a public zone."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

TYPE = "gatehouse:domain:Certificate"


@dataclass
class CertificateArgs:
    domain_name: str
    existing_arn: str | None = None
    validation_zone_id: str | None = None
    """Public zone for the DNS validation record. Exactly one of this and existing_arn."""
    tags: dict[str, str] | None = None


def certificate_args(spec, tags: dict[str, str]) -> CertificateArgs:
    """For a domain spec (private or public custom domain): its `domain_name`, and exactly one of
    `certificate_arn` and `certificate_validation_zone_id`."""
    return CertificateArgs(
        domain_name=spec.domain_name,
        existing_arn=spec.certificate_arn,
        validation_zone_id=spec.certificate_validation_zone_id,
        tags=tags,
    )


class Certificate(pulumi.ComponentResource):
    arn: pulumi.Output[str]
    """Validated: anything using it waits for validation to complete."""

    def __init__(self, name: str, args: CertificateArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if (args.existing_arn is None) == (args.validation_zone_id is None):
            raise ValueError("give exactly one of existing_arn and validation_zone_id")
        if args.existing_arn is not None:
            self.arn = pulumi.Output.from_input(args.existing_arn)
        else:
            child = pulumi.ResourceOptions(parent=self)
            certificate = aws.acm.Certificate(
                name,
                domain_name=args.domain_name,
                validation_method="DNS",
                tags=args.tags or {},
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=False),
            )
            option = certificate.domain_validation_options[0]
            record = aws.route53.Record(
                f"{name}-validation",
                zone_id=args.validation_zone_id,
                name=option.resource_record_name,
                type=option.resource_record_type,
                records=[option.resource_record_value],
                ttl=300,
                allow_overwrite=True,
                opts=child,
            )
            validation = aws.acm.CertificateValidation(
                name,
                certificate_arn=certificate.arn,
                validation_record_fqdns=[record.fqdn],
                opts=child,
            )
            self.arn = validation.certificate_arn
        self.register_outputs({"arn": self.arn})
