"""The public REST API (REGIONAL) for application services. Private services never land here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import rest_api_parts
from components.rest_api_parts import RoutedService
from components.tls_policy import TlsSettings, public_api_tls

TYPE = "gatehouse:api:PublicApi"


@dataclass
class PublicApiArgs:
    services: Sequence[RoutedService]
    log_retention_days: int
    tags: dict[str, str]
    cognito_user_pool_arns: Sequence[str] = ()
    """The Cognito authorizer's user pools; required when a route has auth cognito."""
    tls: TlsSettings = field(default_factory=public_api_tls)
    """Default: TLS 1.2 or 1.3 (never the REGIONAL default TLS 1.0), access mode STRICT."""
    account_settings: pulumi.Resource | None = None
    """The stack's aws.apigateway.Account, when it manages it: the stage waits for it."""
    protect: bool = False
    """On in prod: `pulumi up` refuses to delete or replace the API (see README)."""


class PublicApi(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    api_name: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    stage_arn: pulumi.Output[str]
    invoke_url: pulumi.Output[str]

    def __init__(self, name: str, args: PublicApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if any(item.service.visibility != "public" for item in args.services):
            raise ValueError("the public API serves public services only")
        tags = {**args.tags, "exposure": "public"}
        api = aws.apigateway.RestApi(
            name,
            description="Public application services",
            endpoint_configuration={"types": "REGIONAL"},
            security_policy=args.tls.security_policy,
            endpoint_access_mode=args.tls.endpoint_access_mode,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        stage = rest_api_parts.serve(
            self, name, api, args.services,
            log_retention_days=args.log_retention_days, tags=tags,
            stage_depends_on=[args.account_settings] if args.account_settings else [],
            cognito_user_pool_arns=args.cognito_user_pool_arns,
        )
        self.api_id = api.id
        self.api_name = api.name
        self.stage_name = stage.stage_name
        self.stage_arn = stage.arn
        self.invoke_url = stage.invoke_url
        self.register_outputs({"apiId": self.api_id, "invokeUrl": self.invoke_url})
