"""The PRIVATE REST API for internal services: reachable only through the allowed endpoints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components import rest_api_parts
from components.resource_policy import api_methods_arn, build_private_api_policy
from components.rest_api_parts import RoutedService
from components.tls_policy import BASIC, TLS13_ONLY, TlsSettings, with_access_mode

TYPE = "gatehouse:api:PrivateApi"


@dataclass
class PrivateApiArgs:
    services: Sequence[RoutedService]
    endpoint_id: pulumi.Input[str]
    """Ours: associated with the API and first in the policy."""
    allowed_cidrs: Sequence[str]
    """For aws:VpcSourceIp; see resource_policy.allowed_networks."""
    region: str
    log_retention_days: int
    tags: dict[str, str]
    extra_endpoint_ids: Sequence[str] = ()
    """Other organisation endpoints allowed in. Default: ours only."""
    tls: TlsSettings = field(default_factory=lambda: with_access_mode(TLS13_ONLY, BASIC))
    """Default: TLS 1.3 only, access mode BASIC (see tls_policy.private_api_tls)."""
    account_settings: pulumi.Resource | None = None
    """The stack's aws.apigateway.Account, when it manages it: the stage waits for it. None:
    the account's CloudWatch Logs role must already be set (README, `check` says so)."""
    protect: bool = False
    """On in prod: `pulumi up` refuses to delete or replace the API (see README)."""


class PrivateApi(pulumi.ComponentResource):
    api_id: pulumi.Output[str]
    api_name: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    invoke_url: pulumi.Output[str]
    policy: pulumi.Output[str]

    def __init__(self, name: str, args: PrivateApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if any(item.service.visibility != "private" for item in args.services):
            raise ValueError("the private API serves private services only")
        if any(r.auth == "cognito" for item in args.services for r in item.service.routes):
            raise ValueError("the private API takes auth none or iam, never cognito")
        tags = {**args.tags, "exposure": "private"}
        endpoint_ids = pulumi.Output.all(args.endpoint_id, *args.extra_endpoint_ids)
        api = aws.apigateway.RestApi(
            name,
            description="Private internal services: VPC endpoint access only",
            endpoint_configuration={"types": "PRIVATE", "vpc_endpoint_ids": endpoint_ids},
            security_policy=args.tls.security_policy,
            endpoint_access_mode=args.tls.endpoint_access_mode,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        # A separate policy, because only it can name the API's own ARN, the form API Gateway
        # stores and returns (the `execute-api:/*` shorthand would drift on every refresh).
        # Until it is attached the PRIVATE API denies every call: it never exists open.
        account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id
        self.policy = pulumi.Output.all(endpoint_ids, account, api.id).apply(
            lambda values: json.dumps(
                build_private_api_policy(
                    allowed_endpoint_ids=values[0],
                    allowed_cidrs=args.allowed_cidrs,
                    resource=api_methods_arn(region=args.region, account_id=values[1], api_id=values[2]),
                )
            )
        )
        policy = aws.apigateway.RestApiPolicy(
            name, rest_api_id=api.id, policy=self.policy, opts=pulumi.ResourceOptions(parent=self)
        )
        stage = rest_api_parts.serve(
            self, name, api, args.services,
            policy=policy, log_retention_days=args.log_retention_days, tags=tags,
            stage_depends_on=[args.account_settings] if args.account_settings else [],
        )
        self.api_id = api.id
        self.api_name = api.name
        self.stage_name = stage.stage_name
        self.invoke_url = stage.invoke_url
        self.register_outputs({"apiId": self.api_id, "invokeUrl": self.invoke_url})
