"""`python -m pipeline <command>`: one entry point for people and for the workflows.

Each command lives in its own module, which exposes `register(subparsers)`; the parser it adds
sets `run=<function(args) -> int>`.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from pulumi.automation import CommandError

from pipeline.automation.execution import stderr_tail
from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode
from stack_config.errors import ConfigError

COMMAND_MODULES = (
    "pipeline.access",
    "pipeline.check",
    "pipeline.automation.commands",
    "pipeline.verify.command",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except (UsageError, ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return ExitCode.USAGE
    except CommandError as error:  # a CLI call outside any one stack's run, e.g. `stack ls`
        tail = stderr_tail(error)
        print("\n".join(tail), file=sys.stderr)
        print(f"error: the pulumi CLI failed: {tail[-1].strip() if tail else 'no error output'}",
              file=sys.stderr)
        return ExitCode.FAILED
