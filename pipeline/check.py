"""`python -m pipeline check [--stack NAME]`: render stacks engine-free and judge them with the
policy pack, over the same analyzer protocol the Pulumi CLI uses.

For each stack: run the program under Pulumi's official mocks, print the resource tree and the
outputs, send every resource to `policies/` (Configure with `policies/config/<stack>.json`,
Analyze per resource, AnalyzeStack once), print violations by enforcement level and the
reachability matrix, and write the reports. Needs no cloud account and no Pulumi CLI.

`--first-deploy` renders each stack as the preview of its first deploy sees it (nothing exists
yet: ids, ARNs and ENI addresses are unknown; the SDK's preview mode of the mocks) and runs the
pack as that preview does (PULUMI_DRY_RUN=true). Checks on values that only the update can know
are deferred, listed under "Verified at deploy", and do not fail the run; a known bad value does.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pipeline.analyzer.errors import PackError
from pipeline.analyzer.feed import AnalyzeAsRendered
from pipeline.analyzer.launcher import StackContext
from pipeline.automation.reports.model import Deferred, MatrixRow, Report, Violation
from pipeline.automation.reports.writer import write_reports
from pipeline.automation.stacks import policy_config
from pipeline.check_parallel import default_jobs, run_in_children, worst
from pipeline.cpu_placement import parse_cpus, pin, render_on_one_cpu
from pipeline.deferred import is_deferred, split_deferred
from pipeline.exit_codes import ExitCode
from pipeline.inventory import UNKNOWN, Inventory
from pipeline.reachability import reachability, render_matrix
from pipeline.render import collecting_less_often, render_stack
from pipeline.resource_inputs import input_problems
from pipeline.stack_files import PROJECT_DIR, project_name, shipped_stacks, stack_config_map
from pipeline.unique_names import duplicate_urns
from stack_config import load_stack_config
from stack_config.errors import ConfigError
from stack_config.pulumi_source import decode_config

if TYPE_CHECKING:
    from pipeline.analyzer.results import AnalysisResult

LEVEL_ORDER = ("mandatory", "remediate", "advisory", "disabled")
ACCOUNT_ROLE_NOTE = (
    "this stack does not manage API Gateway's CloudWatch Logs role (gatehouse:manageApiGatewayAccount "
    "is false): it must already be set for this account in {region}, by the one stack that manages "
    "it, or creating the stages fails"
)
FIRST_DEPLOY = "check-first-deploy"  # the report's command, so its files sit beside `check`'s


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="render stacks offline under Pulumi's mocks and run the policy pack")
    parser.add_argument("--stack", action="append", help="stack to check (repeatable; default: every Pulumi.<stack>.yaml)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every resource's inputs and outputs here")
    parser.add_argument("--report-dir", type=Path, default=Path("reports"), help="where check-<stack>.md/.json/.sarif go (default: reports/)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="where Pulumi.yaml and the stack files are (default: this repository)")
    parser.add_argument("--first-deploy", action="store_true", help="render as the preview of a brand-new stack (values of resources not yet created unknown) and run the pack as that dry run")
    parser.add_argument("--jobs", type=_jobs, metavar="N",
                        help="stacks checked at once, each in its own process (default: one per two CPUs; 1: in turn, in this process)")
    # Set by a parent running stacks in children (check_parallel.py): the CPUs this child keeps to.
    parser.add_argument("--cpus", type=_cpus, help=argparse.SUPPRESS)
    parser.set_defaults(run=run)


def _cpus(text: str) -> frozenset[int]:
    try:
        return parse_cpus(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be CPU numbers separated by commas, like 2,3 (got {text!r})") from None


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1 (got {text!r})")
    return int(text)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up per call, so a redirected stdout is honoured
    if getattr(args, "cpus", None):
        pin(args.cpus)  # before any thread or process of this one exists, so all of them keep to it
    project_dir: Path = args.project_dir
    stacks = args.stack or shipped_stacks(project_dir)
    jobs = args.jobs or default_jobs(len(stacks))
    if jobs > 1 and len(stacks) > 1 and not args.json:  # --json gathers every inventory here
        child_args = ["--report-dir", str(args.report_dir.resolve()), "--project-dir", str(project_dir.resolve()),
                      "--jobs", "1", *(["--first-deploy"] if args.first_deploy else [])]
        return run_in_children(stacks, child_args, jobs, out)
    codes: list[int] = []
    rendered: dict[str, Inventory] = {}
    for stack in stacks:
        code, inventory = check_stack(stack, project_dir, args.report_dir, out, first_deploy=args.first_deploy)
        codes.append(code)
        if inventory is not None:
            rendered[stack] = inventory
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"stacks": {s: asdict(i) for s, i in rendered.items()}}, indent=2, default=str))
    return worst(codes)


def check_stack(
    stack: str, project_dir: Path, report_dir: Path, out: TextIO, *, first_deploy: bool = False,
) -> tuple[int, Inventory | None]:
    # The render and what check does with what it left collect less often (render.py); they run
    # on one CPU and the analysis process and its pack on the others (cpu_placement.py).
    with collecting_less_often(), render_on_one_cpu() as helper_cpus:
        return _check_stack(stack, project_dir, report_dir, out, first_deploy=first_deploy, helper_cpus=helper_cpus)


def _check_stack(
    stack: str, project_dir: Path, report_dir: Path, out: TextIO, *, first_deploy: bool,
    helper_cpus: frozenset[int] | None,
) -> tuple[int, Inventory | None]:
    report = Report(stack=stack, command=FIRST_DEPLOY if first_deploy else "check")
    try:
        values = stack_config_map(stack, project_dir)
        config = load_stack_config(decode_config(values), stack)
    except ConfigError as error:
        return _config_error(stack, error, report, report_dir, out), None
    # The analysis process starts the pack on the other core while this one renders, and the
    # pack judges each resource there as the render registers it (pipeline/analyzer/feed.py,
    # bench/README.md). Both modes are previews to the pack (the CLI's `pulumi preview`):
    # PULUMI_DRY_RUN=true.
    context = StackContext(project=project_name(project_dir), stack=stack, dry_run=True, config=values)
    with AnalyzeAsRendered(project_dir / "policies", context, policy_config(project_dir, stack),
                           cpus=helper_cpus) as analysis:
        try:
            inventory = render_stack(stack, project_dir=project_dir, config=values, preview=first_deploy,
                                     on_resource=analysis.add)
        except ConfigError as error:
            return _config_error(stack, error, report, report_dir, out), None
        return _judge(stack, inventory, config, analysis, project_dir, report, report_dir, out,
                      first_deploy=first_deploy)


def _config_error(stack: str, error: ConfigError, report: Report, report_dir: Path, out: TextIO) -> int:
    print(f"== {stack}: config error\nerror: {error}", file=out)
    report.outcome, report.notes = "usage", [str(error)]
    write_reports(report, report_dir)
    return ExitCode.USAGE


def _judge(stack: str, inventory: Inventory, config, analysis: AnalyzeAsRendered, project_dir: Path,
           report: Report, report_dir: Path, out: TextIO, *, first_deploy: bool) -> tuple[int, Inventory]:
    config_file = policy_config(project_dir, stack)
    # While the pack gets its last resources and runs AnalyzeStack on the other core, this one
    # does check's own work: AWS's value checks and the reachability matrix.
    analysis.ask(inventory)
    rejected = rejected_by_aws(inventory, config.region, config.stack_file)
    matrix = (None, None) if first_deploy or rejected else _matrix(inventory, config, config_file)
    try:
        result, pack_error = analysis.verdict(), None
    except PackError as error:
        result, pack_error = None, error
    analysis.release()  # the pack stops while the reports are written
    if rejected:
        print(f"== {stack}: {len(rejected)} resource value(s) AWS would reject", file=out)
        for line in rejected:
            print(f"error: {line}", file=out)
        report.outcome, report.notes = "usage", rejected
        write_reports(report, report_dir)
        return ExitCode.USAGE, inventory
    print_inventory(inventory, out)
    if not config.manage_api_gateway_account:
        report.notes.append(ACCOUNT_ROLE_NOTE.format(region=config.region))
        print(f"  note: {report.notes[-1]}", file=out)
    if pack_error is not None:
        print(f"  policy pack failed: {pack_error}", file=out)
        report.outcome, report.notes = "failed", [str(pack_error)]
        write_reports(report, report_dir)
        return ExitCode.FAILED, inventory
    report.changes = {"create": sum(1 for r in inventory.resources if r.custom)}
    report.violations, report.deferred = split_deferred(
        (_violation(v) for v in result.violations), inventory.resources
    )
    print_violations(result, config_file, out)
    print_deferred(report.deferred, out)
    if first_deploy:
        # The policies the matrix evaluates are built from ids not known before the first deploy.
        report.notes.append("first-deploy preview: the reachability matrix is in `check`, once values are known")
    else:
        cells, failure = matrix
        if failure is not None:
            raise failure
        report.matrix = [MatrixRow(c.api, c.scenario, c.decision) for c in cells]
        print("  reachability (API × caller → decision):", file=out)
        print(render_matrix(cells), file=out)
    if result.has_mandatory:
        report.outcome = "policy-violation"
    paths = write_reports(report, report_dir)
    print(f"  reports: {paths.markdown}, {paths.json}, {paths.sarif}", file=out)
    return (ExitCode.POLICY if result.has_mandatory else ExitCode.OK), inventory


def _matrix(inventory: Inventory, config, config_file: Path) -> tuple[list | None, Exception | None]:
    """The reachability cells, computed now; a failure is kept to be raised where they are used."""
    try:
        return reachability(inventory, config, vpn_probes=_vpn_probes(config_file)), None
    except Exception as error:  # noqa: BLE001 - re-raised by the caller, unchanged
        return None, error


def rejected_by_aws(inventory: Inventory, region: str, stack_file: str) -> list[str]:
    """One line per rendered value AWS would refuse at deploy, and per clashing resource name."""
    lines = [
        f"{urn} is registered twice: the engine refuses duplicate resource names (rendered from {stack_file})"
        for urn in duplicate_urns(inventory)
    ]
    problems, unmapped = input_problems(inventory, region)
    for type_token in unmapped:
        # Not an error: new resource types need a row in pipeline/resource_inputs.py (a test
        # requires one for everything the shipped stacks render).
        print(f"  note: {type_token} is not checked against AWS's models yet", file=sys.stderr)
    return lines + [problem.line(stack_file) for problem in problems]


def _violation(v) -> Violation:
    return Violation(
        policy=v.policy_name, level=v.enforcement_level, message=v.message,
        urn=v.urn, resource_type=v.resource_type, resource_name=v.resource_name,
    )


def _vpn_probes(config_file: Path) -> tuple[str, ...]:
    settings = json.loads(config_file.read_text()).get("private-api-resource-policy", {})
    return tuple(settings.get("vpnCidrs", ())) if isinstance(settings, dict) else ()


def print_inventory(inventory: Inventory, out: TextIO) -> None:
    print(f"== {inventory.stack}: {len(inventory.resources)} resources", file=out)
    children: dict[str | None, list] = {}
    urns = {r.urn for r in inventory.resources}
    for resource in inventory.resources:
        parent = resource.parent if resource.parent in urns else None
        children.setdefault(parent, []).append(resource)

    def walk(parent: str | None, depth: int) -> None:
        for resource in sorted(children.get(parent, []), key=lambda r: (r.type, r.name)):
            print(f"{'  ' * depth}{resource.type}  {resource.name}", file=out)
            walk(resource.urn, depth + 1)

    walk(None, 1)
    print("  outputs:", file=out)
    for key in sorted(inventory.outputs):
        value = inventory.outputs[key]
        shown = "(unknown until the update creates it)" if value == UNKNOWN else json.dumps(value, default=str)
        print(f"    {key}: {shown}", file=out)


def print_deferred(deferred: list[Deferred], out: TextIO) -> None:
    if deferred:
        print(f"  verified at deploy ({len(deferred)}, not blocking this preview):", file=out)
        for d in deferred:
            print(f"      [{d.policy}] {d.message}", file=out)


def print_violations(result: AnalysisResult, config_file: Path, out: TextIO) -> None:
    name = config_file.relative_to(config_file.parents[2]) if len(config_file.parents) > 2 else config_file
    found = [v for v in result.violations if not is_deferred(_violation(v))]
    if not found:
        print(f"  policies ({name}): no violations", file=out)
        return
    print(f"  policies ({name}):", file=out)
    for level in LEVEL_ORDER:
        at_level = [v for v in found if v.enforcement_level == level]
        if at_level:
            print(f"    {level} ({len(at_level)}):", file=out)
            for v in at_level:
                message = " ".join(v.message.split())
                print(f"      [{v.policy_name}] {v.resource_type} {v.resource_name}: {message}", file=out)


def inventory_json(inventory: Inventory) -> dict[str, Any]:
    return asdict(inventory)
