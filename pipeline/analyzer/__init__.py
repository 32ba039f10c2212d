"""Run a CrossGuard policy pack over the analyzer gRPC protocol, the way the Pulumi CLI does,
without the CLI: `analyze_inventory(inventory, pack_dir=..., config_file=...)`.

The names below are loaded on first use (PEP 562): `check` imports only the light pieces it
needs in its own process (the feed, errors, results), while the gRPC client, the config
validation (jsonschema) and the session live in the analysis process it starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.analyzer.background import PackStart
    from pipeline.analyzer.results import AnalysisResult
    from pipeline.inventory import Inventory

_LAZY = {
    "AnalysisResult": "pipeline.analyzer.results",
    "LogLine": "pipeline.analyzer.engine_service",
    "PackError": "pipeline.analyzer.errors",
    "PackInfo": "pipeline.analyzer.info",
    "PackSession": "pipeline.analyzer.session",
    "PackStart": "pipeline.analyzer.background",
    "PolicyConfig": "pipeline.analyzer.config",
    "PolicyConfigError": "pipeline.analyzer.errors",
    "PolicyInfo": "pipeline.analyzer.info",
    "Secret": "pipeline.analyzer.wire",
    "StackContext": "pipeline.analyzer.launcher",
    "Violation": "pipeline.analyzer.results",
}

__all__ = [*sorted(_LAZY), "analyze_inventory"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
    from pipeline.analyzer.background import PackStart
    from pipeline.analyzer.launcher import StackContext

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
