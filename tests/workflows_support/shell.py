"""Runs a workflow step's `run:` script with stand-in commands, to see what it would execute.

The script runs under bash in a scratch directory, with the step's `env:` values the test
chooses, GitHub's GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, and stand-ins first on PATH (and
at `.venv/bin/python`) that record their arguments and print what the test tells them to.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

_RECORDER = """#!/usr/bin/env bash
# Records its argv as one JSON line, prints the canned output, exits with the canned code.
{python} -S -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "$0" "$@" >> {log}
{output}
exit {code}
"""


@dataclass(frozen=True)
class StepRun:
    returncode: int
    stdout: str
    stderr: str
    calls: list[list[str]]  # [command path, *argv] per stand-in call, in order
    outputs: dict[str, str]  # what the script appended to $GITHUB_OUTPUT
    summary: str  # what it appended to $GITHUB_STEP_SUMMARY

    def calls_to(self, name: str) -> list[list[str]]:
        return [call[1:] for call in self.calls if Path(call[0]).name == name]


def _stand_in(path: Path, log: Path, output: str = "", code: int = 0) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    printed = f"printf '%s' {shlex.quote(output)}" if output else ":"
    # This interpreter, not `python3` from PATH: that may be a pyenv shim, ~0.25 s a call.
    path.write_text(_RECORDER.format(python=shlex.quote(sys.executable), log=shlex.quote(str(log)),
                                     output=printed, code=code))
    path.chmod(0o755)


def run_step(
    script: str,
    tmp_path: Path,
    env: dict[str, str] | None = None,
    stand_ins: dict[str, tuple[str, int]] | None = None,
) -> StepRun:
    """Run `script` in `tmp_path/work`; `stand_ins` maps a command to (its stdout, its exit code).

    `.venv/bin/python` is always a stand-in (the pipeline never really runs).
    """
    work, bin_dir, log = tmp_path / "work", tmp_path / "bin", tmp_path / "calls.jsonl"
    work.mkdir(parents=True, exist_ok=True)
    log.touch()
    _stand_in(work / ".venv" / "bin" / "python", log)
    for name, (output, code) in (stand_ins or {}).items():
        _stand_in(bin_dir / name, log, output, code)
    github_output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    github_output.touch()
    summary.touch()
    environment = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(tmp_path / "runner-temp"),
        "GITHUB_OUTPUT": str(github_output),
        "GITHUB_STEP_SUMMARY": str(summary),
        **(env or {}),
    }
    # GitHub runs `run:` scripts with `bash -e {0}` when `shell:` is not given.
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=work,
        env=environment,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    outputs = {}
    for line in github_output.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        outputs[key] = value
    calls = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    return StepRun(
        result.returncode,
        result.stdout,
        result.stderr,
        calls,
        outputs,
        summary.read_text(encoding="utf-8"),
    )
