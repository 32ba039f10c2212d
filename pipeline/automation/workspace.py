"""The one place that turns settings into a Pulumi Automation API stack.

Backend and credentials come from the environment the CLI already reads (PULUMI_BACKEND_URL,
PULUMI_ACCESS_TOKEN, PULUMI_CONFIG_PASSPHRASE, or a prior `pulumi login`); nothing here names
a backend or holds a secret.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from pulumi.automation import (
    LocalWorkspace,
    LocalWorkspaceOptions,
    PulumiCommand,
    Stack,
    StackNotFoundError,
    create_or_select_stack,
    create_stack,
    select_stack,
)
from pulumi.automation.errors import InvalidVersionError
from semver import VersionInfo

from pipeline.errors import UsageError

# The oldest SDK pyproject.toml accepts is 3.200; a CLI older than the SDK driving it may lack
# flags the SDK passes, so it is the floor for the CLI too.
MIN_CLI_VERSION = VersionInfo.parse("3.200.0")
PULUMI_COMMAND_ENV = "GATEHOUSE_PULUMI_COMMAND"
SECRETS_PROVIDER_ENV = "GATEHOUSE_SECRETS_PROVIDER"
FALLBACK_SECRETS_ENV = "PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
REPO_ROOT = Path(__file__).resolve().parents[2]


def check_stack_name(stack: str) -> str:
    if not STACK_NAME.match(stack):
        raise UsageError(
            f"stack name {stack!r} is not valid: use letters, digits, '-', '_' or '.'"
        )
    return stack


def locate_cli(explicit: str | None) -> Path:
    """The pulumi executable: --pulumi-command, then $GATEHOUSE_PULUMI_COMMAND, then PATH."""
    candidate = explicit or os.environ.get(PULUMI_COMMAND_ENV) or shutil.which("pulumi")
    if not candidate:
        raise UsageError(
            "the pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/install/) "
            f"or pass --pulumi-command PATH (or set {PULUMI_COMMAND_ENV})"
        )
    path = Path(candidate).expanduser().resolve()
    if not path.is_file() or not os.access(path, os.X_OK):
        raise UsageError(f"--pulumi-command {candidate} is not an executable file")
    # PulumiCommand runs <root>/bin/pulumi and puts that bin/ first on PATH so the plugins
    # shipped next to the CLI are found; every install layout (get.pulumi.com, Homebrew's
    # Cellar, the SDK's own installer) has that shape once symlinks are resolved.
    if path.name != "pulumi" or path.parent.name != "bin":
        raise UsageError(
            f"--pulumi-command must be the CLI inside its install's bin/ directory, "
            f"e.g. ~/.pulumi/bin/pulumi (got {path})"
        )
    return path


def pulumi_command(explicit: str | None) -> PulumiCommand:
    """A PulumiCommand for the located CLI, refusing a CLI older than MIN_CLI_VERSION."""
    path = locate_cli(explicit)
    try:
        return PulumiCommand(root=str(path.parent.parent), version=MIN_CLI_VERSION)
    except InvalidVersionError as error:
        raise UsageError(f"pulumi CLI at {path}: {error}") from error
    except (OSError, subprocess.CalledProcessError) as error:
        raise UsageError(f"pulumi CLI at {path} did not answer `pulumi version`: {error}") from error


def describe_backend() -> str:
    """Where state lives, for the log; never prints a token."""
    url = os.environ.get("PULUMI_BACKEND_URL")
    if url:
        return url
    if os.environ.get("PULUMI_ACCESS_TOKEN"):
        return "Pulumi Cloud (PULUMI_ACCESS_TOKEN)"
    return "the backend of `pulumi login`"


# `pulumi stack init --secrets-provider`: "default", "passphrase", or a KMS URL of these schemes.
SECRETS_PROVIDERS = ("default", "passphrase")
SECRETS_PROVIDER_SCHEMES = ("awskms://", "azurekeyvault://", "gcpkms://", "hashivault://")


def secrets_provider() -> str | None:
    """`$GATEHOUSE_SECRETS_PROVIDER`, e.g. `awskms://alias/gatehouse`; None for the backend's default."""
    value = os.environ.get(SECRETS_PROVIDER_ENV, "").strip()
    if not value:
        return None
    if value not in SECRETS_PROVIDERS and not value.startswith(SECRETS_PROVIDER_SCHEMES) \
            or value in SECRETS_PROVIDER_SCHEMES:
        raise UsageError(f"{SECRETS_PROVIDER_ENV} must be {' or '.join(SECRETS_PROVIDERS)}, or a key URL "
                         f"starting {', '.join(SECRETS_PROVIDER_SCHEMES)} (got {value!r})")
    return value


def workspace_options(command: PulumiCommand) -> LocalWorkspaceOptions:
    return LocalWorkspaceOptions(
        pulumi_command=command,
        secrets_provider=secrets_provider(),
        # "When set to "true", the secrets manager stored in the stack's state is used as a
        # fallback when the stack configuration is missing or incomplete" (Pulumi CLI env docs).
        # A fresh CI checkout has no `encryptedkey` for a stack whose file was generated
        # (pr-N) or never committed after `init`: without this the CLI would silently fall
        # back to the backend's default secrets provider instead of the stack's own.
        env_vars={FALLBACK_SECRETS_ENV: "true"},
    )


def open_stack(stack: str, work_dir: Path, command: PulumiCommand, *, create: bool) -> Stack:
    """Select an existing stack (StackNotFoundError when there is none), or create it when
    `create` (`init` and review stacks only), with `$GATEHOUSE_SECRETS_PROVIDER` when set."""
    opts = workspace_options(command)
    if create:
        return create_or_select_stack(stack, work_dir=str(work_dir), opts=opts)
    return select_stack(stack, work_dir=str(work_dir), opts=opts)


def ensure_stack(stack: str, work_dir: Path, command: PulumiCommand) -> bool:
    """Create `stack` unless it exists; True when this call created it."""
    opts = workspace_options(command)
    try:
        select_stack(stack, work_dir=str(work_dir), opts=opts)
        return False
    except StackNotFoundError:
        create_stack(stack, work_dir=str(work_dir), opts=opts)
        return True


def list_stack_names(work_dir: Path, command: PulumiCommand) -> list[str]:
    """The project's stacks in the backend, by their short names (`org/project/pr-7` → `pr-7`)."""
    opts = workspace_options(command)
    workspace = LocalWorkspace(work_dir=str(work_dir), pulumi_command=command, env_vars=opts.env_vars)
    return [summary.name.rsplit("/", 1)[-1] for summary in workspace.list_stacks()]
