"""API Gateway's account-wide CloudWatch Logs role, without which no stage can write access logs.

It is one setting per account and region: manage it from exactly one stack there
(`gatehouse:manageApiGatewayAccount: true`), or stacks fight over it. Every other stack there
needs it set before its first deploy (README, "Deploying for real"; `check` says so).

Kept on delete, role and all: since provider v7 destroying an `aws.apigateway.Account` resets
the account's settings, breaking every other stack's access logging in the region. (v6 documented
"By default, destroying this resource will keep your account settings intact. Set
reset_on_delete to true to reset [...] In a future major version of the provider, destroying
the resource will reset account settings"; pulumi-aws 7.51's Account has no reset_on_delete
left, so only retain_on_delete keeps it.)
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.iam import service_assume_role_policy

TYPE = "gatehouse:logging:ApiGatewayAccount"
PUSH_TO_CLOUDWATCH = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayAccount(pulumi.ComponentResource):
    account: aws.apigateway.Account
    """What stages depend on: once it exists, the account's role is set."""

    def __init__(self, name: str, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        kept = pulumi.ResourceOptions(parent=self, retain_on_delete=True)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_assume_role_policy("apigateway.amazonaws.com"),
            tags=tags,
            opts=kept,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-push-logs", role=role.name, policy_arn=PUSH_TO_CLOUDWATCH, opts=kept
        )
        self.account = aws.apigateway.Account(
            name,
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions.merge(kept, pulumi.ResourceOptions(depends_on=[attachment])),
        )
        self.register_outputs({})
