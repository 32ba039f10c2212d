"""The Analyze half of a pack session as a stream: each resource is sent the moment it is
known (`add`), up to a window of calls in flight, and `finish` collects the answers and sends
AnalyzeStack once. `check` feeds it from the render itself (pipeline/analyzer/feed.py), so the
pack judges resource N on the other core while the program is still registering N+1; a caller
with a whole inventory (`PackSession.analyze`) adds everything, then finishes.

The conversation is the CLI's either way: the engine sends Analyze for each resource as its step
is generated, in registration order, the root Stack first, and AnalyzeStack once at the end.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pulumi.runtime.proto import analyzer_pb2

from pipeline.analyzer.requests import (
    ROOT_STACK_TYPE,
    RequestBuilder,
    root_stack_urn,
    with_root_stack,
)
from pipeline.analyzer.results import AnalysisResult, violations_from
from pipeline.inventory import Inventory, InventoryResource

if TYPE_CHECKING:
    from pipeline.analyzer.session import PackSession
    from pipeline.inventory import WireProperties


class AnalysisStream:
    def __init__(self, session: PackSession, *, project: str, stack: str, window: int) -> None:
        self._session = session
        self._builder = RequestBuilder()
        self._window = window
        self._calls = session.client.analyze_window(window)
        self._sent: list[InventoryResource] = []
        # AnalyzeStack's entry for each sent resource, built at once from its wire form when the
        # render gave one (None: built from the inventory at the end).
        self._stack_entries: list[analyzer_pb2.AnalyzerResource | None] = []
        self._first_sent: float | None = None
        session.engine.set_root_resource(
            root_stack_urn(Inventory(project=project, stack=stack, resources=(), outputs={}))
        )

    @property
    def sent(self) -> int:
        return len(self._sent)

    def add(self, resource: InventoryResource, wire: WireProperties | None = None) -> None:
        """Analyze `resource` now (raises PackError when the pack fails a call). `wire`: its
        inputs and outputs as the render's monitor got them, the same Structs `to_struct` would
        build from the inventory's dicts."""
        if self._first_sent is None:
            self._first_sent = time.perf_counter()
        self._builder.add(resource)
        self._sent.append(resource)
        self._stack_entries.append(self._builder.stack_resource(resource, wire.outputs) if wire else None)
        self._calls.send(self._builder.analyze_request(resource, wire.inputs if wire else None))

    def cancel(self) -> None:
        self._calls.cancel()

    def finish(self, inventory: Inventory) -> AnalysisResult:
        """Every resource of `inventory` (and its root Stack) analyzed once, in order, then
        AnalyzeStack. What was not added yet is added now. If what was added is not the start of
        `inventory` (the same resources in the same order; the root Stack matched by URN, its
        outputs being known only at the end), those answers are dropped and `inventory` is
        analyzed afresh: the verdict is always on the inventory given here."""
        finishing = time.perf_counter()
        resources = with_root_stack(inventory)
        if len(self._sent) > len(resources) or not all(map(_same, self._sent, resources)):
            self._calls.drain()  # answers about something else
            self._calls = self._session.client.analyze_window(self._window)
            self._sent, self._stack_entries = [], []
        for resource in resources[len(self._sent):]:
            self.add(resource)
        responses = self._calls.drain()
        analyzed = time.perf_counter()
        client, version = self._session.client, self._session.version
        for resource in resources:
            self._builder.add(resource)  # the root Stack with its outputs, for AnalyzeStack
        stack_response = client.analyze_stack(
            entry if entry is not None and sent is resource else self._builder.stack_resource(resource)
            for sent, entry, resource in zip(self._sent, self._stack_entries, resources, strict=True)
        )
        finished = time.perf_counter()

        types = {r.urn: r.type for r in resources}
        violations = [
            v
            for resource, response in zip(resources, responses, strict=True)
            for v in violations_from(response, urn=resource.urn, types_by_urn=types, pack_version=version)
        ]
        violations.extend(violations_from(stack_response, urn=None, types_by_urn=types, pack_version=version))
        began = self._first_sent if self._first_sent is not None else finishing
        return AnalysisResult(
            pack=self._session.info,
            config=dict(self._session.config),
            violations=tuple(violations),
            logs=tuple(self._session.logs()),
            timings={
                "start": self._session.process.start_seconds,
                # From the first Analyze sent to the last answer: while rendering, for `check`.
                "analyze": analyzed - began,
                "analyze_per_resource": (analyzed - began) / max(1, len(resources)),
                # What was still to analyze once the caller had every resource.
                "analyze_tail": analyzed - finishing,
                "analyze_stack": finished - analyzed,
                "resources": float(len(resources)),
            },
        )


def _same(sent: InventoryResource, resource: InventoryResource) -> bool:
    return sent is resource or (sent.type == ROOT_STACK_TYPE == resource.type and sent.urn == resource.urn)
