"""What AWS accepts for a value, offline: botocore's service models, narrowed by aws_documented.

botocore ships every service's API model (`botocore/data/<service>/<version>/service-2.json.gz`):
for each request member its type, enum, min/max and pattern. They are read here straight from
those files, once per service and process: `botocore.loaders` reads the same files but its
import pulls in urllib3 and http.client (about 0.2 s), paid on every `check` and every program
run; tests/test_stack_config.py proves the two readings agree. The few members used are kept in
a small cache per botocore version (model_cache.py), so a run loads no model at all (ec2's alone
costs 0.1 s of CPU).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import importlib.util
import json
import math
import re
from pathlib import Path
from typing import Any

from stack_config import model_cache
from stack_config.aws_documented import DOCUMENTED
from stack_config.suggest import did_you_mean


@functools.cache
def _data_dir() -> Path:
    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        raise RuntimeError("botocore is not installed: it carries the AWS service models check validates against")
    return Path(spec.origin).parent / "data"


@functools.cache
def service_model(service: str) -> dict[str, Any]:
    """The newest API version of `service`'s model, as botocore.loaders would pick it."""
    service_dir = _data_dir() / service
    versions = sorted(p.name for p in service_dir.iterdir() if (p / "service-2.json.gz").exists() or (p / "service-2.json").exists())
    latest = service_dir / versions[-1]
    compressed = latest / "service-2.json.gz"
    if compressed.exists():
        return json.loads(gzip.decompress(compressed.read_bytes()))
    return json.loads((latest / "service-2.json").read_text())


@functools.cache
def regions() -> dict[str, str]:
    """Every Region botocore knows → its partition (aws, aws-cn, aws-us-gov, ...)."""
    partitions = json.loads((_data_dir() / "partitions.json").read_text())["partitions"]
    return {
        region: partition["id"]
        for partition in partitions
        for region in partition.get("regions", {})
        if not region.endswith("-global")
    }


