"""`python -m pipeline <command>`: one entry point for people and for the workflows.

Each command lives in its own module, which exposes `register(subparsers)`; the parser it adds
sets `run=<function(args) -> int>`. Only the module of the command asked for is imported: the
automation commands load the Automation API and `check` the Pulumi SDK, which `access` (a
policy question answered from two JSON files) needs neither of.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import NoReturn

from pipeline.errors import UsageError
from pipeline.exit_codes import ExitCode

# Which module registers each command (tests/test_cli.py holds this to what the modules register).
COMMANDS = {
    "access": "pipeline.access",
    "check": "pipeline.check",
    **dict.fromkeys(("init", "preview", "up", "promote", "review", "drift", "destroy"),
                    "pipeline.automation.commands"),
    "verify": "pipeline.verify.command",
}
COMMAND_MODULES = tuple(dict.fromkeys(COMMANDS.values()))  # each once, in the order of --help


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser for every command, or for `command` alone when it is one of COMMANDS (what
    `main` builds: arguments for another command would be refused by argparse all the same)."""
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = COMMANDS.get(command or "")
    for module_name in COMMAND_MODULES if wanted is None else (wanted,):
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    try:
        return int(args.run(args))
    except Exception as error:
        if isinstance(error, UsageError) or _is_loaded_and_a(error, "stack_config.errors", "ConfigError"):
            print(f"error: {error}", file=sys.stderr)
            return ExitCode.USAGE
        if not _is_loaded_and_a(error, "pulumi.automation", "CommandError"):
            raise
        # A CLI call outside any one stack's run, e.g. `stack ls`.
        from pipeline.automation.execution import stderr_tail

        tail = stderr_tail(error)
        print("\n".join(tail), file=sys.stderr)
        print(f"error: the pulumi CLI failed: {tail[-1].strip() if tail else 'no error output'}",
              file=sys.stderr)
        return ExitCode.FAILED


def _is_loaded_and_a(error: Exception, module_name: str, class_name: str) -> bool:
    """Whether `error` is a `module_name.class_name`, without importing that module: a command
    that never loaded the stack config's errors (which are Pulumi RunErrors) or the Automation
    API cannot have raised theirs, and `access` loads neither."""
    module = sys.modules.get(module_name)
    return module is not None and isinstance(error, getattr(module, class_name))


def leave(code: int) -> NoReturn:
    """Exit with `code` once everything is written, without the interpreter's last collection.

    At exit CPython clears the modules and then collects every generation: after a render that
    is a walk over the whole object graph of the program, pulumi-aws's classes and the inventory,
    ~1.1 s at 50 services, more as the estate grows (measured: the process's last stdout line to
    its end). `gc.freeze()` moves every object out of the collector's reach first, so that walk
    finds nothing. Nothing else changes: atexit handlers still run (the launcher's stop of any
    pack left running, temporary directories), stdout and stderr are still flushed, objects not
    in a reference cycle are still freed as the modules are cleared, and what a cycle holds goes
    back to the system with the process, as it would from os._exit. Files are written inside
    `with` blocks, so none waits on a collection to be flushed."""
    gc.freeze()
    sys.exit(code)

