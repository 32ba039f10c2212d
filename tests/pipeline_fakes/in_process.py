"""The stand-in `pulumi` answered inside the test process.

Each invocation of bin/pulumi as a process costs a Python start (~60 ms, most of an automation
test's time). The Automation API starts the CLI in exactly two places, both in
pulumi.automation._cmd: `subprocess.check_output([cmd, "version"])` and `subprocess.Popen(cmd,
stdout=PIPE, stderr=PIPE, cwd=, env=, encoding=)`. Replacing that module's `subprocess` with
`InProcessSubprocess` runs the stand-in's `main` with the argv, environment and working
directory the SDK would have given the process, and hands its stdout, stderr and exit code back
through the same pipes and return code: every SDK step around the process (the --non-interactive
flag, the environment it builds, the PATH fix-up, the reader threads, the error classification,
the event-log watcher) runs as before. Any other command goes to the real subprocess module.

FakePulumi(process=True) keeps the real process, for the tests that are about that boundary.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import io
import os
import subprocess
import threading
import traceback
from pathlib import Path
from typing import Any

STAND_IN = Path(__file__).with_name("bin") / "pulumi"
_LOCK = threading.Lock()  # the stand-in keeps the call being answered in a module global
_MODULE: Any = None


def stand_in() -> Any:
    """bin/pulumi as a module (it has no .py suffix), loaded once per test process."""
    global _MODULE
    if _MODULE is None:
        loader = importlib.machinery.SourceFileLoader("pipeline_fakes_pulumi_cli", str(STAND_IN))
        spec = importlib.util.spec_from_loader(loader.name, loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        _MODULE = module
    return _MODULE


def answer(argv: list[str], env: dict[str, str] | None, cwd: str | None) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `pulumi argv` run with `env` in `cwd`."""
    out, err = io.StringIO(), io.StringIO()
    # os.getcwd() in the process would name the directory with its symlinks resolved.
    directory = os.path.realpath(cwd) if cwd is not None else os.getcwd()
    with _LOCK:
        try:
            code = stand_in().main(list(argv), environ=dict(os.environ if env is None else env),
                                   cwd=directory, out=out, err=err)
        except Exception:  # noqa: BLE001 - as the process would: a traceback on stderr, exit 1
            traceback.print_exc(file=err)
            code = 1
    return code, out.getvalue(), err.getvalue()


class _Answered:
    """A finished Popen: the pipes hold all the stand-in wrote."""

    def __init__(self, args: list[str], code: int, out: str, err: str):
        self.args, self.returncode, self.pid = args, code, 0
        self.stdout, self.stderr = io.StringIO(out), io.StringIO(err)

    def wait(self, timeout: float | None = None) -> int:
        return self.returncode

    def poll(self) -> int:
        return self.returncode

    def __enter__(self) -> _Answered:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stdout.close()
        self.stderr.close()


class InProcessSubprocess:
    """Stands for the `subprocess` module inside pulumi.automation._cmd."""

    def __init__(self, cli: Path):
        self._cli = os.path.realpath(cli)

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    def _ours(self, cmd: Any) -> bool:
        return isinstance(cmd, (list, tuple)) and bool(cmd) and os.path.realpath(cmd[0]) == self._cli

    def Popen(self, cmd, *args, **kwargs):  # noqa: N802 - the subprocess API's name
        if not self._ours(cmd) or args or kwargs.get("encoding") is None:
            return subprocess.Popen(cmd, *args, **kwargs)
        if kwargs.get("stdout") != subprocess.PIPE or kwargs.get("stderr") != subprocess.PIPE:
            return subprocess.Popen(cmd, *args, **kwargs)
        code, out, err = answer(cmd[1:], kwargs.get("env"), kwargs.get("cwd"))
        return _Answered(list(cmd), code, out, err)

    def check_output(self, cmd, *args, **kwargs):
        if not self._ours(cmd) or args or set(kwargs) - {"env", "cwd"}:
            return subprocess.check_output(cmd, *args, **kwargs)
        code, out, err = answer(cmd[1:], kwargs.get("env"), kwargs.get("cwd"))
        if err:  # not captured: the child would have written it to the stderr it inherited
            os.write(2, err.encode())
        if code:
            raise subprocess.CalledProcessError(code, cmd, output=out.encode(), stderr=None)
        return out.encode()


POLL = 0.005  # seconds between the event-log watcher's looks at a log with no new line yet


class _QuickPoll:
    """A stop event whose waits last at most POLL: the SDK's watcher of --event-log looks for a
    new line every 0.1 s, which the stand-in's few events turn into a 0.1 s wait per engine
    operation. Only how often it looks changes; it still reads every event to the cancelEvent."""

    def __init__(self, event: threading.Event):
        self._event = event

    def wait(self, timeout: float | None = None) -> bool:
        return self._event.wait(POLL if timeout is None else min(timeout, POLL))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._event, name)


def quick_log_watcher(watch_logs):
    """pulumi.automation._stack._watch_logs, polling every POLL seconds."""

    def watch(filename, callback, stopEvent=None):  # noqa: N803 - the SDK's parameter name
        return watch_logs(filename, callback, _QuickPoll(stopEvent) if stopEvent is not None else None)

    return watch

