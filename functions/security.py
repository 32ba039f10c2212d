"""Private "security" service (seed 000): only reachable through the private API.

It reports what API Gateway saw of the caller, which is what the resource policy decided on:
useful when someone asks "why do I get 403?" from one network and not from another.
"""

import json


def handler(event, context):
    identity = (event.get("requestContext") or {}).get("identity") or {}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json", "Cache-Control": "no-store"},
        "body": json.dumps(
            {
                "service": "security",
                "sourceIp": identity.get("sourceIp"),
                "vpcEndpointId": identity.get("vpceId"),
                "vpcId": identity.get("vpcId"),
            }
        ),
    }
