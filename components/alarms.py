"""Operations for one stack: alarms on what fails first, and one dashboard with the same metrics.

Per API (public and private): 5XX errors, and p99 latency near the integration timeout. Per
function: errors and throttles. Every alarm notifies one SNS topic: the organisation's, or one
this stack creates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

TYPE = "gatehouse:operations:Alarms"

# API Gateway's REST integration timeout (the cap on timeoutSeconds, see stack_config/load.py).
INTEGRATION_TIMEOUT_SECONDS = 29
# "Near" the timeout: p99 above this share of it means callers are about to get 504s.
LATENCY_SHARE = 0.9
PERIOD_SECONDS = 300


@dataclass
class WatchedApi:
    key: str
    """public or private: names the alarms (`{name}-{key}-5xx`, `{name}-{key}-latency-p99`)."""
    api_name: pulumi.Input[str]
    """The REST API's name: API Gateway's metrics are dimensioned by ApiName and Stage."""
    stage_name: pulumi.Input[str]
    timeout_seconds: int
    """The longest timeout of the API's functions, capped by the integration timeout."""


@dataclass
class WatchedFunction:
    key: str
    """The service name: names the alarms (`{name}-{key}-errors`, `{name}-{key}-throttles`)."""
    function_name: pulumi.Input[str]


@dataclass
class AlarmsArgs:
    region: str
    dashboard_name: str
    apis: Sequence[WatchedApi]
    functions: Sequence[WatchedFunction]
    topic_arn: str | None = None
    """None: create `{name}-topic`. An ARN: notify that topic."""
    tags: dict[str, str] = field(default_factory=dict)


def latency_threshold_ms(timeout_seconds: int) -> float:
    return LATENCY_SHARE * min(timeout_seconds, INTEGRATION_TIMEOUT_SECONDS) * 1000


class Alarms(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        if args.topic_arn is not None:
            self.topic_arn = pulumi.Output.from_input(args.topic_arn)
        else:
            # Not encrypted with the AWS-managed aws/sns key: CloudWatch cannot use that key, so
            # alarms would fail to publish. Alarm notifications carry metric names, no payloads;
            # an organisation that wants them under its own KMS key passes topicArn.
            self.topic_arn = aws.sns.Topic(f"{name}-topic", tags=args.tags, opts=child).arn
        common = {
            "alarm_actions": [self.topic_arn],
            "ok_actions": [self.topic_arn],
            "period": PERIOD_SECONDS,
            "evaluation_periods": 1,
            "comparison_operator": "GreaterThanThreshold",
            # No traffic is not a failure.
            "treat_missing_data": "notBreaching",
            "tags": args.tags,
            "opts": child,
        }
        for api in args.apis:
            dimensions = {"ApiName": api.api_name, "Stage": api.stage_name}
            aws.cloudwatch.MetricAlarm(
                f"{name}-{api.key}-5xx",
                alarm_description=f"The {api.key} API answers with server errors (5XX)",
                namespace="AWS/ApiGateway", metric_name="5XXError", dimensions=dimensions,
                statistic="Sum", threshold=0, **common,
            )
            aws.cloudwatch.MetricAlarm(
                f"{name}-{api.key}-latency-p99",
                alarm_description=f"The {api.key} API's p99 latency nears its integration timeout "
                f"({min(api.timeout_seconds, INTEGRATION_TIMEOUT_SECONDS)} s)",
                namespace="AWS/ApiGateway", metric_name="Latency", dimensions=dimensions,
                extended_statistic="p99", threshold=latency_threshold_ms(api.timeout_seconds), **common,
            )
        for function in args.functions:
            dimensions = {"FunctionName": function.function_name}
            for metric, what in (("Errors", "errors"), ("Throttles", "throttles")):
                aws.cloudwatch.MetricAlarm(
                    f"{name}-{function.key}-{what}",
                    alarm_description=f"Service {function.key}'s function {what}",
                    namespace="AWS/Lambda", metric_name=metric, dimensions=dimensions,
                    statistic="Sum", threshold=0, **common,
                )
        body = pulumi.Output.all(
            [pulumi.Output.all(a.key, a.api_name, a.stage_name) for a in args.apis],
            [pulumi.Output.all(f.key, f.function_name) for f in args.functions],
        ).apply(lambda values: json.dumps(dashboard_body(args.region, values[0], values[1])))
        dashboard = aws.cloudwatch.Dashboard(
            name, dashboard_name=args.dashboard_name, dashboard_body=body, opts=child
        )
        self.dashboard_url = dashboard.dashboard_name.apply(
            lambda dashboard_name: f"https://{args.region}.console.aws.amazon.com/cloudwatch/home"
            f"?region={args.region}#dashboards:name={dashboard_name}"
        )
        self.register_outputs({"topicArn": self.topic_arn, "dashboardUrl": self.dashboard_url})


def dashboard_body(region: str, apis: Sequence[Sequence[str]], functions: Sequence[Sequence[str]]) -> dict:
    """One row per API (requests and errors, p99 latency), one per function (errors, throttles)."""

    def widget(title: str, metrics: list, stat: str, y: int, x: int) -> dict:
        return {
            "type": "metric", "x": x, "y": y, "width": 12, "height": 6,
            "properties": {"title": title, "region": region, "stat": stat, "period": PERIOD_SECONDS,
                           "view": "timeSeries", "metrics": metrics},
        }

    widgets = []
    row = 0
    for key, api_name, stage in apis:
        dims = ["ApiName", api_name, "Stage", stage]
        widgets.append(widget(f"{key} API: requests and errors", [
            ["AWS/ApiGateway", "Count", *dims], ["AWS/ApiGateway", "4XXError", *dims],
            ["AWS/ApiGateway", "5XXError", *dims],
        ], "Sum", row, 0))
        widgets.append(widget(f"{key} API: latency p99", [["AWS/ApiGateway", "Latency", *dims]], "p99", row, 12))
        row += 6
    for index, (key, function_name) in enumerate(functions):
        metrics = [["AWS/Lambda", metric, "FunctionName", function_name] for metric in ("Errors", "Throttles")]
        widgets.append(widget(f"{key}: errors and throttles", metrics, "Sum", row, 12 * (index % 2)))
        row += 6 * (index % 2)
    return {"widgets": widgets}
