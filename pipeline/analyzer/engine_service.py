"""The engine's side of the conversation: the `pulumirpc.Engine` service a plugin dials back.

The CLI starts every plugin with the address of its engine server as the first argument, and
a plugin may call Log, GetRootResource/SetRootResource and RequirePulumiVersion there. The
Python policy runtime (pulumi-policy 1.21) does not dial it today — its `pulumi.log` calls go
to stderr, which the launcher collects — but a pack built on another runtime, or a later one,
does; this server answers them so the pack never meets a refused connection.
"""

from __future__ import annotations

import threading
from concurrent import futures
from dataclasses import dataclass

import grpc
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

_SEVERITIES = {
    engine_pb2.DEBUG: "debug",
    engine_pb2.INFO: "info",
    engine_pb2.WARNING: "warning",
    engine_pb2.ERROR: "error",
}


@dataclass(frozen=True)
class LogLine:
    severity: str  # debug | info | warning | error | stderr | stdout
    message: str
    urn: str = ""
    source: str = "engine"  # "engine" (Engine.Log) or "process" (the pack's stdout/stderr)


class _EngineServicer(engine_pb2_grpc.EngineServicer):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._logs: list[LogLine] = []
        self._root_resource = ""

    def Log(self, request, context):  # noqa: N802 - gRPC method name
        severity = _SEVERITIES.get(request.severity, "info")
        with self._lock:
            self._logs.append(LogLine(severity, request.message, request.urn))
        return empty_pb2.Empty()

    def GetRootResource(self, request, context):  # noqa: N802
        with self._lock:
            return engine_pb2.GetRootResourceResponse(urn=self._root_resource)

    def SetRootResource(self, request, context):  # noqa: N802
        with self._lock:
            self._root_resource = request.urn
        return engine_pb2.SetRootResourceResponse()

    def RequirePulumiVersion(self, request, context):  # noqa: N802
        # There is no CLI binary whose version could fail the range; accept, as a current CLI would.
        return engine_pb2.RequirePulumiVersionResponse()

    def logs(self) -> list[LogLine]:
        with self._lock:
            return list(self._logs)


class EngineServer:
    """A loopback-only Engine server; `address` is what the pack gets as its first argument."""

    def __init__(self) -> None:
        self._servicer = _EngineServicer()
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        engine_pb2_grpc.add_EngineServicer_to_server(self._servicer, self._server)
        port = self._server.add_insecure_port("127.0.0.1:0")
        self.address = f"127.0.0.1:{port}"
        self._server.start()

    @property
    def logs(self) -> list[LogLine]:
        return self._servicer.logs()

    def set_root_resource(self, urn: str) -> None:
        self._servicer.SetRootResource(engine_pb2.SetRootResourceRequest(urn=urn), None)

    def stop(self) -> None:
        self._server.stop(grace=None)

    def __enter__(self) -> EngineServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