@dataclasses.dataclass(frozen=True)
class Allowed:
    """The values one AWS API member accepts."""

    source: str
    """Where the rule comes from: `lambda MemorySize`, plus the doc page when the table narrowed it."""
    type: str
    enum: tuple[Any, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None
    item: Allowed | None = None
    """For a list: what each item must be."""
    documented: str | None = None
    """The doc page that narrowed botocore's rule (aws_documented.py), if any."""
    what: str | None = None

    def problem(self, value: Any) -> str | None:
        """Why AWS would reject `value`, or None. Numbers from the engine's wire form are floats."""
        if self.type == "list":
            items = value if isinstance(value, list) else [value]
            if not isinstance(value, list) and self.item is None:
                return "must be a list"
            for item in items:
                found = self.item.problem(item) if self.item else None
                if found:
                    return found
            return None
        if self.type in ("integer", "long"):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value != int(value):
                return f"must be a whole number ({self.describe()})"
            value = int(value)
        elif self.type in ("double", "float"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"must be a number ({self.describe()})"
        elif self.type == "boolean":
            return None if isinstance(value, bool) else "must be true or false"
        elif self.type == "string":
            if not isinstance(value, str):
                return f"must be a string ({self.describe()})"
        else:
            return None
        if self.enum is not None and value not in self.enum:
            hint = did_you_mean(value, [str(v) for v in self.enum]) if isinstance(value, str) else ""
            return f"must be {self.describe()}{hint}"
        size = len(value) if isinstance(value, str) else value
        if (self.minimum is not None and size < self.minimum) or (self.maximum is not None and size > self.maximum):
            return f"must be {self.describe()}"
        if self.pattern and isinstance(value, str) and _compiled(self.pattern) and not _compiled(self.pattern).search(value):
            return f"must match {self.pattern}"
        return None

    def describe(self) -> str:
        if self.type == "list" and self.item is not None:
            return self.item.describe()
        if self.enum is not None:
            return (f"{self.what}: " if self.what else "") + "one of " + ", ".join(str(v) for v in self.enum)
        unit = " characters" if self.type == "string" else ""
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum} to {self.maximum}{unit}"
        if self.minimum is not None:
            return f"at least {self.minimum}{unit}"
        if self.maximum is not None:
            return f"at most {self.maximum}{unit}"
        return f"a {self.type}"


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    # Smithy patterns are ECMA-262 and unanchored; the few Python cannot compile are skipped
    # (AWS still checks them at deploy).
    try:
        return re.compile(pattern)
    except re.error:
        return None


def _spec_of(model: dict[str, Any], shape_name: str) -> dict[str, Any]:
    """The facts of one shape this module uses, with a list's item shape inlined."""
    spec = model["shapes"][shape_name]
    facts = {k: spec[k] for k in ("type", "enum", "min", "max", "pattern") if k in spec}
    facts["shape"] = shape_name
    if spec["type"] == "list":
        facts["item"] = _spec_of(model, spec["member"]["shape"])
    return facts


def _allowed(service: str, facts: dict[str, Any]) -> Allowed:
    """botocore's facts for a shape, narrowed by the documented table where it has an entry."""
    item = _allowed(service, facts["item"]) if "item" in facts else None
    enum = tuple(facts["enum"]) if "enum" in facts else None
    minimum, maximum = facts.get("min"), facts.get("max")
    documented = DOCUMENTED.get((service, facts["shape"]))
    if documented is not None:
        enum = documented.enum if documented.enum is not None else enum
        minimum = documented.minimum if documented.minimum is not None else minimum
        maximum = documented.maximum if documented.maximum is not None else maximum
    source = f"{service} {facts['shape']}" + (f", {documented.source}" if documented else "")
    return Allowed(source, facts["type"], enum, minimum, maximum, facts.get("pattern"), item,
                   documented.source if documented else None, documented.what if documented else None)


@functools.cache
def shape(service: str, shape_name: str) -> Allowed:
    """botocore's rules for one shape, narrowed by the documented table where it has an entry."""
    model = service_model(service)
    if shape_name not in model["shapes"]:
        raise KeyError(f"botocore's {service} model has no shape {shape_name}")
    return _allowed(service, _spec_of(model, shape_name))


def _member_facts(service: str, operation: str, path: str) -> dict[str, Any]:
    key = f"{service} {operation} {path}"
    cached = model_cache.lookup(key)
    if cached is not None:
        return cached
    model = service_model(service)
    shape_name = model["operations"][operation]["input"]["shape"]
    for part in path.split("."):
        spec = model["shapes"][shape_name]
        while spec["type"] == "list":
            shape_name = spec["member"]["shape"]
            spec = model["shapes"][shape_name]
        if spec["type"] != "structure" or part not in spec["members"]:
            raise KeyError(f"botocore's {service} {operation} has no member {path} ({part} missing in {shape_name})")
        shape_name = spec["members"][part]["shape"]
    facts = _spec_of(model, shape_name)
    model_cache.store(key, facts)
    return facts


@functools.cache
def member(service: str, operation: str, path: str) -> Allowed:
    """The rules for `path` (`endpointConfiguration.types`) inside `operation`'s request.

    Raises KeyError when the model has no such member: a mapping typo, or a model that moved.
    """
    found = _allowed(service, _member_facts(service, operation, path))
    documented = DOCUMENTED.get((service, f"{operation}.{path}"))
    if documented is not None:
        found = dataclasses.replace(
            found,
            enum=documented.enum if documented.enum is not None else found.enum,
            minimum=documented.minimum if documented.minimum is not None else found.minimum,
            maximum=documented.maximum if documented.maximum is not None else found.maximum,
            documented=documented.source,
            what=documented.what or found.what,
        )
    source = f"{service} {operation} {path}" + (f", {found.documented}" if found.documented else "")
    return dataclasses.replace(found, source=source)
