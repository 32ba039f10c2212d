"""The PRIVATE REST API for internal services: reachable only through the allowed endpoints."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import rest_api_parts
from components.resource_policy import build_private_api_policy
from components.rest_api_parts import RoutedService

TYPE = "gatehouse:api:PrivateApi"


@dataclass
class PrivateApiArgs:
    services: Sequence[RoutedService]
    endpoint_id: pulumi.Input[str]
    """Ours: associated with the API and first in the policy."""
    allowed_cidrs: Sequence[str]
    """For aws:VpcSourceIp; see resource_policy.allowed_networks."""
    log_retention_days: int
    tags: dict[str, str]
    extra_endpoint_ids: Sequence[str] = ()
    """Other organisation endpoints allowed in. Default: ours only."""


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
        self.policy = endpoint_ids.apply(
            lambda ids: json.dumps(
                build_private_api_policy(allowed_endpoint_ids=ids, allowed_cidrs=args.allowed_cidrs)
            )
        )
        # The policy is inline so the API never exists as PRIVATE without it.
        api = aws.apigateway.RestApi(
            name,
            description="Private internal services: VPC endpoint access only",
            endpoint_configuration={"types": "PRIVATE", "vpc_endpoint_ids": endpoint_ids},
            policy=self.policy,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        stage = rest_api_parts.serve(
            self, name, api, args.services,
            policy=self.policy, log_retention_days=args.log_retention_days, tags=tags,
        )
        self.api_id = api.id
        self.api_name = api.name
        self.stage_name = stage.stage_name
        self.invoke_url = stage.invoke_url
        self.register_outputs({"apiId": self.api_id, "invokeUrl": self.invoke_url})
