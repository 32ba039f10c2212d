"""A Lambda's own log group and an execution role that may write only there: what every function
of the house gets (narrower than AWSLambdaBasicExecutionRole, which may write to any log group)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.iam import service_assume_role_policy


@dataclass
class FunctionLogging:
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    logging_policy: aws.iam.RolePolicy
    """The function must depend on it: without it the first invocations cannot log."""


def function_logging(
    parent: pulumi.Resource, name: str, *, function_name: str, retention_days: int, tags: dict[str, str]
) -> FunctionLogging:
    """`{name}-logs`, `{name}-role`, `{name}-logging`: named after the function, so the log
    group's name is known before the function exists."""
    child = pulumi.ResourceOptions(parent=parent)
    log_group = aws.cloudwatch.LogGroup(
        f"{name}-logs",
        name=f"/aws/lambda/{function_name}",
        retention_in_days=retention_days,
        tags=tags,
        opts=child,
    )
    role = aws.iam.Role(
        f"{name}-role",
        assume_role_policy=service_assume_role_policy("lambda.amazonaws.com"),
        tags=tags,
        opts=child,
    )
    logging_policy = aws.iam.RolePolicy(
        f"{name}-logging",
        role=role.id,
        policy=log_group.arn.apply(
            lambda arn: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                            "Resource": f"{arn}:*",
                        }
                    ],
                }
            )
        ),
        opts=child,
    )
    return FunctionLogging(log_group, role, logging_policy)
