"""API Gateway's account-wide CloudWatch Logs role, without which no stage can write access logs.

It is one setting per account and region: manage it from exactly one stack there
(`gatehouse:manageApiGatewayAccount: true`), or stacks fight over it and destroying one breaks
the others' logging.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.iam import service_assume_role_policy

TYPE = "gatehouse:logging:ApiGatewayAccount"
PUSH_TO_CLOUDWATCH = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayAccount(pulumi.ComponentResource):
    def __init__(self, name: str, tags: dict[str, str], opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=service_assume_role_policy("apigateway.amazonaws.com"),
            tags=tags,
            opts=child,
        )
        attachment = aws.iam.RolePolicyAttachment(
            f"{name}-push-logs", role=role.name, policy_arn=PUSH_TO_CLOUDWATCH, opts=child
        )
        self.account = aws.apigateway.Account(
            name,
            cloudwatch_role_arn=role.arn,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[attachment]),
        )
        self.register_outputs({})
