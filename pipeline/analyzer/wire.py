"""Property values in the engine's wire form, as the CLI marshals them for an analyzer.

The CLI calls `MarshalProperties(props, {KeepUnknowns, KeepSecrets, SkipInternalKeys})`:
a google.protobuf Struct in which an unknown value is the string UNKNOWN, a secret is a
signature object wrapping its plaintext, and keys starting with `__` are dropped at every
level. Numbers are doubles, so a port 443 reaches the pack as 443.0, as it does under the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf import struct_pb2

from pipeline.inventory import UNKNOWN

SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"  # noqa: S105 - a type tag, not a secret

__all__ = ["SECRET_SIG", "SIG_KEY", "UNKNOWN", "Secret", "to_struct"]


@dataclass(frozen=True)
class Secret:
    """A value the program marked secret; the pack receives its plaintext, as under the CLI."""

    value: Any


def _engine_form(value: Any, path: str) -> Any:
    if isinstance(value, Secret):
        return {SIG_KEY: SECRET_SIG, "value": _engine_form(value.value, path)}
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise TypeError(f"property {path} is {value}, which JSON and the engine cannot carry")
        return float(value)
    if isinstance(value, Mapping):
        return {
            str(key): _engine_form(item, f"{path}.{key}")
            for key, item in value.items()
            if not str(key).startswith("__")
        }
    if isinstance(value, list | tuple):
        return [_engine_form(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"property {path} has type {type(value).__name__}, which the engine cannot carry")


def to_struct(props: Mapping[str, Any], *, label: str = "") -> struct_pb2.Struct:
    """Marshal a property map (camelCase keys) the way the CLI does for Analyze/AnalyzeStack."""
    struct = struct_pb2.Struct()
    struct.update(_engine_form(props, label or "properties"))
    return struct
