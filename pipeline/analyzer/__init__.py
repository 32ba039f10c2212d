"""Run a CrossGuard policy pack over the analyzer gRPC protocol, the way the Pulumi CLI does,
without the CLI: `analyze_inventory(inventory, pack_dir=..., config_file=...)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pipeline.analyzer.background import PackStart
from pipeline.analyzer.config import PolicyConfig
from pipeline.analyzer.engine_service import LogLine
from pipeline.analyzer.errors import PackError, PolicyConfigError
from pipeline.analyzer.info import PackInfo, PolicyInfo
from pipeline.analyzer.launcher import StackContext
from pipeline.analyzer.results import AnalysisResult, Violation
from pipeline.analyzer.session import PackSession
from pipeline.analyzer.wire import Secret
from pipeline.inventory import Inventory

__all__ = [
    "AnalysisResult",
    "LogLine",
    "PackError",
    "PackInfo",
    "PackSession",
    "PackStart",
    "PolicyConfig",
    "PolicyConfigError",
    "PolicyInfo",
    "Secret",
    "StackContext",
    "Violation",
    "analyze_inventory",
]


def analyze_inventory(
    inventory: Inventory,
    *,
    pack_dir: Path,
    config_file: Path | None,
    python: str | None = None,
    stack_config: Mapping[str, str] | None = None,
    dry_run: bool = True,
    started: PackStart | None = None,
) -> AnalysisResult:
    """Start the pack once (or take the one `started` for this stack), configure it, Analyze
    every resource, AnalyzeStack once, stop it.

    Raises PolicyConfigError (a UsageError) for a bad config file and PackError when the pack
    cannot start or fails a call; the pack process is gone when this returns or raises.
    """
    if started is None:
        context = StackContext(
            project=inventory.project, stack=inventory.stack, dry_run=dry_run, config=stack_config
        )
        started = PackStart(Path(pack_dir), context, python=python)
    with started:
        session = started.session()
        session.configure(config_file)
        result = session.analyze(inventory)
    # The pack's stderr is read by a thread that may trail the last answer; once the process
    # has exited and the readers are joined, the log is complete.
    return replace(result, logs=tuple(session.logs()))
