"""Policy-pack processes forked from an interpreter that has already imported the SDK.

A pack process spends most of its start importing pulumi, pulumi-policy, gRPC and protobuf
(~0.45 s of CPU of its ~0.6 s, measured with `python -X importtime`), and the suite starts
about forty of them in its workers. `spawn_pack` stands in for `pipeline.analyzer.launcher.
spawn_pack` (the one seam where the launcher starts the process) for the tests' own pack starts:
it forks the process from a multiprocessing forkserver that preloaded those third-party modules,
then does in the child what `python -u -m pulumi.policy <engine> .` does in a fresh interpreter:

- the argv, working directory and environment the launcher asked for, a fresh interpreter's
  `sys.path` (the pack's directory first, as `-m` puts it), and unbuffered stdout and stderr on
  the pipes the launcher reads (stdin from /dev/null);
- `runpy` runs `pulumi.policy` as `__main__`, which imports the pack's own `__main__.py` and its
  modules (gatehouse_guard, never preloaded: the fork has only the SDK's imports), starts the gRPC
  server and prints its port;
- the exit code is the interpreter's: SystemExit's code, 1 with the traceback on stderr for an
  uncaught exception, -N for a signal; atexit handlers run.

What is different is only how the process came to be: the pack is still a process of its own,
spoken to over its analyzer gRPC protocol, and it stops and dies the same way
(tests/test_pack_zygote.py starts the same packs both ways and compares). What a pack could
still tell apart: `sys.flags` are the forkserver's (stdout and stderr are unbuffered all the
same), and /proc shows the forkserver's command line and the forkserver as parent, which is how
the leak checks (`analyzer_support.pack_children`) find forked packs. The real `Popen`
start is still what every `python -m pipeline check` the tests run uses (and the bench), and it is
what `spawn_pack` falls back to for anything it was not built for: another interpreter, another
module, or an environment whose PYTHON* settings differ from the forkserver's.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from multiprocessing import forkserver

from pipeline.analyzer import launcher
from pipeline.cpu_placement import allowed_cpus
from tests.pack_zygote_child import MODULE, Fd, PackProcess, become_the_pack

# Imported by the forkserver before it forks anything: what a pack needs from site-packages.
PRELOAD = [
    "pulumi", "pulumi_policy", "pulumi_policy.policy", "grpc", "google.protobuf.json_format", "yaml",
    "tests.pack_zygote_child",  # the child's own code: the standard library only
]
_lock = threading.Lock()
_fresh_path: dict[tuple, list[str]] = {}
_server_settings: tuple | None = None  # the forkserver's PYTHON* settings, once it runs


def _python_settings(env: Mapping[str, str]) -> tuple:
    """What decides how an interpreter starts (its PYTHON* variables)."""
    return tuple(sorted((k, v) for k, v in env.items() if k.startswith("PYTHON")))


def _fresh_sys_path(env: Mapping[str, str]) -> list[str]:
    """`sys.path` of a fresh `python -m` minus its first entry (the working directory)."""
    key = _python_settings(env)
    with _lock:
        if key not in _fresh_path:
            out = subprocess.run(
                [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
                env=dict(env), capture_output=True, text=True, check=True, cwd="/",
            ).stdout
            _fresh_path[key] = json.loads(out)
        return list(_fresh_path[key])


class ForkedPack:
    """The `subprocess.Popen` surface the launcher uses, over a forkserver process."""

    def __init__(self, argv: Sequence[str], process, stdout, stderr) -> None:
        self.args = list(argv)
        self._process = process
        self.pid = process.pid
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = None

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def poll(self) -> int | None:
        return self._process.exitcode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        code = self._process.exitcode
        if code is None:
            raise subprocess.TimeoutExpired(self.args, timeout)
        return code

    def terminate(self) -> None:
        self._process.terminate()

    def kill(self) -> None:
        self._process.kill()


def forkable(argv: Sequence[str], env: Mapping[str, str]) -> bool:
    """A start the fork does as a fresh interpreter would: this interpreter, `-u -m pulumi.policy`,
    the forkserver's PYTHON* settings."""
    return (
        len(argv) >= 4
        and os.path.abspath(argv[0]) == os.path.abspath(sys.executable)  # this virtualenv's own
        and list(argv[1:4]) == ["-u", "-m", MODULE]
        and _python_settings(env) == _server_settings
    )


def _ensure_server() -> None:
    """Start the forkserver at the first forked start: a run that starts no pack never pays its
    imports. It starts with this process's environment, whose PYTHON* settings it then has."""
    global _server_settings
    with _lock:
        if server_pid() is None:
            forkserver.ensure_running()
            _server_settings = _python_settings(os.environ)


def spawn_pack(argv: Sequence[str], *, cwd, env: Mapping[str, str]):
    """`launcher.spawn_pack`'s contract: the started process, stdout and stderr as text pipes."""
    _ensure_server()
    if not forkable(argv, env):
        return real_spawn(argv, cwd=cwd, env=env)
    path = _fresh_sys_path(env)
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        process = PackProcess(
            target=become_the_pack,
            args=(list(argv), str(cwd), dict(env), path, (Fd(null), Fd(out_w), Fd(err_w)),
                  allowed_cpus()),  # the starting thread's CPUs, which a Popen child inherits
            daemon=True,
        )
        process.start()
    except BaseException:
        for fd in (out_r, err_r):
            os.close(fd)
        raise
    finally:
        for fd in (null, out_w, err_w):
            os.close(fd)
    text = {"encoding": "utf-8", "errors": "replace"}
    return ForkedPack(argv, process, open(out_r, **text), open(err_r, **text))  # noqa: SIM115


real_spawn = launcher.spawn_pack


def server_pid() -> int | None:
    """The forkserver's pid once it runs: its children are the forked packs (their command line
    is the forkserver's own, so /proc shows them by their parent)."""
    return getattr(forkserver._forkserver, "_forkserver_pid", None)  # noqa: SLF001


def install() -> None:
    """Make the fork the launcher's way to start packs (the forkserver itself starts with the
    first pack). Only on the Python the launch was copied from (tests/pack_zygote_child.py's
    `_Launch`), and where a forkserver exists; elsewhere the tests start their packs as the
    product does. The leak checks never count the forkserver: its command line names neither a
    pack nor the analysis process, and only its children are packs."""
    global _server_settings
    if sys.version_info[:2] != (3, 11) or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    _server_settings = _python_settings(os.environ)  # what the forkserver will start with
    launcher.spawn_pack = spawn_pack
