"""Analyze while the program renders: the render hands each registered resource to `add` (the
recording monitor's callback) and goes on; a thread takes the pack session as soon as it has
started (PackStart), configures it and streams each resource to it (AnalysisStream). The pack
judges on the other core while this one keeps rendering; `finish(inventory)` waits for the
last answers and sends AnalyzeStack (bench/README.md has what this saves).

Errors keep their place in the conversation: a pack that fails to start, a bad policy config
file or a failed Analyze call is raised by `finish`, where analyzing a whole inventory would
have raised it; resources arriving after a failure are dropped. `render_ended()` comes after
every render, good or failed: after a failed one the thread stops, nobody asks for a verdict,
and the pack is closed by its PackStart.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.analyzer.background import PackStart
from pipeline.analyzer.requests import root_stack_resource
from pipeline.analyzer.results import AnalysisResult
from pipeline.analyzer.session import ANALYZE_WINDOW
from pipeline.analyzer.stream import AnalysisStream
from pipeline.inventory import Inventory, InventoryResource

if TYPE_CHECKING:
    from pipeline.render import WireProperties

_END = object()


class AnalyzeAsRendered:
    def __init__(
        self, started: PackStart, config_file: Path | None, *, project: str, stack: str,
        window: int = ANALYZE_WINDOW,
    ) -> None:
        self._started = started
        self._config_file = config_file
        self._head = Inventory(project=project, stack=stack, resources=(), outputs={})
        self._window = window
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stream: AnalysisStream | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._feed, name="analyze-as-rendered", daemon=True)
        self._thread.start()

    @property
    def sent(self) -> int:
        """How many resources (the root Stack included) have gone to the pack so far."""
        return self._stream.sent if self._stream is not None else 0

    def add(self, resource: InventoryResource, wire: WireProperties | None = None) -> None:
        """The render's callback, in registration order; never blocks the render."""
        self._queue.put((resource, wire))

    def _feed(self) -> None:
        try:
            session = self._started.session()
            session.configure(self._config_file)
            stream = session.stream(project=self._head.project, stack=self._head.stack, window=self._window)
            self._stream = stream
            stream.add(root_stack_resource(self._head))  # the engine's root Stack comes first
            while (item := self._queue.get()) is not _END:
                stream.add(*item)
        except BaseException as error:  # re-raised by finish(), in the caller's thread
            self._error = error
            if self._stream is not None:
                self._stream.cancel()
            while self._queue.get() is not _END:  # drop the rest until the render is done
                pass

    def finish(self, inventory: Inventory) -> AnalysisResult:
        """The render is done: every answer, then AnalyzeStack (raises what the feed raised)."""
        self._queue.put(_END)
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._stream is not None
        return self._stream.finish(inventory)

    def render_ended(self) -> None:
        """The render is over, well or not: nothing more comes (a failed one is judged by nobody)."""
        self._queue.put(_END)
