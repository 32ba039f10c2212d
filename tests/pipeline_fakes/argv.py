"""The exact argv the Automation API passes to the CLI for each operation the commands run
(read from pulumi/automation/_stack.py and _local_workspace.py), to compare with what the
stand-in recorded."""

from __future__ import annotations

from pipeline_fakes import EVENT_LOG

ENGINE_TAIL = ["--exec-kind", "auto.local", "--event-log", EVENT_LOG]


def policy_flags(env, config: str) -> list[str]:
    return ["--policy-pack", str(env.work / "policies"),
            "--policy-pack-config", str(env.work / "policies" / "config" / f"{config}.json")]


def select(stack: str) -> list[str]:
    return ["--non-interactive", "stack", "select", "--stack", stack]


def init(stack: str, secrets_provider: str | None = None) -> list[str]:
    return ["--non-interactive", "stack", "init", stack,
            *(["--secrets-provider", secrets_provider] if secrets_provider else [])]


def tags(stack: str) -> list[str]:
    return ["--non-interactive", "stack", "tag", "ls", "--json", "--stack", stack]


def recorded(stack: str) -> list[list[str]]:
    """What `up` reads of what the stack runs: its tags, and its last history entry."""
    return [tags(stack), ["--non-interactive", "stack", "history", "--json", "--page-size", "1",
                          "--page", "1", "--stack", stack]]


def outputs(stack: str) -> list[list[str]]:
    """Stack.outputs(): once masked, once with secrets, to tell which are secret."""
    return [["--non-interactive", "stack", "output", "--json", "--stack", stack],
            ["--non-interactive", "stack", "output", "--json", "--show-secrets", "--stack", stack]]


def last_history(stack: str) -> list[str]:
    return ["--non-interactive", "stack", "history", "--json", "--show-secrets", "--page-size", "1",
            "--page", "1", "--stack", stack]


def preview(env, stack: str, config: str | None = None, save_plan: str | None = None) -> list[str]:
    return ["--non-interactive", "preview", *policy_flags(env, config or stack),
            *(["--save-plan", save_plan] if save_plan else []), *ENGINE_TAIL, "--stack", stack]


def previewed(env, stack: str, **kwargs) -> list[list[str]]:
    """`preview` as the command runs it: the preview, then the outputs for the report."""
    return [preview(env, stack, **kwargs), *outputs(stack)]


def update(env, stack: str, command: str = "up", config: str | None = None, stamp: str | None = None,
           plan: str | None = None) -> list[list[str]]:
    """`up`, the reads the SDK makes after it (outputs, last history entry), then our tag."""
    stamp = stamp or env.commit
    return [
        ["--non-interactive", "up", "--yes", "--skip-preview", "--message", f"gatehouse {command} {stamp}",
         *policy_flags(env, config or stack), *(["--plan", plan] if plan else []), *ENGINE_TAIL,
         "--stack", stack],
        *outputs(stack),
        last_history(stack),
        ["--non-interactive", "stack", "tag", "set", "gatehouse:commit", stamp, "--stack", stack],
    ]


def deploy(env, stack: str, command: str = "up", **kwargs) -> list[list[str]]:
    """`up --stack S` on an existing stack: select, read what it runs, preview, update."""
    return [select(stack), *recorded(stack), preview(env, stack, config=kwargs.get("config")),
            *update(env, stack, command, **kwargs)]


def refresh_preview(stack: str) -> list[str]:
    return ["--non-interactive", "refresh", "--preview-only", "--expect-no-changes", *ENGINE_TAIL,
            "--stack", stack]


def destroy(stack: str, command: str = "destroy") -> list[list[str]]:
    return [["--non-interactive", "destroy", "--skip-preview", "--yes", "--message", f"gatehouse {command}",
             *ENGINE_TAIL, "--stack", stack],
            last_history(stack)]
