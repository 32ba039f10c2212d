"""IAM condition operators and their combining rules, compiled once per policy.

The rules, from the IAM reference, that naive readings get wrong:
- operators in a Condition block are ANDed, and so are the keys under one operator; only the
  values of one key are ORed;
- a negated operator (StringNotEquals, NotIpAddress, ArnNotLike, ...) is the negation of its
  positive form, so it matches when the key is absent from the request;
- `...IfExists` makes an absent key match; `Null` tests presence itself;
- `ForAllValues:` matches an absent or empty key, `ForAnyValue:` does not.
A positive operator applied to a multi-valued key without a set prefix matches when any request
value matches (IAM documents no set semantics there; this is its observable behaviour).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .arns import arn_like, wildcard_match


class ConditionError(ValueError):
    """A Condition block the evaluator cannot honour; the evaluator adds the statement id."""


Comparator = Callable[[str, str], bool]


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def _in_network(policy_value: str, request_value: str) -> bool:
    try:
        address = ipaddress.ip_address(request_value)
    except ValueError:
        return False  # IAM compares addresses; a request value that is not one never matches
    network = _network(policy_value)
    return address.version == network.version and address in network


def _is_bool_word(text: str) -> bool:
    return text.lower() in ("true", "false")


def _is_network(text: str) -> bool:
    try:
        _network(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Family:
    compare: Comparator
    accepts: Callable[[str], bool] = lambda _value: True
    accepted: str = ""


_POSITIVE: dict[str, _Family] = {
    "StringEquals": _Family(lambda p, r: p == r),
    "StringEqualsIgnoreCase": _Family(lambda p, r: p.casefold() == r.casefold()),
    "StringLike": _Family(wildcard_match),
    "IpAddress": _Family(_in_network, _is_network, "an IPv4/IPv6 address or CIDR"),
    "ArnEquals": _Family(arn_like),
    "ArnLike": _Family(arn_like),
    "Bool": _Family(lambda p, r: p.lower() == r.lower(), _is_bool_word, '"true" or "false"'),
}
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
NULL = "Null"
SET_PREFIXES = ("ForAnyValue", "ForAllValues")
IF_EXISTS = "IfExists"
SUPPORTED_OPERATORS: tuple[str, ...] = (
    "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase",
    "StringLike", "StringNotLike", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike", "Bool", NULL,
)  # fmt: skip

_BY_LOWER_NAME = {name.lower(): name for name in SUPPORTED_OPERATORS}
_PREFIX_BY_LOWER_NAME = {prefix.lower(): prefix for prefix in SET_PREFIXES}


def supported_operators_text() -> str:
    return (
        ", ".join(SUPPORTED_OPERATORS)
        + f"; each but {NULL} also with an {IF_EXISTS} suffix and a "
        + " or ".join(f"{prefix}:" for prefix in SET_PREFIXES)
        + " prefix"
    )


@dataclass(frozen=True)
class Operator:
    name: str  # as written in the policy
    base: str  # canonical positive family, or "Null"
    negated: bool
    if_exists: bool
    set_prefix: str | None


def parse_operator(name: str) -> Operator:
    """Split `ForAllValues:StringNotEqualsIfExists` into its parts, or raise ConditionError."""
    prefix = None
    rest = name
    if ":" in name:
        written_prefix, rest = name.split(":", 1)
        prefix = _PREFIX_BY_LOWER_NAME.get(written_prefix.lower())
        if prefix is None:
            raise ConditionError(
                f"unknown condition set prefix {written_prefix!r} in {name!r}"
                f" (allowed: {', '.join(SET_PREFIXES)})"
            )
    if_exists = rest.lower().endswith(IF_EXISTS.lower()) and rest.lower() != "ifexists"
    canonical = _BY_LOWER_NAME.get(rest[: -len(IF_EXISTS)].lower() if if_exists else rest.lower())
    if canonical is None:
        raise ConditionError(
            f"unknown condition operator {name!r} (supported: {supported_operators_text()})"
        )
    if canonical == NULL and (if_exists or prefix):
        raise ConditionError(f"{name!r}: {NULL} takes neither an {IF_EXISTS} suffix nor a prefix")
    negated = canonical in _NEGATED
    return Operator(
        name=name,
        base=_NEGATED.get(canonical, canonical),
        negated=negated,
        if_exists=if_exists,
        set_prefix=prefix,
    )


def _policy_values(operator: Operator, key: str, raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    values = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str | int | float):
            values.append(str(item))
        else:
            raise ConditionError(
                f"{operator.name} {key!r}: values must be strings, numbers or booleans"
                f" (got {type(item).__name__})"
            )
    if not values:
        raise ConditionError(f"{operator.name} {key!r}: needs at least one value")
    family = _POSITIVE.get(operator.base)
    accepts, accepted = (
        (_is_bool_word, '"true" or "false"')
        if family is None
        else (family.accepts, family.accepted)
    )
    for value in values:
        if not accepts(value):
            raise ConditionError(f"{operator.name} {key!r}: {value!r} is not {accepted}")
    return tuple(values)


@dataclass(frozen=True)
class KeyTest:
    operator: Operator
    key: str  # lower-cased: condition key names are case-insensitive
    values: tuple[str, ...]

    def matches(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        present = context.get(self.key, ())
        op = self.operator
        if op.base == NULL:
            # Null "true" asks for absence, "false" for presence; several values are ORed.
            return any((value.lower() == "true") != bool(present) for value in self.values)
        compare = _POSITIVE[op.base].compare

        def one(request_value: str) -> bool:
            return any(compare(value, request_value) for value in self.values) != op.negated

        if op.set_prefix == "ForAllValues":
            return all(one(value) for value in present)  # vacuously true when absent or empty
        if not present:
            return op.if_exists or (op.negated and op.set_prefix is None)
        if op.set_prefix == "ForAnyValue":
            return any(one(value) for value in present)
        positive = any(compare(value, r) for r in present for value in self.values)
        return positive != op.negated


@dataclass(frozen=True)
class ConditionBlock:
    tests: tuple[KeyTest, ...]

    def matches(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        return all(test.matches(context) for test in self.tests)


def compile_condition(block: object) -> ConditionBlock:
    """Validate a statement's Condition element up front, whatever the request."""
    if block is None:
        return ConditionBlock(())
    if not isinstance(block, Mapping):
        raise ConditionError("Condition must be an object of operator -> {key: value(s)}")
    tests = []
    for name, keys in block.items():
        operator = parse_operator(str(name))
        if not isinstance(keys, Mapping) or not keys:
            raise ConditionError(f"{name}: must be a non-empty object of condition key -> value(s)")
        for key, raw in keys.items():
            tests.append(KeyTest(operator, str(key).lower(), _policy_values(operator, key, raw)))
    return ConditionBlock(tuple(tests))


ContextValue = str | bool | Sequence[str]


def normalise_context(context: Mapping[str, ContextValue]) -> dict[str, tuple[str, ...]]:
    """Lower-cased key -> tuple of string values, as the operators compare them."""
    normalised = {}
    for key, value in context.items():
        if isinstance(value, bool):
            values: tuple[str, ...] = ("true" if value else "false",)
        elif isinstance(value, str):
            values = (value,)
        else:
            values = tuple(value)
        normalised[key.lower()] = values
    return normalised
