"""A small evaluator for the GitHub Actions expressions our `if:` conditions use.

Enough of the language to run the workflows' conditions against sample events: literals,
context paths (with the `.*.` object filter), `!`, `==`, `!=`, `&&`, `||`, parentheses,
`contains()` and `format()`. String comparison is case-insensitive, as on GitHub. Anything else
raises, so a condition that grows beyond this subset fails loudly instead of being evaluated
wrongly. `interpolate` renders a value with `${{ }}` inside it (a concurrency group, an
environment name) the way GitHub does.
"""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<op>&&|\|\||==|!=|!|\(|\)|,)|(?P<name>[A-Za-z_][\w\-]*(?:\.(?:\*|[\w\-]+))*))"
)
_FUNCTIONS = {"contains", "format"}
_EMBEDDED = re.compile(r"\$\{\{(.*?)\}\}")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ValueError(f"unsupported expression syntax at {text[position:]!r}")
        kind = match.lastgroup
        tokens.append((kind, match[kind]))
        position = match.end()
    return tokens


def _lookup(context: dict[str, Any], path: str) -> Any:
    values: Any = context
    mapped = False
    for part in path.split("."):
        if part == "*":
            mapped = True
            continue
        if mapped:
            values = [item.get(part) if isinstance(item, dict) else None for item in values or []]
        else:
            values = values.get(part) if isinstance(values, dict) else None
    return values


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    return left == right


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def _text(value: Any) -> str:
    """How GitHub turns a value into a string inside `format()` or `${{ }}`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _format(template: Any, *args: Any) -> str:
    # `{0}` placeholders, `{{` and `}}` for literal braces, as in GitHub's format().
    def replace(match: re.Match[str]) -> str:
        if match[0] in ("{{", "}}"):
            return match[0][0]
        return _text(args[int(match[1])])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", replace, _text(template))


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_equal(item, needle) for item in haystack)
    if isinstance(haystack, str) and isinstance(needle, str):
        return needle.casefold() in haystack.casefold()
    return False


class _Parser:
    def __init__(self, text: str, context: dict[str, Any]):
        self.tokens = _tokens(text)
        self.index = 0
        self.context = context

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _take(self, value: str | None = None) -> tuple[str, str]:
        token = self._peek()
        if token is None or (value is not None and token[1] != value):
            raise ValueError(f"expected {value or 'a token'}, got {token}")
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self._or()
        if self._peek() is not None:
            raise ValueError(f"unexpected {self._peek()}")
        return value

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == ("op", "||"):
            self._take()
            right = self._and()
            value = value if _truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._equality()
        while self._peek() == ("op", "&&"):
            self._take()
            right = self._equality()
            value = right if _truthy(value) else value
        return value

    def _equality(self) -> Any:
        value = self._unary()
        while self._peek() in (("op", "=="), ("op", "!=")):
            operator = self._take()[1]
            right = self._unary()
            value = _equal(value, right) if operator == "==" else not _equal(value, right)
        return value

    def _unary(self) -> Any:
        if self._peek() == ("op", "!"):
            self._take()
            return not _truthy(self._unary())
        return self._primary()

    def _primary(self) -> Any:
        kind, value = self._take()
        if (kind, value) == ("op", "("):
            inner = self._or()
            self._take(")")
            return inner
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if kind == "number":
            return float(value) if "." in value else int(value)
        if kind != "name":
            raise ValueError(f"unexpected {value!r}")
        if value in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[value]
        if self._peek() == ("op", "("):
            if value not in _FUNCTIONS:
                raise ValueError(f"unsupported function {value}()")
            self._take("(")
            args = [self._or()]
            while self._peek() == ("op", ","):
                self._take()
                args.append(self._or())
            self._take(")")
            if value == "contains":
                if len(args) != 2:
                    raise ValueError("contains() takes two arguments")
                return _contains(*args)
            return _format(*args)
        return _lookup(self.context, value)


def value_of(expression: str, context: dict[str, Any]) -> Any:
    """The value of one expression, with or without `${{ }}` around it."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}") and text.count("${{") == 1:
        text = text[3:-2]
    return _Parser(text, context).parse()


def evaluate(condition: str, context: dict[str, Any]) -> bool:
    """Whether a job or step `if:` holds; `${{ }}` around it is optional, as on GitHub."""
    return _truthy(value_of(condition, context))


def interpolate(template: str, context: dict[str, Any]) -> str:
    """A string with embedded `${{ }}` expressions, rendered as GitHub renders it."""
    return _EMBEDDED.sub(lambda match: _text(_Parser(match[1], context).parse()), template)
