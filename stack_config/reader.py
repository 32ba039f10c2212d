"""A strict reader over one config object: it knows the object's keys, so a key it does not know
is reported first, with "did you mean …" — never as a confusing "<the right key> is required".

Each method names the full key (`gatehouse:customDomain.mode`) and the stack file in its error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from stack_config.aws_values import Allowed
from stack_config.errors import ConfigError
from stack_config.suggest import did_you_mean

T = TypeVar("T")
_MISSING = object()


class ObjectReader:
    def __init__(self, value: Any, key: str, stack_file: str, known: Sequence[str] | None = None):
        """`known`: the object's keys, so an unknown one is reported before anything is read.
        Without it, unknown keys are found by `done()` (after the reads)."""
        if not isinstance(value, Mapping):
            raise ConfigError(stack_file, key, f"must be an object (got {_describe(value)})")
        self._value = value
        self._key = key
        self._stack_file = stack_file
        self._known = tuple(known) if known is not None else None
        self._seen: set[str] = set()
        if self._known is not None:
            for name in value:
                if name not in self._known:
                    raise self._unknown(str(name), self._known)

    def _unknown(self, name: str, allowed: Sequence[str]) -> ConfigError:
        return self.error(
            name, f"is not a known key{did_you_mean(name, allowed)} (allowed here: {', '.join(sorted(allowed))})"
        )

    def key(self, name: str) -> str:
        return f"{self._key}.{name}" if self._key else name

    def error(self, name: str, problem: str) -> ConfigError:
        return self.error_at(self.key(name), problem)

    def error_at(self, full_key: str, problem: str) -> ConfigError:
        return ConfigError(self._stack_file, full_key, problem)

    def has(self, name: str) -> bool:
        return name in self._value

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if self._known is not None and name not in self._known:
            raise KeyError(f"{self.key(name)} is read but not declared among this object's keys {self._known}")
        self._seen.add(name)
        if name in self._value and self._value[name] is not None:
            return self._value[name]
        if default is _MISSING:
            raise self.error(name, "is required")
        return default

    def string(self, name: str, default: Any = _MISSING, allowed: Sequence[str] = ()) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str) or not value.strip():
            raise self.error(name, f"must be a non-empty string (got {_describe(value)})")
        if allowed and value not in allowed:
            raise self.error(name, f"must be one of {', '.join(allowed)} (got {value!r}){did_you_mean(value, allowed)}")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false (got {_describe(value)})")
        return value

    def integer(
        self, name: str, default: Any = _MISSING, minimum: int | None = None, maximum: int | None = None
    ) -> Any:
        value = self.raw(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be a whole number (got {_describe(value)})")
        if minimum is not None and value < minimum:
            raise self.error(name, f"must be at least {minimum} (got {value})")
        if maximum is not None and value > maximum:
            raise self.error(name, f"must be at most {maximum} (got {value})")
        return value

    def aws(self, name: str, allowed: Allowed, default: Any = _MISSING) -> Any:
        """A value AWS itself constrains: checked against its API model (and documented table)."""
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value
        if allowed.type in ("integer", "long") and (isinstance(value, bool) or not isinstance(value, int)):
            # AWS's wire form would accept 256.0; a stack file says what it means: 256.
            raise self.error(name, f"must be a whole number ({allowed.describe()}) (got {_describe(value)})")
        problem = allowed.problem(value)
        if problem:
            raise self.error(name, f"{problem} (got {_describe(value)}; AWS: {allowed.source})")
        return value

    def items(self, name: str, default: Any = _MISSING) -> list[tuple[str, Any]]:
        """A list value, as (indexed key, item) pairs."""
        value = self.raw(name, default)
        if not isinstance(value, list):
            raise self.error(name, f"must be a list (got {_describe(value)})")
        return [(f"{self.key(name)}[{i}]", item) for i, item in enumerate(value)]

    def strings(self, name: str, check: Callable[[str, str], T] | None = None) -> tuple[T, ...]:
        result = []
        for key, item in self.items(name, []):
            if not isinstance(item, str) or not item.strip():
                raise self.error_at(key, f"must be a string (got {_describe(item)})")
            result.append(check(key, item) if check else item)
        return tuple(result)

    def cidr(self, key: str, value: str) -> str:
        """A CIDR block, normalised; a host-bits-set value is an error, not silently widened."""
        try:
            return str(ipaddress.ip_network(value, strict=True))
        except ValueError:
            raise self.error_at(key, f"must be a CIDR block such as 10.20.0.0/16 (got {value!r})") from None

    def cidrs(self, name: str) -> tuple[str, ...]:
        return self.strings(name, self.cidr)

    def child(self, name: str, default: Any = _MISSING, *, known: Sequence[str] | None = None) -> ObjectReader:
        return ObjectReader(self.raw(name, default), self.key(name), self._stack_file, known)

    def child_of(self, key: str, value: Any, *, known: Sequence[str] | None = None) -> ObjectReader:
        return ObjectReader(value, key, self._stack_file, known)

    def done(self, why: str = "") -> None:
        """Reject keys nobody read: a typo must not silently fall back to a default, and a known
        key that is present but unused (`domainName` with mode none) has no effect."""
        unread = sorted(set(self._value) - self._seen, key=str)
        if not unread:
            return
        if self._known is None:
            raise self._unknown(str(unread[0]), sorted(self._seen))
        raise self.error(str(unread[0]), f"has no effect {why or 'here'}: remove it")


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"
