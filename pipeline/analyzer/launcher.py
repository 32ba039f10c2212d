"""Start a Python policy pack the way the CLI does, and make sure it stops.

The CLI (sdk/go/common/resource/plugin/analyzer_plugin.go, `NewPolicyAnalyzer`) reads
PulumiPolicy.yaml, then runs the `pulumi-analyzer-policy-python` shim with the pack directory
as working directory and arguments `<engine-address> .`; the shim runs
`<virtualenv>/bin/python -u -m pulumi.policy <engine-address> .` (PATH prefixed with the
virtualenv, PYTHONHOME unset) or `python3 -u -m pulumi.policy ...` without one. The environment
is the CLI's own plus PULUMI_CONFIG (the stack's config as JSON), PULUMI_ORGANIZATION,
PULUMI_PROJECT, PULUMI_STACK and PULUMI_DRY_RUN. The pack prints its port on the first stdout
line; the CLI dials it and waits until the channel is ready.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import grpc
import yaml

from pipeline.analyzer.engine_service import LogLine
from pipeline.analyzer.errors import PackError

# The CLI raises the gRPC message limit to 400 MB both ways (rpcutil.GrpcChannelOptions).
MAX_MESSAGE = 400 * 1024 * 1024
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", MAX_MESSAGE),
    ("grpc.max_send_message_length", MAX_MESSAGE),
]
_STDERR_TAIL = 40
_LIVE: weakref.WeakSet[PackProcess] = weakref.WeakSet()


@dataclass(frozen=True)
class StackContext:
    """Who the pack runs for; becomes the PULUMI_* environment, as the CLI sets it."""

    project: str
    stack: str
    organization: str = "organization"  # the CLI's value for DIY backends
    dry_run: bool = True  # `make check` is a preview
    config: Mapping[str, str] | None = None  # "<ns>:<key>" -> value, as in PULUMI_CONFIG


def read_pack_project(pack_dir: Path) -> dict:
    project_file = pack_dir / "PulumiPolicy.yaml"
    try:
        project = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise PackError(
            f"{pack_dir} is not a policy pack: it has no PulumiPolicy.yaml"
        ) from None
    except yaml.YAMLError as error:
        raise PackError(f"{project_file} is not valid YAML: {error}") from None
    runtime = project.get("runtime")
    name = runtime.get("name") if isinstance(runtime, Mapping) else runtime
    if name != "python":
        raise PackError(f"{project_file}: runtime must be python (got {name!r})")
    return project


def resolve_python(pack_dir: Path, project: Mapping, python: str | None) -> tuple[str, Path | None]:
    """The interpreter and virtualenv to run the pack with.

    An explicit `python` wins; then the `virtualenv` runtime option of PulumiPolicy.yaml, then
    `<pack>/venv` (where `pulumi policy new` puts it). Where the CLI would fail because that
    virtualenv was never created, we fall back to the current interpreter, which already has
    pulumi-policy installed: `make check` must work from a clean clone.
    """
    if python:
        return python, None
    runtime = project.get("runtime")
    options = runtime.get("options", {}) if isinstance(runtime, Mapping) else {}
    candidates = [options.get("virtualenv"), "venv"]
    for candidate in filter(None, candidates):
        venv = (pack_dir / str(candidate)).resolve()
        if (venv / "bin" / "python").is_file():
            return str(venv / "bin" / "python"), venv
    return sys.executable, None


def pack_environment(context: StackContext, venv: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if context.config:
        env["PULUMI_CONFIG"] = json.dumps(dict(context.config), sort_keys=True)
    for key, value in (
        ("PULUMI_ORGANIZATION", context.organization),
        ("PULUMI_PROJECT", context.project),
        ("PULUMI_STACK", context.stack),
        ("PULUMI_DRY_RUN", "true" if context.dry_run else "false"),
    ):
        if value:
            env[key] = value
    if venv is not None:
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        env.pop("PYTHONHOME", None)
    return env


def spawn_pack(argv: list[str], *, cwd: Path, env: Mapping[str, str]) -> subprocess.Popen:
    """Start the pack's process: stdin from /dev/null, stdout and stderr as text pipes. The one
    place the process is made (the tests fork theirs from a preloaded interpreter instead:
    tests/pack_zygote.py)."""
    return subprocess.Popen(  # noqa: S603 - the pack's interpreter, as the CLI runs it
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


def _severity_of(line: str) -> tuple[str, str]:
    # `pulumi.log` without an engine prints "info: ...", "warning: ...", "error: ...".
    for severity in ("info", "warning", "error", "debug"):
        prefix = f"{severity}: "
        if line.startswith(prefix):
            return severity, line[len(prefix):]
    return "stderr", line


class PackProcess:
    """One running pack: its process, its output, and a ready gRPC channel to it."""

    def __init__(
        self,
        pack_dir: Path,
        engine_address: str,
        context: StackContext,
        *,
        python: str | None = None,
        start_timeout: float = 60.0,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        if not self.pack_dir.is_dir():
            raise PackError(f"policy pack directory {pack_dir} does not exist")
        self.project = read_pack_project(self.pack_dir)
        self.python, venv = resolve_python(self.pack_dir, self.project, python)
        self._output: list[LogLine] = []
        self._lock = threading.Lock()
        self._port_lines: queue.Queue[str | None] = queue.Queue()
        self.channel: grpc.Channel | None = None
        started = time.perf_counter()
        try:
            self.process = spawn_pack(
                [self.python, "-u", "-m", "pulumi.policy", engine_address, "."],
                cwd=self.pack_dir,
                env=pack_environment(context, venv),
            )
        except OSError as error:
            raise PackError(f"cannot run {self.python} for policy pack {pack_dir}: {error}") from None
        _LIVE.add(self)
        self._readers = [
            threading.Thread(target=self._read_stdout, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(self.process.stderr,), daemon=True),
        ]
        for reader in self._readers:
            reader.start()
        try:
            self.address = self._wait_for_port(start_timeout)
            self.channel = grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)
            remaining = max(1.0, start_timeout - (time.perf_counter() - started))
            try:
                grpc.channel_ready_future(self.channel).result(timeout=remaining)
            except grpc.FutureTimeoutError:
                raise PackError(
                    self.describe_failure(f"printed port {self.address} but never accepted a connection")
                ) from None
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.perf_counter() - started

    # -- output ---------------------------------------------------------------------------------

    def _read_stdout(self, stream: IO[str]) -> None:
        first = True
        for line in stream:
            line = line.rstrip("\n")
            if first:
                self._port_lines.put(line)
                first = False
            else:
                self._record(LogLine("stdout", line, source="process"))
        if first:
            self._port_lines.put(None)

    def _read_stderr(self, stream: IO[str]) -> None:
        for line in stream:
            severity, message = _severity_of(line.rstrip("\n"))
            self._record(LogLine(severity, message, source="process"))

    def _record(self, line: LogLine) -> None:
        with self._lock:
            self._output.append(line)

    @property
    def output(self) -> list[LogLine]:
        with self._lock:
            return list(self._output)

    def stderr_tail(self) -> str:
        lines = [line.message for line in self.output if line.severity != "stdout"]
        return "\n".join(lines[-_STDERR_TAIL:])

    def describe_failure(self, what: str) -> str:
        code = self.process.poll()
        status = "is still running" if code is None else f"exited with code {code}"
        tail = self.stderr_tail()
        detail = f"; its stderr ends with:\n{tail}" if tail else " and wrote nothing to stderr"
        return f"policy pack {self.pack_dir} {what}: the process {status}{detail}"

    # -- lifecycle ------------------------------------------------------------------------------

    def _wait_for_port(self, timeout: float) -> str:
        try:
            line = self._port_lines.get(timeout=timeout)
        except queue.Empty:
            raise PackError(self.describe_failure(f"printed no port within {timeout:.0f}s")) from None
        if line is None:
            self.process.wait(timeout=5)
            self._join_readers()
            raise PackError(self.describe_failure("failed to start"))
        try:
            port = int(line.strip())
        except ValueError:
            raise PackError(
                self.describe_failure(f"printed {line[:80]!r} where the CLI expects its port")
            ) from None
        return f"127.0.0.1:{port}"

    def _join_readers(self) -> None:
        for reader in self._readers:
            reader.join(timeout=2)

    def stop(self) -> None:
        """End the process (SIGTERM, then SIGKILL after 5 s), then close the channel.

        In that order: closing a used channel to a live server waits ~0.2 s for the connection
        to wind down (measured); to a server that is gone it returns at once."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        self._join_readers()
        _LIVE.discard(self)


@atexit.register
def _stop_leftovers() -> None:
    # Last line of defence: an interpreter that exits with a pack still running takes it along.
    for pack in list(_LIVE):
        pack.stop()
