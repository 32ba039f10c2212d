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
In a 2012-10-17 policy the values of string and ARN operators may hold policy variables
(variables.py): a value whose variable has no value never matches, so a positive test falls back
on its other values and a negated test does not hold at all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .arns import Pattern, arn_like, wildcard_match
from .variables import Template, compile_value, literal_text


class ConditionError(ValueError):
    """A Condition block the evaluator cannot honour; the evaluator adds the statement id."""


Comparator = Callable[..., bool]  # (policy value or resolved pieces, request value)


@lru_cache(maxsize=4096)
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


@lru_cache(maxsize=4096)
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _in_network(policy_value: str, request_value: str) -> bool:
    address = _address(request_value)
    if address is None:
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


def _text(pattern: Pattern) -> str:
    return pattern if isinstance(pattern, str) else literal_text(pattern)


_POSITIVE: dict[str, _Family] = {
    "StringEquals": _Family(lambda p, r: (p if p.__class__ is str else _text(p)) == r),
    "StringEqualsIgnoreCase": _Family(lambda p, r: _text(p).casefold() == r.casefold()),
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


# Families whose values may hold policy variables: "string comparisons ... string operators or
# the ARN operators" (IAM reference, policy variables); never Bool, IpAddress or Null.
SUBSTITUTING_FAMILIES = ("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike")

PolicyValue = str | Template


def _policy_values(
    operator: Operator, key: str, raw: object, substitute: bool
) -> tuple[PolicyValue, ...]:
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
    if substitute and operator.base in SUBSTITUTING_FAMILIES:
        return tuple(compile_value(value) for value in values)
    return tuple(values)


@dataclass(frozen=True)
class RequestContext:
    """A request's condition context as the operators read it."""

    values: Mapping[str, tuple[str, ...]]  # lower-cased key -> its values
    singles: Mapping[str, str]  # the single-valued keys, the only ones a policy variable reads


@dataclass(frozen=True)
class Outcome:
    """One key test against one request, in words: what `pipeline access` prints."""

    operator: str
    key: str  # as written in the policy
    policy_values: tuple[str, ...]  # after substitution; an unresolved variable stays as written
    request_values: tuple[str, ...] | None  # None: the key is absent from the request
    matched: bool
    reason: str


@dataclass(frozen=True)
class KeyTest:
    operator: Operator
    key: str  # lower-cased: condition key names are case-insensitive
    values: tuple[PolicyValue, ...]
    written_key: str = ""
    plain: bool = True  # no policy variable among the values: nothing to resolve per request

    def _resolutions(self, context: RequestContext) -> list[tuple[PolicyValue, Pattern | None]]:
        """Each policy value with what it compares as here (None: a variable has no value)."""
        return [
            (value, value if isinstance(value, str) else value.resolve(context.singles))
            for value in self.values
        ]

    def _resolved(self, context: RequestContext) -> tuple[Sequence, bool]:
        """The comparable values for this request, and whether a variable had no value."""
        if self.plain:
            return self.values, False
        resolutions = [pattern for _value, pattern in self._resolutions(context)]
        # "any attempt to match it fails": an unresolved value is reported, not compared
        return [p for p in resolutions if p is not None], None in resolutions

    def matches(self, context: RequestContext) -> bool:
        present = context.values.get(self.key, ())
        op = self.operator
        if op.base == NULL:
            # Null "true" asks for absence, "false" for presence; several values are ORed.
            return any((value.lower() == "true") != bool(present) for value in self.values)
        if op.set_prefix == "ForAllValues" and not present:
            return True  # vacuously true when absent or empty
        if not present:
            return op.if_exists or (op.negated and op.set_prefix is None)
        compare = _POSITIVE[op.base].compare
        values, unresolved = self._resolved(context)

        def one(request_value: str) -> bool:
            positive = any(compare(value, request_value) for value in values)
            # A negated test holds only when every policy value could be compared and none matched.
            return (not positive and not unresolved) if op.negated else positive

        if op.set_prefix == "ForAllValues":
            return all(one(value) for value in present)
        if op.set_prefix == "ForAnyValue":
            return any(one(value) for value in present)
        positive = any(compare(value, r) for r in present for value in values)
        return (not positive and not unresolved) if op.negated else positive

    def outcome(self, context: RequestContext) -> Outcome:
        present = context.values.get(self.key)
        matched = self.matches(context)
        op = self.operator
        shown = []
        missing = []
        for value, pattern in self._resolutions(context):
            if isinstance(value, str):
                shown.append(value)
            elif pattern is None:
                shown.append(value.text)
                missing.extend(v.written for v in value.variables if v.value(context.singles) is None)
            else:
                shown.append(literal_text(pattern))
        key = self.written_key or self.key
        if op.base == NULL:
            state = "absent" if not present else "present"
            reason = f"{key} is {state}"
        elif not present:
            if op.set_prefix == "ForAllValues":
                how = "ForAllValues matches an absent or empty key"
            elif op.if_exists:
                how = "IfExists matches an absent key"
            elif op.negated and op.set_prefix is None:
                how = "a negated operator matches an absent key"
            elif op.set_prefix == "ForAnyValue":
                how = "ForAnyValue never matches an absent key"
            else:
                how = "a positive operator never matches an absent key"
            reason = f"{key} is absent from the request: {how}"
        else:
            listed = ", ".join(repr(v) for v in present)
            verdict = "holds" if matched else "fails"
            reason = f"request {key} = {listed}: {op.name} {verdict}"
        if missing:
            reason += (
                f"; {', '.join(dict.fromkeys(missing))} has no value in the request and no"
                " default, so that value never matches"
            )
        return Outcome(
            operator=op.name,
            key=key,
            policy_values=tuple(shown),
            request_values=None if present is None else tuple(present),
            matched=matched,
            reason=reason,
        )


@dataclass(frozen=True)
class ConditionBlock:
    tests: tuple[KeyTest, ...]

    def matches(self, context: RequestContext) -> bool:
        return all(test.matches(context) for test in self.tests)

    def outcomes(self, context: RequestContext) -> tuple[Outcome, ...]:
        return tuple(test.outcome(context) for test in self.tests)


def compile_condition(block: object, *, substitute: bool = True) -> ConditionBlock:
    """Validate a statement's Condition element up front, whatever the request.

    `substitute`: whether policy variables are live (Version 2012-10-17) or literal text.
    """
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
            values = _policy_values(operator, key, raw, substitute)
            plain = all(isinstance(value, str) for value in values)
            tests.append(KeyTest(operator, str(key).lower(), values, str(key), plain))
    return ConditionBlock(tuple(tests))


ContextValue = str | bool | Sequence[str]


def normalise_context(context: Mapping[str, ContextValue]) -> RequestContext:
    """Lower-cased key -> tuple of string values, as the operators compare them; a key given as
    a list is multivalued, and "you can't use a multivalued context key as a policy variable"."""
    normalised: dict[str, tuple[str, ...]] = {}
    singles: dict[str, str] = {}
    for key, value in context.items():
        if isinstance(value, bool):
            values: tuple[str, ...] = ("true" if value else "false",)
            singles[key.lower()] = values[0]
        elif isinstance(value, str):
            values = (value,)
            singles[key.lower()] = value
        else:
            values = tuple(value)
        normalised[key.lower()] = values
    return RequestContext(normalised, singles)
