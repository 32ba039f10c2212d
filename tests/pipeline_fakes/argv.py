"""The exact argv the Automation API passes to the CLI for each operation the commands run
(read from pulumi/automation/_stack.py and _local_workspace.py), to compare with what the
stand-in recorded."""

from __future__ import annotations

from pipeline_fakes import COMMIT, EVENT_LOG

ENGINE_TAIL = ["--exec-kind", "auto.local", "--event-log", EVENT_LOG]


def policy_flags(env, config: str) -> list[str]:
    return ["--policy-pack", str(env.work / "policies"),
            "--policy-pack-config", str(env.work / "policies" / "config" / f"{config}.json")]


def select(stack: str) -> list[str]:
    return ["--non-interactive", "stack", "select", "--stack", stack]


def last_history(stack: str) -> list[str]:
    return ["--non-interactive", "stack", "history", "--json", "--show-secrets", "--page-size", "1",
            "--page", "1", "--stack", stack]


def preview(env, stack: str, config: str | None = None) -> list[str]:
    return ["--non-interactive", "preview", *policy_flags(env, config or stack), *ENGINE_TAIL,
            "--stack", stack]


def update(env, stack: str, command: str = "up", config: str | None = None) -> list[list[str]]:
    """`up`, the reads the SDK makes after it (outputs, last history entry), then our tag."""
    return [
        ["--non-interactive", "up", "--yes", "--skip-preview", "--message", f"gatehouse {command} {COMMIT}",
         *policy_flags(env, config or stack), *ENGINE_TAIL, "--stack", stack],
        ["--non-interactive", "stack", "output", "--json", "--stack", stack],
        ["--non-interactive", "stack", "output", "--json", "--show-secrets", "--stack", stack],
        last_history(stack),
        ["--non-interactive", "stack", "tag", "set", "gatehouse:commit", COMMIT, "--stack", stack],
    ]


def refresh_preview(stack: str) -> list[str]:
    return ["--non-interactive", "refresh", "--preview-only", "--expect-no-changes", *ENGINE_TAIL,
            "--stack", stack]


def destroy(stack: str, command: str = "destroy") -> list[list[str]]:
    return [["--non-interactive", "destroy", "--skip-preview", "--yes", "--message", f"gatehouse {command}",
             *ENGINE_TAIL, "--stack", stack],
            last_history(stack)]
