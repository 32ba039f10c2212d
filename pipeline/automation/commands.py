"""`python -m pipeline init|preview|up|promote|review|drift|destroy`: the commands people and
the workflows share. Each (but init) writes <command>-<stack>.{md,json,sarif} to --report-dir."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from pipeline.automation import git_history, stacks
from pipeline.automation.bootstrap import run_init
from pipeline.automation.execution import execute
from pipeline.automation.operations import Refused, StackRun
from pipeline.automation.options import Settings, add_common_options
from pipeline.automation.promotion import check_step, load_order, source_problem
from pipeline.automation.provenance import Provenance, check_forward, checked_out
from pipeline.automation.reports import Report
from pipeline.automation.review import open_prs, run_review
from pipeline.automation.verification import verification_problem
from pipeline.automation.workspace import check_stack_name
from pipeline.errors import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    def add(name: str, help_text: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        parser = subparsers.add_parser(name, help=help_text, description=help_text)
        add_common_options(parser)
        parser.set_defaults(run=run)
        return parser

    add("init", "Create the stacks of pipeline/promotion.yaml (or --stack S ...) that do not exist.",
        run_init).add_argument("--stack", dest="stacks", action="append", type=_stack_arg, metavar="S",
                               help="a stack to create (repeatable; default: every stack in the order)")
    preview = add("preview", "Preview a stack with the policy pack attached.", run_preview)
    preview.add_argument("--stack", required=True, type=_stack_arg)
    preview.add_argument("--save-plan", type=Path, metavar="FILE",
                         help="save the update plan, for `up`/`promote --plan FILE` to apply exactly")
    up = add("up", "Preview, refuse on a mandatory policy violation, update, stamp the commit.", run_up)
    up.add_argument("--stack", required=True, type=_stack_arg)
    _deploy_options(up)
    promote = add("promote", "Move the commit a stage runs to the next stage in pipeline/promotion.yaml.",
                  run_promote)
    promote.add_argument("--from", dest="source", required=True, type=_stack_arg)
    promote.add_argument("--to", dest="target", required=True, type=_stack_arg)
    _deploy_options(promote)
    review = add("review", "Deploy (or --destroy) the review stack pr-<N>, or --sweep closed PRs' stacks.",
                 run_review)
    which = review.add_mutually_exclusive_group(required=True)
    which.add_argument("--pr", type=_pr_number)
    which.add_argument("--sweep", action="store_true",
                       help="destroy every pr-<N> stack whose N is not in --open-prs")
    review.add_argument("--destroy", action="store_true", help="destroy pr-<N> and remove the stack")
    review.add_argument("--open-prs", type=open_prs, metavar='"N M ..."',
                        help='with --sweep: the open pull requests, e.g. "12 15" ("" for none)')
    add("drift", "Refresh preview expecting no changes; exit 4 when the cloud drifted.", run_drift) \
        .add_argument("--stack", required=True, type=_stack_arg)
    destroy = add("destroy", "Destroy a stack's resources (never prod without --yes-destroy-prod).",
                  run_destroy)
    destroy.add_argument("--stack", required=True, type=_stack_arg)
    destroy.add_argument("--yes-destroy-prod", action="store_true",
                         help="required, by name, to destroy a prod stack")


def _deploy_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", type=Path, metavar="FILE",
                        help="apply the update plan `preview --save-plan FILE` saved, and nothing else")
    parser.add_argument("--rollback", action="store_true",
                        help="allow deploying an ancestor of the commit the stack runs")
    parser.add_argument("--allow-dirty", action="store_true",
                        help="deploy uncommitted changes, stamped <sha>-dirty (refused when CI is set)")


def _stack_arg(text: str) -> str:
    try:
        return check_stack_name(text)
    except UsageError as error:
        raise argparse.ArgumentTypeError(str(error)) from error


def _pr_number(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a pull request number such as 42 (got {text!r})")
    return int(text)


def _plan_file(path: Path | None) -> Path | None:
    """The plan as an absolute path (the CLI runs in the project directory), if it exists."""
    if path is None:
        return None
    if not path.is_file():
        raise UsageError(f"--plan {path}: no such file; save one with `preview --save-plan {path}`")
    return path.resolve()


def run_preview(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    stacks.read_stack_file(settings.work_dir, args.stack)
    report = Report(stack=args.stack, command="preview", commit=settings.commit(required=False))
    save_plan = args.save_plan.resolve() if args.save_plan else None

    def body() -> None:
        run = StackRun.open(settings, args.stack, report)
        run.preview(save_plan=save_plan)
        run.read_outputs()

    return execute(settings, report, body)


def run_up(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    stacks.read_stack_file(settings.work_dir, args.stack)
    commit = settings.commit(required=True)
    report = Report(stack=args.stack, command="up", commit=commit)
    plan = _plan_file(args.plan)

    def body() -> None:
        source = checked_out(settings.work_dir, commit, allow_dirty=args.allow_dirty,
                             plan=plan, report_dir=settings.report_dir)
        report.commit = source.stamp
        _deploy_forward(settings, args.stack, report, source, rollback=args.rollback, plan=plan)

    return execute(settings, report, body)


def _deploy_forward(settings: Settings, stack: str, report: Report, source: Provenance, *,
                    rollback: bool, plan: Path | None) -> None:
    """Update `stack` to `source`, only over an ancestor of it (or, by --rollback, a descendant)."""
    run = StackRun.open(settings, stack, report)
    report.notes.append(check_forward(settings.work_dir, stack, run.recorded_commits(),
                                      source.commit, rollback=rollback))
    run.update(source.stamp, plan=plan)


def run_promote(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    check_step(load_order(), args.source, args.target)
    for stack in (args.source, args.target):
        stacks.read_stack_file(settings.work_dir, stack)
    commit = settings.commit(required=True)
    report = Report(stack=args.target, command="promote", commit=commit)
    plan = _plan_file(args.plan)

    def body() -> None:
        source = checked_out(settings.work_dir, commit, allow_dirty=args.allow_dirty,
                             plan=plan, report_dir=settings.report_dir)
        if source.dirty:
            raise Refused(f"cannot promote a dirty working tree to {args.target}: promotion moves "
                          f"the commit {args.source} runs, and uncommitted changes are not it")
        report.commit = source.stamp
        from_run = StackRun.open(settings, args.source, report)
        tags = from_run.stack.list_tags()
        problem = source_problem(
            args.source, source.commit, tags, from_run.last_update(),
            contains=lambda older, newer: git_history.is_ancestor(settings.work_dir, older, newer),
            exact=plan is not None)
        # Only a commit proven live on the source (pipeline verify) moves on.
        problem = problem or verification_problem(args.source, source.commit, tags)
        if problem:
            raise Refused(f"cannot promote {args.source} to {args.target}: {problem}")
        report.notes.append(f"{args.source} runs {source.commit} (or a descendant), last update succeeded")
        _deploy_forward(settings, args.target, report, source, rollback=args.rollback, plan=plan)

    return execute(settings, report, body)


def run_drift(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    stacks.read_stack_file(settings.work_dir, args.stack)
    report = Report(stack=args.stack, command="drift", commit=settings.commit(required=False))
    return execute(settings, report, lambda: StackRun.open(settings, args.stack, report).drift(),
                   github_output=False)


def run_destroy(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    if stacks.is_prod(settings.work_dir, args.stack) and not args.yes_destroy_prod:
        raise UsageError(f"refusing to destroy {args.stack}: it is a prod stack; "
                         "pass --yes-destroy-prod if that is really what you want")
    report = Report(stack=args.stack, command="destroy", commit=settings.commit(required=False))
    return execute(settings, report, lambda: StackRun.open(settings, args.stack, report).destroy(),
                   github_output=False)
