"""`python -m pipeline check [--stack NAME] [--json FILE]`: render stacks engine-free.

Runs the program under Pulumi's official mocks for each stack and prints the resource tree and
the outputs. Needs no cloud account and no Pulumi CLI.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from pipeline.exit_codes import ExitCode
from pipeline.inventory import Inventory
from pipeline.render import render_stack
from pipeline.stack_files import PROJECT_DIR, shipped_stacks
from stack_config.errors import ConfigError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("check", help="render stacks offline under Pulumi's mocks")
    parser.add_argument("--stack", action="append", help="stack to render (repeatable; default: every Pulumi.<stack>.yaml)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every resource's inputs and outputs here")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="where Pulumi.yaml and the stack files are (default: this repository)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    stacks = args.stack or shipped_stacks(args.project_dir)
    rendered: dict[str, Inventory] = {}
    failed = False
    for stack in stacks:
        try:
            inventory = render_stack(stack, project_dir=args.project_dir)
        except ConfigError as error:
            print(f"== {stack}: config error\nerror: {error}", file=out)
            failed = True
            continue
        rendered[stack] = inventory
        print_inventory(inventory, out)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"stacks": {s: inventory_json(i) for s, i in rendered.items()}}, indent=2, default=str))
    return ExitCode.USAGE if failed else ExitCode.OK


def inventory_json(inventory: Inventory) -> dict[str, Any]:
    return asdict(inventory)


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
        print(f"    {key}: {json.dumps(inventory.outputs[key], default=str)}", file=out)
