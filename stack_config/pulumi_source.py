"""Read this stack's config from the Pulumi runtime, once, and validate it."""

from __future__ import annotations

import json
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from stack_config.load import load_stack_config
from stack_config.model import StackConfig


def read_stack_config() -> StackConfig:
    return load_stack_config(_all_config(), pulumi.get_stack())


def _all_config() -> dict[str, Any]:
    # The SDK offers no public "list every key": the language host fills this map (and the
    # PULUMI_CONFIG environment variable) with every key of the stack, which is what lets the
    # loader reject unknown keys. Structured values arrive JSON-encoded.
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    return decode_config(merged)


def decode_config(values: dict[str, Any]) -> dict[str, Any]:
    """The engine's all-strings config map → values the loader reads."""
    return {key: _decode(value) for key, value in values.items()}


def _decode(value: Any) -> Any:
    """The engine passes every value as a string; structured ones are JSON."""
    if not isinstance(value, str):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value
    return decoded if isinstance(decoded, (dict, list, bool, int)) else value
