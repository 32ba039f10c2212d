"""Invoking the in-VPC prober with boto3: the only AWS call `verify` makes itself."""

from __future__ import annotations

import json

from botocore.exceptions import BotoCoreError, ClientError


class ProberFailed(RuntimeError):
    """The prober could not be invoked, or it failed; the message says which and why."""


def invoke_prober(client, function_name: str, outputs: dict) -> list[dict]:
    """The prober's answers for `outputs` (a `lambda` client, so tests can stub it)."""
    try:
        response = client.invoke(
            FunctionName=function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps({"outputs": outputs}).encode(),
        )
    except ClientError as error:
        raise ProberFailed(f"invoking {function_name} failed: {error}") from error
    except BotoCoreError as error:
        raise ProberFailed(f"invoking {function_name} failed: {error}") from error
    payload = response["Payload"].read()
    try:
        body = json.loads(payload or b"null")
    except ValueError:
        raise ProberFailed(f"{function_name} answered something that is not JSON: {payload[:200]!r}") from None
    if response.get("FunctionError"):
        message = body.get("errorMessage") if isinstance(body, dict) else body
        raise ProberFailed(f"{function_name} failed ({response['FunctionError']}): {message}")
    if not isinstance(body, dict) or not isinstance(body.get("answers"), list):
        raise ProberFailed(f"{function_name} answered without a list of answers: {body!r}")
    if body.get("error"):
        raise ProberFailed(f"{function_name}: {body['error']}")
    return body["answers"]
