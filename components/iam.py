"""IAM documents the components share."""

import json


def service_assume_role_policy(service: str) -> str:
    """Trust policy letting one AWS service (e.g. lambda.amazonaws.com) assume a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )
