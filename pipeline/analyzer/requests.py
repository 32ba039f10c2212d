"""Inventory resources as the engine sends them: AnalyzeRequest (inputs) and AnalyzerResource
(outputs, for AnalyzeStack).

Mirrors the engine (pkg/resource/deploy/step_generator.go and AnalyzeResources): every
registered resource is analyzed, components included; `name` is the URN's name; Analyze gets
the parent in its options; AnalyzeStack gets parent, dependencies and the property
dependencies that are not empty; the provider is the resource's provider with its inputs.
The engine always has a root `pulumi:pulumi:Stack` resource whose outputs are the stack's
exports; when the inventory has none we add it, so stack policies see the same set.
"""

from __future__ import annotations

from google.protobuf import struct_pb2
from pulumi.runtime.proto import analyzer_pb2

from pipeline.analyzer.wire import to_struct
from pipeline.inventory import Inventory, InventoryResource

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


def root_stack_urn(inventory: Inventory) -> str:
    name = f"{inventory.project}-{inventory.stack}"
    return f"urn:pulumi:{inventory.stack}::{inventory.project}::{ROOT_STACK_TYPE}::{name}"


def root_stack_resource(inventory: Inventory) -> InventoryResource:
    """The engine's root Stack: no inputs, the stack's exports as its outputs."""
    return InventoryResource(
        urn=root_stack_urn(inventory),
        type=ROOT_STACK_TYPE,
        name=f"{inventory.project}-{inventory.stack}",
        parent=None,
        custom=False,
        inputs={},
        outputs=dict(inventory.outputs),
    )


def with_root_stack(inventory: Inventory) -> tuple[InventoryResource, ...]:
    if any(r.type == ROOT_STACK_TYPE for r in inventory.resources):
        return inventory.resources
    return (root_stack_resource(inventory), *inventory.resources)


def urn_name(urn: str) -> str:
    # urn:pulumi:<stack>::<project>::<qualified type>::<name>; a name may itself contain "::".
    parts = urn.split("::", 3)
    return parts[3] if len(parts) == 4 else urn


def urn_type(urn: str) -> str:
    parts = urn.split("::", 3)
    return parts[2].rsplit("$", 1)[-1] if len(parts) == 4 else ""


class RequestBuilder:
    """Requests for `resources`; `add` makes one more known (a provider is registered before
    the resources that use it, so a builder fed in registration order always finds it)."""

    def __init__(self, resources: tuple[InventoryResource, ...] = ()) -> None:
        self._by_urn = {r.urn: r for r in resources}

    def add(self, resource: InventoryResource) -> None:
        self._by_urn[resource.urn] = resource

    def _provider(self, reference: str) -> analyzer_pb2.AnalyzerProviderResource | None:
        if not reference:
            return None
        # A provider reference is "<provider urn>::<provider id>".
        urn = reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference
        known = self._by_urn.get(urn)
        return analyzer_pb2.AnalyzerProviderResource(
            urn=urn,
            type=known.type if known else urn_type(urn),
            name=urn_name(urn),
            properties=to_struct(known.inputs if known else {}, label=urn),
        )

    @staticmethod
    def _options(resource: InventoryResource, *, with_parent: bool):
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=resource.protect,
            parent=(resource.parent or "") if with_parent else "",
            customTimeouts=analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(),
        )

    def analyze_request(
        self, resource: InventoryResource, properties: struct_pb2.Struct | None = None
    ) -> analyzer_pb2.AnalyzeRequest:
        """`properties`: the inputs already in wire form (the render's own Struct), if at hand."""
        request = analyzer_pb2.AnalyzeRequest(
            urn=resource.urn,
            type=resource.type,
            name=urn_name(resource.urn),
            properties=properties if properties is not None else to_struct(resource.inputs, label=resource.urn),
            options=self._options(resource, with_parent=True),
        )
        provider = self._provider(resource.provider)
        if provider is not None:
            request.provider.CopyFrom(provider)
        return request

    def stack_resource(
        self, resource: InventoryResource, properties: struct_pb2.Struct | None = None
    ) -> analyzer_pb2.AnalyzerResource:
        """`properties`: the outputs already in wire form, if at hand."""
        message = analyzer_pb2.AnalyzerResource(
            urn=resource.urn,
            type=resource.type,
            name=urn_name(resource.urn),
            properties=properties if properties is not None else to_struct(resource.outputs, label=resource.urn),
            options=self._options(resource, with_parent=False),
            parent=resource.parent or "",
            dependencies=list(resource.dependencies),
        )
        for key, urns in resource.property_dependencies.items():
            if urns:  # the engine skips properties without dependencies
                message.propertyDependencies[key].urns.extend(urns)
        provider = self._provider(resource.provider)
        if provider is not None:
            message.provider.CopyFrom(provider)
        return message
