"""Exact CLI calls and exit codes of preview, up, drift and destroy against the stand-in."""
# ruff: noqa: F811  (pytest fixtures imported from the harness are redefined as parameters)

from __future__ import annotations

import json

from pipeline_fakes import EVENT_LOG
from pipeline_fakes.harness import env  # noqa: F401  (fixture)

from pipeline.exit_codes import ExitCode


def policy_flags(env, stack, config=None):
    return ["--policy-pack", str(env.work / "policies"),
            "--policy-pack-config", str(env.work / "policies" / "config" / f"{config or stack}.json")]


def preview_argv(env, stack, config=None):
    return ["--non-interactive", "preview", *policy_flags(env, stack, config),
            "--exec-kind", "auto.local", "--event-log", EVENT_LOG, "--stack", stack]


def test_preview_attaches_policy_pack_and_stack_config(env):
    env.fake.changes("preview", create=2, same=3)

    assert env.run("preview", "--stack", "dev") == ExitCode.OK

    assert env.fake.calls() == [
        ["--non-interactive", "stack", "select", "--stack", "dev"],
        preview_argv(env, "dev"),
    ]
    report = json.loads((env.reports / "preview-dev.json").read_text())
    assert report["changes"] == {"create": 2, "same": 3}
    assert report["outcome"] == "ok"
