"""Which `namespace:key` entries a stack file may hold. A key outside them is a typo that Pulumi
would pass to nobody (`gatehose:services`, `aws:regoin`), so it is an error, not ignored."""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Iterable
from pathlib import Path

from stack_config.errors import ConfigError
from stack_config.suggest import did_you_mean

PROJECT = "gatehouse"
# `pulumi:` holds the engine's own settings (pulumi:tags, pulumi:disable-default-providers, ...).
OPEN_NAMESPACES = ("pulumi",)


@functools.cache
def aws_provider_keys() -> frozenset[str]:
    """The provider's config keys, read from pulumi_aws's generated config module (not imported:
    importing pulumi_aws costs seconds)."""
    spec = importlib.util.find_spec("pulumi_aws")
    if spec is None or spec.origin is None:
        return frozenset()
    text = (Path(spec.origin).parent / "config" / "vars.py").read_text()
    return frozenset(re.findall(r"__config__\.get\w*\('([A-Za-z0-9]+)'\)", text))


def check_namespaces(keys: Iterable[str], stack_file: str) -> None:
    namespaces = (PROJECT, "aws", *OPEN_NAMESPACES)
    for key in keys:
        namespace, _, name = key.partition(":")
        if namespace not in namespaces or not name:
            hint = did_you_mean(key, [f"{ns}:{name}" for ns in namespaces]) if name else ""
            raise ConfigError(
                stack_file, key,
                f"is not in a namespace this project reads{hint} (namespaces: {', '.join(namespaces)})",
            )
        aws_keys = aws_provider_keys()
        if namespace == "aws" and aws_keys and name not in aws_keys:
            hint = did_you_mean(key, [f"aws:{k}" for k in aws_keys])
            raise ConfigError(stack_file, key, f"is not a setting of the AWS provider{hint}")
