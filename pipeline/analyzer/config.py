"""`--policy-pack-config`: read the file and reconcile it with the pack's schema, as the CLI does.

The CLI (pkg/resource/analyzer/config.go) starts from each policy's level and schema defaults,
applies the pack's `initial_config`, then the file ("all" first, then per policy), and validates
each policy's properties with JSON Schema. We are stricter in two places where the CLI is
silent, because a typo there would quietly fall back to a default: a policy name the pack does
not have and a property its schema does not declare are errors here. Any file accepted here is
accepted by the CLI with the same meaning.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.analyzer.errors import PolicyConfigError
from pipeline.analyzer.info import ENFORCEMENT_LEVELS, PackInfo

ALL = "all"
_LEVEL_KEY = "enforcementLevel"
_ALLOWED_LEVELS = ", ".join(ENFORCEMENT_LEVELS)


@dataclass(frozen=True)
class PolicyConfig:
    enforcement_level: str | None
    properties: dict[str, Any] = field(default_factory=dict)


def load_config_file(path: Path) -> dict[str, PolicyConfig]:
    """Parse a policy pack config file into per-policy settings (not yet reconciled)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyConfigError(f"policy pack config file {path} does not exist") from None
    except OSError as error:
        raise PolicyConfigError(f"cannot read policy pack config file {path}: {error.strerror}") from None
    if not text.strip():
        return {}  # the CLI accepts an empty file
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise PolicyConfigError(
            f"{path} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    return parse_config(raw, source=str(path))


def parse_config(raw: Any, *, source: str) -> dict[str, PolicyConfig]:
    if not isinstance(raw, Mapping):
        raise PolicyConfigError(f"{source} must be a JSON object keyed by policy name")
    parsed: dict[str, PolicyConfig] = {}
    for name, value in raw.items():
        if isinstance(value, str):
            parsed[name] = PolicyConfig(_level(value, source, name), {})
        elif isinstance(value, Mapping):
            props = dict(value)
            level = props.pop(_LEVEL_KEY, None)
            if level is not None:
                level = _level(level, source, f"{name}.{_LEVEL_KEY}")
            parsed[name] = PolicyConfig(level, props)
        else:
            raise PolicyConfigError(
                f"{source}: {name} must be an enforcement level ({_ALLOWED_LEVELS}) or an object, "
                f"got {json.dumps(value)}"
            )
    if ALL in parsed and parsed[ALL].properties:
        keys = ", ".join(sorted(parsed[ALL].properties))
        raise PolicyConfigError(f"{source}: {ALL} takes only {_LEVEL_KEY}, got {keys}")
    return parsed


def _level(value: Any, source: str, where: str) -> str:
    if value not in ENFORCEMENT_LEVELS:
        raise PolicyConfigError(
            f"{source}: {where} must be one of {_ALLOWED_LEVELS} (got {json.dumps(value)})"
        )
    return value


def reconcile(
    pack: PackInfo, given: Mapping[str, PolicyConfig], *, source: str = "policy pack config"
) -> dict[str, PolicyConfig]:
    """Defaults, then initial config, then `given`; validated. Returns what Configure sends."""
    _reject_unknown(pack, given, source)
    result = {
        policy.name: PolicyConfig(
            policy.enforcement_level,
            {k: s["default"] for k, s in policy.config_properties.items() if "default" in s},
        )
        for policy in pack.policies
    }
    initial = {name: PolicyConfig(level, props) for name, (level, props) in pack.initial_config.items()}
    for layer in (initial, given):
        _apply(result, layer)
    _validate(pack, result, source)
    return result


def _apply(result: dict[str, PolicyConfig], layer: Mapping[str, PolicyConfig]) -> None:
    everything = layer.get(ALL)
    if everything is not None and everything.enforcement_level is not None:
        for name, current in result.items():
            result[name] = PolicyConfig(everything.enforcement_level, current.properties)
    # Like the CLI, "all" itself is carried into the result; the pack ignores unknown keys.
    for name, config in layer.items():
        current = result.get(name, PolicyConfig(None, {}))
        result[name] = PolicyConfig(
            config.enforcement_level or current.enforcement_level,
            {**current.properties, **config.properties},
        )


def _reject_unknown(pack: PackInfo, given: Mapping[str, PolicyConfig], source: str) -> None:
    known = sorted(p.name for p in pack.policies)
    for name, config in given.items():
        if name == ALL:
            continue
        policy = pack.policy(name)
        if policy is None:
            raise PolicyConfigError(
                f"{source}: policy pack {pack.name} has no policy named {name!r} "
                f"(policies: {', '.join(known)})"
            )
        extra = sorted(set(config.properties) - set(policy.config_properties))
        if extra:
            allowed = ", ".join([_LEVEL_KEY, *sorted(policy.config_properties)])
            raise PolicyConfigError(
                f"{source}: policy {name} has no property {extra[0]!r} (allowed: {allowed})"
            )


def _validate(pack: PackInfo, result: Mapping[str, PolicyConfig], source: str) -> None:
    import jsonschema  # here, not above: `check` unpickles PolicyConfig and validates nothing

    problems: list[str] = []
    for policy in pack.policies:
        if not policy.config_properties and not policy.config_required:
            continue
        schema: dict[str, Any] = {"type": "object", "properties": policy.config_properties}
        if policy.config_required:
            schema["required"] = list(policy.config_required)
        validator = jsonschema.Draft7Validator(schema)
        for error in sorted(validator.iter_errors(result[policy.name].properties), key=str):
            where = ".".join(str(p) for p in error.absolute_path)
            problems.append(f"{policy.name}{'.' + where if where else ''}: {error.message}")
    if problems:
        raise PolicyConfigError(f"{source}: " + "; ".join(problems))
