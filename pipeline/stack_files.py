"""Pulumi.<stack>.yaml → the flat config map the CLI hands a program (`ns:key` → string)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from stack_config.errors import ConfigError
from stack_config.yaml_source import read_yaml_file

PROJECT_DIR = Path(__file__).resolve().parent.parent


def project_name(project_dir: Path = PROJECT_DIR) -> str:
    return _read_yaml(project_dir / "Pulumi.yaml")["name"]


def shipped_stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Every Pulumi.<stack>.yaml beside Pulumi.yaml, in promotion-friendly order."""
    order = {"dev": 0, "staging": 1, "prod": 2}
    names = [p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml")]
    return sorted(names, key=lambda n: (order.get(n, 3), n))


def read_stack_file(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Pulumi.<stack>.yaml as parsed YAML; a missing file is a UsageError, a malformed one a
    ConfigError naming the file (and the line of a syntax error)."""
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        known = ", ".join(shipped_stacks(project_dir)) or "none"
        raise UsageError(f"unknown stack {stack!r}: no {stack_file.name} in {project_dir} (stacks here: {known})")
    return _read_yaml(stack_file)


def stack_config_map(stack: str, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """What the engine would pass as config: project defaults from Pulumi.yaml, then the stack
    file's values; keys namespaced, structured values JSON-encoded, everything a string."""
    project = _read_yaml(project_dir / "Pulumi.yaml")
    name = project["name"]
    result: dict[str, str] = {}
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, dict) and "default" in spec:
            result[_namespaced(key, name)] = _encode(spec["default"])
    stack_file = f"Pulumi.{stack}.yaml"
    values = read_stack_file(stack, project_dir).get("config") or {}
    if not isinstance(values, dict):
        raise ConfigError(stack_file, "config", "must be a mapping of keys to values")
    for key, value in values.items():
        if not isinstance(key, str) or not key.strip():
            raise ConfigError(stack_file, f"config.{key!r}", "is not a config key: keys are names such as gatehouse:environment")
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = "[secret]"  # ciphertext only the backend can decrypt; nothing here reads it
        result[_namespaced(key, name)] = _encode(value)
    return result


def _namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _encode(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = read_yaml_file(path)
    except FileNotFoundError:
        raise UsageError(f"{path} does not exist") from None
    if data is None:
        return {}  # an empty stack file is valid: a stack with no config of its own
    if not isinstance(data, dict):
        raise ConfigError(path.name, None, "must be a YAML mapping (config: ...)")
    return data
