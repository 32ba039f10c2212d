"""The analyzer RPCs the CLI makes, over a ready channel, in plain Python types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from pipeline.analyzer.config import PolicyConfig
from pipeline.analyzer.errors import PackError
from pipeline.analyzer.info import PackInfo, PolicyInfo

_LEVEL_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.REMEDIATE: "remediate",
    analyzer_pb2.DISABLED: "disabled",
}
_LEVEL_VALUES = {name: value for value, name in _LEVEL_NAMES.items()}
_KINDS = {
    analyzer_pb2.POLICY_TYPE_RESOURCE: "resource",
    analyzer_pb2.POLICY_TYPE_STACK: "stack",
}


def level_name(value: int) -> str:
    return _LEVEL_NAMES.get(value, "advisory")


class AnalyzerClient:
    """Thin wrapper over the Analyzer stub; every failure becomes a PackError.

    `describe_failure(what)` lets the owner of the process add the pack's stderr to the error,
    which is where a policy's traceback ends up.
    """

    def __init__(
        self,
        channel: grpc.Channel,
        *,
        timeout: float = 120.0,
        describe_failure: Callable[[str], str] | None = None,
    ) -> None:
        self._stub = analyzer_pb2_grpc.AnalyzerStub(channel)
        self._timeout = timeout
        self._describe = describe_failure or (lambda what: f"policy pack {what}")

    def _fail(self, call: str, error: grpc.RpcError) -> PackError:
        code = error.code().name if hasattr(error, "code") else "UNKNOWN"
        details = error.details() if hasattr(error, "details") else str(error)
        return PackError(self._describe(f"failed {call} ({code}: {details})"))

    def _call(self, name: str, request: Any) -> Any:
        try:
            return getattr(self._stub, name)(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise self._fail(name, error) from None

    def handshake(self, engine_address: str, pack_dir: str) -> bool:
        """Sent by the CLI first; packs that predate it answer UNIMPLEMENTED, which is fine."""
        request = analyzer_pb2.AnalyzerHandshakeRequest(
            engine_address=engine_address, root_directory=pack_dir, program_directory=pack_dir
        )
        try:
            self._stub.Handshake(request, timeout=self._timeout)
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.UNIMPLEMENTED:
                return False
            raise self._fail("Handshake", error) from None
        return True

    def configure_stack(
        self, *, stack: str, project: str, organization: str, dry_run: bool,
        config: Mapping[str, str] | None = None,
    ) -> None:
        request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack, project=project, organization=organization, dry_run=dry_run
        )
        if config:
            request.config.update(dict(config))
        try:
            self._stub.ConfigureStack(request, timeout=self._timeout)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise self._fail("ConfigureStack", error) from None

    def get_plugin_info(self) -> str:
        return self._call("GetPluginInfo", empty_pb2.Empty()).version

    def get_analyzer_info(self) -> PackInfo:
        info = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = tuple(
            sorted(
                (
                    PolicyInfo(
                        name=p.name,
                        description=p.description,
                        enforcement_level=level_name(p.enforcementLevel),
                        kind=_KINDS.get(p.policy_type, "unknown"),
                        config_properties=json_format.MessageToDict(p.configSchema.properties),
                        config_required=tuple(p.configSchema.required),
                    )
                    for p in info.policies
                ),
                key=lambda p: p.name,  # the CLI sorts them too
            )
        )
        initial = {
            name: (
                level_name(cfg.enforcementLevel),
                json_format.MessageToDict(cfg.properties),
            )
            for name, cfg in info.initialConfig.items()
        }
        return PackInfo(info.name, info.version, info.supportsConfig, policies, initial)

    def configure(self, config: Mapping[str, PolicyConfig]) -> None:
        if not config:
            return  # the CLI skips Configure when there is nothing to say
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, policy in config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _LEVEL_VALUES[policy.enforcement_level or "advisory"]
            entry.properties.update(policy.properties)
        self._call("Configure", request)

    def analyze_many(
        self, requests: Sequence[analyzer_pb2.AnalyzeRequest], *, window: int = 8
    ) -> list[analyzer_pb2.AnalyzeResponse]:
        """Analyze each request, keeping up to `window` calls in flight; answers in input order."""
        calls = self.analyze_window(window)
        for request in requests:
            calls.send(request)
        return calls.drain()

    def analyze_window(self, window: int = 8) -> AnalyzeWindow:
        """Analyze calls sent one by one as requests come (`send`), answers in order (`drain`)."""
        return AnalyzeWindow(self._stub, self._timeout, self._fail, window)

    def analyze_stack(
        self, resources: Iterable[analyzer_pb2.AnalyzerResource]
    ) -> analyzer_pb2.AnalyzeResponse:
        return self._call("AnalyzeStack", analyzer_pb2.AnalyzeStackRequest(resources=list(resources)))


class AnalyzeWindow:
    """Up to `window` Analyze calls in flight: `send` waits for the oldest answer once the window
    is full, so a caller that produces requests over time (a render) keeps the pack busy without
    queueing more than the window; `drain` waits for the rest and returns every answer in order."""

    def __init__(self, stub: analyzer_pb2_grpc.AnalyzerStub, timeout: float,
                 fail: Callable[[str, grpc.RpcError], PackError], window: int) -> None:
        self._stub, self._timeout, self._fail = stub, timeout, fail
        self._window = max(1, window)
        self._urns: list[str] = []
        self._responses: list[analyzer_pb2.AnalyzeResponse | None] = []
        self._pending: dict[int, grpc.Future] = {}

    def _settle(self, index: int) -> None:
        try:
            self._responses[index] = self._pending.pop(index).result()
        except grpc.RpcError as error:
            for other in self._pending.values():
                other.cancel()
            self._pending.clear()
            raise self._fail(f"Analyze of {self._urns[index]}", error) from None

    def send(self, request: analyzer_pb2.AnalyzeRequest) -> None:
        index = len(self._urns)
        self._urns.append(request.urn)
        self._responses.append(None)
        self._pending[index] = self._stub.Analyze.future(request, timeout=self._timeout)
        if len(self._pending) >= self._window:
            self._settle(min(self._pending))

    def drain(self) -> list[analyzer_pb2.AnalyzeResponse]:
        while self._pending:
            self._settle(min(self._pending))
        return [r for r in self._responses if r is not None]

    def cancel(self) -> None:
        for call in self._pending.values():
            call.cancel()
        self._pending.clear()
