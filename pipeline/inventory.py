"""What a program run registered: the neutral shape shared by `check`, the analyzer client and
the reports.

Property maps are in the engine's form: camelCase keys, as the CLI sends them to a policy pack.
A value the engine would not know during a preview is the string UNKNOWN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from google.protobuf import struct_pb2

# The sentinel the Pulumi engine uses on the wire for a computed (unknown) value.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class InventoryResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    dependencies: tuple[str, ...] = ()
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    provider: str = ""
    protect: bool = False


@dataclass(frozen=True)
class Inventory:
    project: str
    stack: str
    resources: tuple[InventoryResource, ...]
    outputs: dict[str, Any]

    def by_type(self, type_: str) -> list[InventoryResource]:
        return [r for r in self.resources if r.type == type_]


class WireProperties(NamedTuple):
    """A resource's inputs and outputs as the monitor got them: protobuf Structs in the engine's
    wire form, what `to_struct` would rebuild from the inventory's dicts (tests/test_render_wire.py)."""

    inputs: struct_pb2.Struct
    outputs: struct_pb2.Struct
