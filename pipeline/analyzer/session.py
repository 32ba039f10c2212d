"""One pack, started once: engine server + pack process + client, stopped together."""

from __future__ import annotations

from pathlib import Path

from pipeline.analyzer.client import AnalyzerClient
from pipeline.analyzer.config import PolicyConfig, load_config_file, reconcile
from pipeline.analyzer.engine_service import EngineServer, LogLine
from pipeline.analyzer.errors import PolicyConfigError
from pipeline.analyzer.info import PackInfo
from pipeline.analyzer.launcher import PackProcess, StackContext
from pipeline.analyzer.requests import with_root_stack
from pipeline.analyzer.results import AnalysisResult
from pipeline.analyzer.stream import AnalysisStream
from pipeline.inventory import Inventory

# Measured on the tiny pack (2 shared cores, 200 resources): one call at a time costs about
# 0.8 ms per resource, 8 in flight about 0.5 ms; more does not help (the pack's server is
# GIL-bound with 4 threads), so the window hides round trips and nothing more.
ANALYZE_WINDOW = 8


class PackSession:
    """Start with `PackSession(pack_dir, context)`; use as a context manager so it always stops.

    The conversation follows the CLI: Handshake, ConfigureStack, GetAnalyzerInfo, Configure
    (reconciled config), then Analyze per resource and AnalyzeStack once.
    """

    def __init__(
        self,
        pack_dir: Path,
        context: StackContext,
        *,
        python: str | None = None,
        start_timeout: float = 60.0,
        call_timeout: float = 120.0,
    ) -> None:
        self.context = context
        self.engine = EngineServer()
        try:
            self.process = PackProcess(
                Path(pack_dir), self.engine.address, context,
                python=python, start_timeout=start_timeout,
            )
        except BaseException:
            self.engine.stop()
            raise
        try:
            assert self.process.channel is not None
            self.client = AnalyzerClient(
                self.process.channel, timeout=call_timeout,
                describe_failure=self.process.describe_failure,
            )
            self.client.handshake(self.engine.address, str(self.process.pack_dir))
            self.client.configure_stack(
                stack=context.stack, project=context.project,
                organization=context.organization, dry_run=context.dry_run,
                config=context.config,
            )
            self.info: PackInfo = self.client.get_analyzer_info()
            # The CLI reads the version from PulumiPolicy.yaml over the pack's own answer.
            self.version = str(self.process.project.get("version") or self.info.version)
        except BaseException:
            self.close()
            raise
        self.config: dict[str, PolicyConfig] = {}

    def configure(self, config_file: Path | None) -> dict[str, PolicyConfig]:
        given = load_config_file(Path(config_file)) if config_file is not None else {}
        if given and not self.info.supports_config:
            raise PolicyConfigError(f"policy pack {self.info.name} does not support config")
        self.config = reconcile(self.info, given, source=str(config_file or "policy pack config"))
        self.client.configure(self.config)
        return self.config

    def analyze(self, inventory: Inventory, *, window: int = ANALYZE_WINDOW) -> AnalysisResult:
        """Analyze every resource of `inventory` (root Stack first), then AnalyzeStack once."""
        stream = self.stream(project=inventory.project, stack=inventory.stack, window=window)
        for resource in with_root_stack(inventory):
            stream.add(resource)
        return stream.finish(inventory)

    def stream(self, *, project: str, stack: str, window: int = ANALYZE_WINDOW) -> AnalysisStream:
        """Analyze resources as they come (`add`), then `finish(inventory)`; after `configure`."""
        return AnalysisStream(self, project=project, stack=stack, window=window)

    def logs(self) -> list[LogLine]:
        """Engine.Log messages, then the pack's own output (complete once closed)."""
        return self.engine.logs + self.process.output

    def close(self) -> None:
        self.process.stop()
        self.engine.stop()

    def __enter__(self) -> PackSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
