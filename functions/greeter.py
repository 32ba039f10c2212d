"""Public greeter: answers like seed 002's, with the address the Lambda runs at."""

import json
import os
import socket


def handler(event, context):
    name = (event.get("queryStringParameters") or {}).get("name") or "World"
    try:
        address = socket.gethostbyname(socket.gethostname())
    except OSError:
        address = "unknown"
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(
            {
                "message": f"Hi {name}, Hello from Lambda running at {address}",
                "service": os.environ.get("GATEHOUSE_SERVICE", "greeter"),
            }
        ),
    }
