"""Evaluate a resource policy for one request: "why do I get 403?" without an AWS account.

    python -m pipeline access --policy POLICY.json --request REQUEST.json [--format text]

REQUEST.json: {"action": "execute-api:Invoke", "resource": "<arn>", "principal": "*",
               "context": {"aws:SourceVpce": "vpce-...", "aws:VpcSourceIp": "10.1.2.3"}}
Prints {"decision": "Allow" | "ExplicitDeny" | "ImplicitDeny", "statements": [...], "why": [...],
"traps": [...]} and exits 0 whatever the decision; a file that cannot be read or understood is a
one-line usage error. `why` holds the deciding statements (on an ImplicitDeny, every Allow and
what kept it from applying), each condition key test with the policy and request values compared;
`traps` names the classic mistakes the policy makes for this request (aws:SourceIp behind a VPC
endpoint, several keys ANDed under one negated operator of a Deny, variables in a policy without
Version 2012-10-17, an Allow that an absent key satisfies, an endpoint wildcard, NotPrincipal
with Allow).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from pipeline.access_explanation import explanation_json, explanation_text
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode
from pipeline.policy_path import ensure_policies_on_path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "access",
        help="evaluate a resource policy for one request (why do I get 403?)",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument(
        "--policy", required=True, type=Path, metavar="POLICY.json", help="the resource policy"
    )
    parser.add_argument(
        "--request",
        required=True,
        type=Path,
        metavar="REQUEST.json",
        help="action, resource, principal (default anonymous) and condition context",
    )
    parser.add_argument(
        "--format",
        choices=("json", "text"),
        default="json",
        help="json (default): the answer as an object; text: the same for a person to read",
    )
    parser.set_defaults(run=run)


def _load_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} file {path} not found") from None
    except IsADirectoryError:
        raise UsageError(f"{what} file {path} is a directory, expected a JSON file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{what} file {path} is not UTF-8 text") from None
    except OSError as error:
        raise UsageError(f"cannot read {what} file {path}: {error.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{what} file {path} is not valid JSON: line {error.lineno} column {error.colno}:"
            f" {error.msg}"
        ) from None


def run(args: argparse.Namespace) -> int:
    ensure_policies_on_path()
    # Imported here: the package lives in the pack directory, on sys.path only from now on.
    from gatehouse_guard.evaluator import PolicyError, Request, RequestError, explain

    policy = _load_json(args.policy, "policy")
    request_data = _load_json(args.request, "request")
    try:
        request = Request.from_mapping(request_data)
    except RequestError as error:
        raise UsageError(f"request file {args.request}: {error}") from None
    try:
        decision, traces = explain(policy, request)
    except PolicyError as error:
        raise UsageError(f"policy file {args.policy}: {error}") from None
    answer = explanation_json(policy, request, decision, traces)
    print(explanation_text(answer) if args.format == "text" else json.dumps(answer, indent=2))
    return ExitCode.OK
