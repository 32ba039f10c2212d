"""The forked side of tests/pack_zygote.py: what the start pickles for the child (the process
object, its fds) and what turns a process forked from the preloaded forkserver into
`python -u -m pulumi.policy ...` as a fresh interpreter would run it. The standard library only:
the child unpickles (so imports) this module, and nothing of the project may be in a pack
process that the pack did not import itself."""

from __future__ import annotations

import atexit
import io
import multiprocessing
import os
import runpy
import sys
import traceback
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.context import set_spawning_popen

MODULE = "pulumi.policy"


def _detach(dup) -> int:
    return dup.detach()


class Fd:
    """An fd handed to the forked child (duplicated for it while the start is pickled)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __reduce__(self):
        return _detach, (reduction.DupFd(self.fd),)


class _Launch(popen_forkserver.Popen):
    """popen_forkserver.Popen's launch (Python 3.11) without the worker's `__main__` in what the
    child prepares from: a render makes the program's __main__.py the worker's `__main__`, and the
    child would run it again. The rest is the standard library's, line for line."""

    def _launch(self, process_obj):
        prep_data = {
            key: value for key, value in spawn.get_preparation_data(process_obj._name).items()
            if key not in ("init_main_from_path", "init_main_from_name")
        }
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class PackProcess(multiprocessing.get_context("forkserver").Process):
    """A forkserver process started by `_Launch`."""

    @staticmethod
    def _Popen(process_obj):  # noqa: N802 - multiprocessing's name
        return _Launch(process_obj)


def become_the_pack(argv: list[str], cwd: str, env: dict[str, str], path: list[str], fds: tuple[int, int, int],
                    cpus: frozenset[int] | None = None) -> None:
    """In the forked process: become `python -u -m pulumi.policy ...`, then exit as it would.
    `cpus`: the starter's CPU affinity, which a started process inherits."""
    if cpus:
        os.sched_setaffinity(0, cpus)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8", write_through=True)
    sys.stderr = io.TextIOWrapper(
        io.FileIO(2, "w", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True
    )
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.path[:] = [os.getcwd(), *path]
    sys.argv = [argv[0], *argv[4:]]
    for name in [name for name in sys.modules if name == "tests" or name.startswith("tests.")]:
        del sys.modules[name]  # this harness: the pack imports nothing of the project but its own
    code: int = 0
    try:
        runpy._run_module_as_main(MODULE)  # noqa: SLF001 - what `python -m` calls
    except SystemExit as stop:
        if stop.code is None:
            code = 0
        elif isinstance(stop.code, int):
            code = stop.code
        else:
            print(stop.code, file=sys.stderr)
            code = 1
    except BaseException:  # noqa: BLE001 - the interpreter's own top level
        traceback.print_exc()
        code = 1
    atexit._run_exitfuncs()  # noqa: SLF001 - a forked child skips them, the interpreter does not
    sys.stdout.flush()
    sys.stderr.flush()
    raise SystemExit(code)
