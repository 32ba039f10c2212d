"""`python -m pipeline init [--stack S ...]`: create the stacks that do not exist yet.

Every stack of pipeline/promotion.yaml by default, with `$GATEHOUSE_SECRETS_PROVIDER` as its
secrets provider when set. Idempotent: a stack that exists is left exactly as it is.
"""

from __future__ import annotations

import argparse
import sys

from pulumi.automation import CommandError

from pipeline.automation import stacks
from pipeline.automation.execution import stderr_tail
from pipeline.automation.options import Settings
from pipeline.automation.promotion import load_order
from pipeline.automation.workspace import (
    describe_backend,
    ensure_stack,
    pulumi_command,
    secrets_provider,
)
from pipeline.exit_codes import ExitCode


def run_init(args: argparse.Namespace) -> int:
    settings = Settings.from_args(args)
    names = list(dict.fromkeys(args.stacks or load_order()))
    for name in names:
        stacks.read_stack_file(settings.work_dir, name)  # an unknown stack stops here, before any change
    provider = secrets_provider()
    command = pulumi_command(settings.pulumi_command)
    print(f"[init] backend: {describe_backend()}; secrets provider: "
          f"{provider or 'the backend default'}", flush=True)
    created, existed, failed = [], [], []
    for name in names:
        try:
            made = ensure_stack(name, settings.work_dir, command)
        except CommandError as error:
            failed.append(name)
            print(f"[init] FAILED  {name}\n" + "\n".join(stderr_tail(error)), file=sys.stderr)
            continue
        (created if made else existed).append(name)
        print(f"[init] {'created' if made else 'exists '} {name}", flush=True)
    print(f"[init] created: {', '.join(created) or 'none'}; already existed: "
          f"{', '.join(existed) or 'none'}", flush=True)
    if created and provider:
        print(f"[init] the CLI wrote `secretsprovider` and `encryptedkey` into "
              f"{', '.join(f'Pulumi.{n}.yaml' for n in created)}: commit them", flush=True)
    if failed:
        print(f"error: could not create {', '.join(failed)}", file=sys.stderr)
        return ExitCode.FAILED
    return ExitCode.OK
