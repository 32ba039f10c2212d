"""Stack files parsed the way the Pulumi CLI parses them, or one ConfigError naming file and line.

The CLI reads Pulumi.<stack>.yaml with Go's yaml.v3, which implements YAML 1.2: only
`true`/`false` are booleans (`yes`, `on`, `y` stay strings), `1:20` is a string, and a
timestamp-looking value decoded into an untyped map stays a string. PyYAML's SafeLoader is
YAML 1.1, so without this loader `privateDns: yes` would be `True` here and the string "yes" at
`pulumi up`, and `2024-01-01` would become a date that the engine's JSON config cannot carry.
yaml.v3 also rejects a repeated key ("mapping key ... already defined"), where PyYAML keeps the
last one silently.
"""

from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import yaml

from stack_config.errors import ConfigError

_YAML_1_1_ONLY = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                  "tag:yaml.org,2002:timestamp"}

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class StackFileLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core scalars and no duplicate keys."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in _YAML_1_1_ONLY]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                repeated = key in seen
            except TypeError:  # an unhashable key: SafeConstructor reports it
                break
            if repeated:
                raise yaml.constructor.ConstructorError(
                    None, None, f"repeats the key {key!r} (first at line {seen[key].start_mark.line + 1})",
                    key_node.start_mark,
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    return int(text, 16) if text.startswith("0x") else int(text, 10)


StackFileLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
StackFileLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
StackFileLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
StackFileLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


# Aliases share one parsed object, but the engine's config is JSON: a few nested aliases expand
# to billions of values ("billion laughs"). yaml.v3 refuses "excessive aliasing"; so do we.
MAX_EXPANDED_VALUES = 100_000


def parse_yaml(text: str, file_name: str) -> Any:
    """The document in `text`; a syntax error names `file_name` and the line, in one line.

    A copy of the document parsed from the same text before, if there was one: check, verify
    and the automation read the same few stack files many times in one run, and PyYAML's
    parser takes ~5 ms for a shipped stack file where copying the result takes ~0.06 ms.
    Callers may change what they are given. Errors are not kept: each names its own file."""
    try:
        document, too_many = _parsed(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(part for part in (error.context, error.problem) if part)
        line = mark.line + 1 if mark is not None else None
        raise ConfigError(file_name, None, f"is not valid YAML: {problem}", line=line) from None
    except yaml.YAMLError as error:
        raise ConfigError(file_name, None, f"is not valid YAML: {' '.join(str(error).split())}") from None
    if too_many:
        raise ConfigError(file_name, None, f"expands to more than {MAX_EXPANDED_VALUES} values through aliases")
    return copy.deepcopy(document)


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[Any, bool]:
    """The document and whether it expands beyond MAX_EXPANDED_VALUES; YAML errors propagate."""
    document = yaml.load(text, Loader=StackFileLoader)  # noqa: S506 - a SafeLoader subclass
    return document, _expands_beyond(document, MAX_EXPANDED_VALUES)


def _expands_beyond(document: Any, limit: int) -> bool:
    count, stack = 0, [document]
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


def read_yaml_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(path.name, None, f"is not UTF-8 text (byte {error.start})") from None
    return parse_yaml(text, path.name)
