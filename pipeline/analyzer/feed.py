"""Analyze while the program renders: the render hands each registered resource to `add` (the
recording monitor's callback) and goes on; an analysis process (pipeline/analyzer/relay.py),
started before the render, starts the pack, configures it and streams each resource to it. The
pack judges on the other core while this one keeps rendering, and the gRPC client, the request
encoding and the pack's start are not this process's work; `ask(inventory)` then `verdict()`
(or `finish(inventory)`, both at once) get the last answers and AnalyzeStack; the caller does
its own work in between (bench/README.md has what this saves).

Errors keep their place in the conversation: a pack that fails to start, a bad policy config
file or a failed Analyze call is raised by `finish`, where analyzing a whole inventory would
have raised it; resources arriving after a failure are not sent. A render that fails calls
`close()` (the `with` block does): the analysis process stops its pack and exits, unasked.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.analyzer import relay
from pipeline.analyzer.errors import PackError
from pipeline.cpu_placement import format_cpus

if TYPE_CHECKING:
    from pipeline.analyzer.launcher import StackContext
    from pipeline.analyzer.results import AnalysisResult
    from pipeline.inventory import Inventory, InventoryResource, WireProperties

CODE_ROOT = Path(__file__).resolve().parents[2]  # where the `pipeline` package lives
PIPE_SIZE = 1 << 20
STOP_TIMEOUT = 60.0  # the relay may be mid-start of its pack when a render fails


def _widen(pipe_fd: int) -> None:
    """Give the pipe to the relay room for a render's first resources (Linux: up to the
    system's pipe-max-size, 1 MiB by default; 64 KiB otherwise): the relay's reader is not
    there until its interpreter is, and the render must not wait for it."""
    try:
        import fcntl

        fcntl.fcntl(pipe_fd, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except (ImportError, AttributeError, OSError):
        pass  # another OS, or a lower limit: the default size, the render may wait a little


@dataclass(frozen=True)
class _Ended:
    code: int | None
    stderr: str


class AnalyzeAsRendered:
    """`with AnalyzeAsRendered(pack_dir, context, config_file) as analysis:` starts the analysis
    process (`window`: Analyze calls in flight, PackSession's default when None; `cpus`: where it
    and its pack run, pipeline/cpu_placement.py); `add` per resource; `finish(inventory)` for the
    verdict; leaving the block stops it."""

    def __init__(
        self, pack_dir: Path, context: StackContext, config_file: Path | None, *,
        window: int | None = None, python: str | None = None, cpus: frozenset[int] | None = None,
    ) -> None:
        self._sent_resources: list[InventoryResource] = []
        self._stderr = tempfile.TemporaryFile()  # a crash's traceback, never a pipe that fills
        to_relay_r, to_relay_w = os.pipe()
        from_relay_r, from_relay_w = os.pipe()
        _widen(to_relay_w)
        try:
            self._process = subprocess.Popen(  # noqa: S603 - our own module, our interpreter
                [python or sys.executable, "-m", "pipeline.analyzer.relay", str(to_relay_r), str(from_relay_w),
                 *([format_cpus(cpus)] if cpus else [])],
                pass_fds=(to_relay_r, from_relay_w), cwd=CODE_ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr,
            )
        except OSError as error:
            for fd in (to_relay_r, to_relay_w, from_relay_r, from_relay_w):
                os.close(fd)
            raise PackError(f"cannot start the analysis process: {error}") from None
        os.close(to_relay_r)
        os.close(from_relay_w)
        self._to = Connection(to_relay_w, readable=False)
        self._from = Connection(from_relay_r, writable=False)
        self._send((relay.START, str(Path(pack_dir).resolve()), context,
                    str(Path(config_file).resolve()) if config_file is not None else None, window))

    def _send(self, message: tuple) -> None:
        try:
            self._to.send(message)
        except (BrokenPipeError, OSError):
            pass  # the relay is gone; finish() says why

    def _receive(self) -> tuple:
        try:
            return self._from.recv()
        except (EOFError, OSError):
            ended = self._wait()
            raise PackError(
                f"the analysis process exited ({ended.code}) before answering"
                + (f":\n{ended.stderr}" if ended.stderr else "")
            ) from None

    def add(self, resource: InventoryResource, wire: WireProperties | None = None) -> None:
        """The render's callback, in registration order; a pipe write, never a wait on the pack."""
        self._sent_resources.append(resource)
        if wire is None:
            self._send((relay.ADD, resource, None, None))
        else:
            self._send((relay.ADD, resource, wire.inputs.SerializeToString(), wire.outputs.SerializeToString()))

    @property
    def sent(self) -> int:
        """How many resources (the root Stack included) the pack has been sent so far."""
        self._send((relay.SENT_QUERY,))
        _, count = self._receive()
        return count

    def ask(self, inventory: Inventory) -> None:
        """The render is done: ask for the verdict on `inventory` and return at once, so the
        caller can do its own work while the pack gets its last answers and AnalyzeStack."""
        same = len(self._sent_resources) == len(inventory.resources) and all(
            a is b for a, b in zip(self._sent_resources, inventory.resources, strict=True)
        )
        self._send((relay.FINISH, dict(inventory.outputs)) if same else (relay.AFRESH, inventory))

    def verdict(self) -> AnalysisResult:
        """The answer to `ask` (raises what the analysis raised: PackError, PolicyConfigError)."""
        kind, payload = self._receive()
        if kind == relay.ERROR:
            raise payload
        return payload

    def finish(self, inventory: Inventory) -> AnalysisResult:
        self.ask(inventory)
        return self.verdict()

    def release(self) -> None:
        """No more questions: the relay stops its pack and exits while the caller goes on."""
        if not self._to.closed:
            self._to.close()

    def _wait(self) -> _Ended:
        try:
            code = self._process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            code = self._process.wait()
        self._stderr.seek(0)
        return _Ended(code, self._stderr.read().decode(errors="replace").strip()[-4000:])

    def close(self) -> None:
        """Stop the analysis (after a verdict, or instead of one) and wait for its pack to be gone."""
        self.release()  # end of input: the relay stops its pack and exits
        self._wait()
        self._from.close()
        self._stderr.close()

    def __enter__(self) -> AnalyzeAsRendered:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
