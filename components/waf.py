"""The public API's WAF: a WAFv2 web ACL with AWS's managed baseline rule groups and a rate limit
per client IP, associated with the public stage and logging to CloudWatch."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

TYPE = "gatehouse:waf:PublicWaf"

# (rule name, managed rule group): the common baseline, requests known to exploit
# vulnerabilities (e.g. Log4j), and IPs Amazon threat intelligence flags. Order is priority.
MANAGED_RULE_GROUPS = (
    ("aws-common", "AWSManagedRulesCommonRuleSet"),
    ("aws-known-bad-inputs", "AWSManagedRulesKnownBadInputsRuleSet"),
    ("aws-ip-reputation", "AWSManagedRulesAmazonIpReputationList"),
)
RATE_RULE = "rate-per-client-ip"
# botocore wafv2 RateBasedStatement.EvaluationWindowSec: "Valid settings are 60, 120, 300, and 600".
RATE_WINDOW_SECONDS = 300
# WAF delivers to CloudWatch Logs only into groups whose name starts with this.
LOG_GROUP_PREFIX = "aws-waf-logs-"


@dataclass
class PublicWafArgs:
    stage_arn: pulumi.Input[str]
    """The public stage (arn:aws:apigateway:<region>::/restapis/<id>/stages/<stage>)."""
    rate_limit: int
    """Requests per client IP per 5 minutes, then blocked."""
    log_group_name: str
    """Physical name, beginning with aws-waf-logs-."""
    log_retention_days: int
    tags: dict[str, str]


def _visibility(metric: str) -> dict:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def web_acl_rules(rate_limit: int) -> list[dict]:
    """The managed groups in their own actions (override none), then the rate rule, which blocks."""
    rules: list[dict] = [
        {
            "name": rule_name,
            "priority": priority,
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
            "visibility_config": _visibility(rule_name),
        }
        for priority, (rule_name, group) in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        {
            "name": RATE_RULE,
            "priority": len(MANAGED_RULE_GROUPS),
            "action": {"block": {}},
            "statement": {
                "rate_based_statement": {
                    "limit": rate_limit,
                    "aggregate_key_type": "IP",
                    "evaluation_window_sec": RATE_WINDOW_SECONDS,
                }
            },
            "visibility_config": _visibility(RATE_RULE),
        }
    )
    return rules


class PublicWaf(pulumi.ComponentResource):
    web_acl_arn: pulumi.Output[str]

    def __init__(self, name: str, args: PublicWafArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        if not args.log_group_name.startswith(LOG_GROUP_PREFIX):
            raise ValueError(f"a WAF log group's name must start with {LOG_GROUP_PREFIX}")
        child = pulumi.ResourceOptions(parent=self)
        acl = aws.wafv2.WebAcl(
            name,
            description="gatehouse public API: AWS managed baseline and a rate limit per client IP",
            scope="REGIONAL",
            default_action={"allow": {}},
            rules=web_acl_rules(args.rate_limit),
            visibility_config=_visibility(name),
            tags=args.tags,
            opts=child,
        )
        logs = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            tags=args.tags,
            opts=child,
        )
        # Delivery needs the log group in the account's CloudWatch Logs resource policy for
        # delivery.logs.amazonaws.com; WAF adds it itself when the deployer may
        # logs:PutResourcePolicy (AWS "Enabling logging from AWS services"). That policy is
        # capped at 5,120 characters per region (terraform-provider-aws#25296), so many WAF log
        # groups in one region may need a consolidated policy of the account's own.
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging",
            resource_arn=acl.arn,
            log_destination_configs=[logs.arn],
            # Never log the credentials a caller sends.
            redacted_fields=[{"single_header": {"name": "authorization"}}],
            opts=child,
        )
        aws.wafv2.WebAclAssociation(
            name,
            resource_arn=args.stage_arn,
            web_acl_arn=acl.arn,
            opts=child,
        )
        self.web_acl_arn = acl.arn
        self.register_outputs({"webAclArn": self.web_acl_arn})
