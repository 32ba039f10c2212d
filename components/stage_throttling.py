"""A stage's method settings: throttling (stack-wide, with per-service overrides), CloudWatch
metrics on, data trace off (it would log request and response bodies), execution logs at ERROR."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.rest_api_parts import slug
from stack_config.model import Route, Service
from stack_config.platform_model import Throttling

TYPE = "gatehouse:api:StageThrottling"
ALL_METHODS = "*/*"


@dataclass
class StageThrottlingArgs:
    rest_api_id: pulumi.Input[str]
    stage_name: pulumi.Input[str]
    default: Throttling
    """For every method of the stage (`*/*`)."""
    services: Sequence[Service]
    """Those with `throttling` get it on each of their routes."""
    depends_on: Sequence[pulumi.Resource] = field(default_factory=list)
    """The account's CloudWatch Logs role, when this stack manages it: ERROR logging needs it."""


def method_path(route: Route) -> str:
    """`{resource path without the leading /}/{HTTP method}`, e.g. `items/{id}/GET`.

    An ANY route is a method of its own, addressed as `.../ANY` (the provider's issue #15855
    shows `{proxy+}/ANY` accepted and only a trailing slash rejected).
    """
    return f"{route.path.lstrip('/')}/{route.method}"


def method_settings(throttling: Throttling) -> dict:
    return {
        "metrics_enabled": True,
        "data_trace_enabled": False,
        "logging_level": "ERROR",
        "throttling_rate_limit": throttling.rate_limit,
        "throttling_burst_limit": throttling.burst_limit,
    }


class StageThrottling(pulumi.ComponentResource):
    def __init__(self, name: str, args: StageThrottlingArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        plan = [(name, ALL_METHODS, args.default)] + [
            (f"{name}-{route.method.lower()}{slug(route.path)}", method_path(route), service.throttling)
            for service in args.services
            if service.throttling is not None
            for route in service.routes
        ]
        # One stage takes one settings update at a time (concurrent UpdateStage calls conflict), so
        # each waits for the one before.
        previous: list[pulumi.Resource] = list(args.depends_on)
        for resource_name, path, throttling in plan:
            settings = aws.apigateway.MethodSettings(
                resource_name,
                rest_api=args.rest_api_id,
                stage_name=args.stage_name,
                method_path=path,
                settings=method_settings(throttling),
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [settings]
        self.register_outputs({})
