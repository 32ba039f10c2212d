"""`python -m pipeline verify --stack S`: after a deploy, probe the stack from inside its VPC (by
invoking its prober) and from where this runs, lay the live matrix beside the one `check`
predicts, write verify-S.{md,json}, and exit 0 only when they agree. On success the stack is
tagged `gatehouse:verified=<the commit it runs>`, which `promote --from S` requires.

Outside the VPC: the public API answers 200, the private API's public hostname lets no one in,
and the private custom domain does not resolve. Inside: every way into the private API answers,
and the public API is out of the prober's reach.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from pulumi.automation.errors import CommandError, StackNotFoundError

from functions import prober
from pipeline.automation import stacks
from pipeline.automation.options import Settings, add_common_options
from pipeline.automation.promotion import COMMIT_TAG
from pipeline.automation.verification import VERIFIED_TAG
from pipeline.automation.workspace import check_stack_name, open_stack, pulumi_command
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode
from pipeline.verify import expectations as expect
from pipeline.verify.invoke import ProberFailed, invoke_prober
from pipeline.verify.report import Row, VerifyReport, write

LambdaClientFactory = Callable[[str], Any]


def _boto3_lambda(region: str):
    import boto3  # imported here: every other command starts without it

    return boto3.client("lambda", region_name=region)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "verify", help="probe a deployed stack from inside and outside its VPC; compare with check",
        description=__doc__.splitlines()[0],
    )
    add_common_options(parser)
    parser.add_argument("--stack", required=True, type=_stack_arg)
    parser.set_defaults(run=run)


def _stack_arg(text: str) -> str:
    try:
        return check_stack_name(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    return verify_stack(settings, args.stack)


def verify_stack(
    settings: Settings,
    stack: str,
    *,
    lambda_client: LambdaClientFactory = _boto3_lambda,
    probe_options: dict | None = None,
) -> int:
    """`probe_options` go to functions.prober.run_probe for the outside probes (tests point them
    at loopback servers)."""
    report = VerifyReport(stack=stack)
    try:
        code = _verify(settings, stack, report, lambda_client, probe_options or {})
    except UsageError as error:
        report.outcome, code = "usage", ExitCode.USAGE
        report.notes.append(str(error))
        print(f"error: {error}", file=sys.stderr)
    except (ProberFailed, CommandError) as error:
        report.outcome, code = "failed", ExitCode.FAILED
        message = " ".join(str(error).split())[-2000:]
        report.notes.append(message)
        print(f"error: {stack}: {message}", file=sys.stderr)
    markdown, data = write(report, settings.report_dir)
    print(f"reports: {markdown} {data}", flush=True)
    return code


def _verify(settings: Settings, stack: str, report: VerifyReport, lambda_client, probe_options) -> int:
    stacks.read_stack_file(settings.work_dir, stack)
    try:
        handle = open_stack(stack, settings.work_dir, pulumi_command(settings.pulumi_command), create=False)
    except StackNotFoundError:
        raise UsageError(
            f"stack {stack} does not exist: create it with `python -m pipeline init --stack {stack}`, "
            f"then deploy it with `python -m pipeline up --stack {stack}`"
        ) from None
    tags = handle.list_tags()
    deployed = tags.get(COMMIT_TAG)
    if not deployed:
        raise UsageError(f"{stack} has no {COMMIT_TAG} tag: deploy it with `python -m pipeline up --stack {stack}` first")
    wanted = settings.commit(required=False) if settings.explicit_commit else None
    if wanted and wanted != deployed:
        raise UsageError(f"{stack} runs commit {deployed}, not {wanted}: verify what the stack runs")
    report.commit = deployed
    outputs = {key: value.value for key, value in handle.outputs().items()}

    predicted = predict(settings, stack, outputs)
    inside: dict[str, dict] = {}
    if outputs.get("proberFunctionName"):
        client = lambda_client(outputs.get("region") or "")
        inside = {a["name"]: a for a in invoke_prober(client, outputs["proberFunctionName"], outputs)}
    outside = {a["name"]: a for a in prober.run_probes(prober.outside_probes(outputs), **probe_options)}

    for expectation in predicted:
        answer = (inside if expectation.where == expect.INSIDE else outside).get(expectation.probe)
        if answer is None:
            report.rows.append(Row(expectation.where, expectation.probe, expectation.outcome, "no answer",
                                   False, expectation.basis, error="missing", detail="the prober did not run this probe"))
            continue
        seen = expect.observed(answer)
        report.rows.append(Row(
            expectation.where, expectation.probe, expectation.outcome, seen,
            expect.agrees(expectation.outcome, seen), expectation.basis,
            url=answer.get("url"), status=answer.get("status"), tls_version=answer.get("tls_version"),
            latency_ms=answer.get("latency_ms"), error=answer.get("error"), detail=answer.get("detail"),
        ))
    if report.disagreements:
        report.outcome = "disagrees"
        for row in report.disagreements:
            print(f"disagrees: {row.where} {row.probe}: predicted {row.expected}, live {row.observed}"
                  f" ({row.status or row.error})", file=sys.stderr)
        return ExitCode.UNVERIFIED
    handle.set_tag(VERIFIED_TAG, deployed)
    report.outcome = "verified"
    report.notes.append(f"tagged {stack} {VERIFIED_TAG}={deployed}")
    return ExitCode.OK


def predict(settings: Settings, stack: str, outputs: dict) -> list[expect.Expectation]:
    """Render the stack engine-free, as `check` does, and read the matrix it predicts."""
    from components.health_route import HEALTH_PATH
    from pipeline.reachability import reachability
    from pipeline.render import render_stack
    from pipeline.stack_files import stack_config_map
    from stack_config import load_stack_config
    from stack_config.pulumi_source import decode_config

    values = stack_config_map(stack, settings.work_dir)
    config = load_stack_config(decode_config(values), stack)
    inventory = render_stack(stack, project_dir=settings.work_dir, config=values)
    # Asked about GET /health alone: a policy may admit a caller on some routes and not others.
    cells = reachability(inventory, config, route=("GET", HEALTH_PATH))
    labels: dict[str, str] = {}
    for api in inventory.by_type("aws:apigateway/restApi:RestApi"):
        types = (api.inputs.get("endpointConfiguration") or {}).get("types")
        kind = "private" if "PRIVATE" in (types if isinstance(types, list) else [types]) else "public"
        labels.setdefault(kind, f"api:{api.name}")
    domains = inventory.by_type("aws:apigateway/domainName:DomainName")
    return expect.expectations(
        cells, outputs, private_api=labels.get("private"), public_api=labels.get("public"),
        domain=f"domain:{domains[0].inputs['domainName']}" if domains else None,
    )
