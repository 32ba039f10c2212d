"""IAM policy variables (`${aws:SourceVpce}`, `${aws:username, 'default'}`, `${*}`), compiled once.

From the IAM reference (reference_policies_variables):
- "Variables were introduced in version 2012-10-17 ... If you don't include the Version element
  and set it to an appropriate version date, variables like ${aws:username} are treated as
  literal strings in the policy."
- "You can use policy variables in the Resource element and in string comparisons in the
  Condition element" (string and ARN operators; not Numeric, Date, Bool, IP address or Null),
  and in a Resource "only in the resource portion of the ARN ... after the fifth colon".
- A key that is not in the request "is not present ... any attempt to match it fails", and a
  multivalued key cannot be a variable; `${key, 'default'}` supplies the text to use instead.
- `${*}`, `${?}` and `${$}` stand for a literal `*`, `?` and `$`.

A compiled value is a plain string when it holds no variable (the common case stays as fast as
before) or a Template, which resolves against one request into pieces `(text, literal)`:
policy text keeps its wildcards, text that came from the request or an escape never has any.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

SUBSTITUTING_VERSION = "2012-10-17"
ESCAPES = {"*": "*", "?": "?", "$": "$"}

Piece = tuple[str, bool]  # (text, literal): literal text is matched character for character
Pieces = tuple[Piece, ...]


@dataclass(frozen=True)
class Variable:
    key: str  # lower-cased: condition key names are case-insensitive
    default: str | None
    written: str  # as in the policy, for explanations

    def value(self, singles: Mapping[str, str]) -> str | None:
        found = singles.get(self.key)
        return found if found is not None else self.default


@dataclass(frozen=True)
class Template:
    """A policy string with at least one `${...}`; `parts` alternate text and variables."""

    text: str
    parts: tuple[str | Variable, ...]

    @property
    def variables(self) -> tuple[Variable, ...]:
        return tuple(part for part in self.parts if isinstance(part, Variable))

    def resolve(self, singles: Mapping[str, str]) -> Pieces | None:
        """The pieces for one request, or None when a variable has no value and no default."""
        pieces: list[Piece] = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append((part, False))
                continue
            value = part.value(singles)
            if value is None:
                return None
            pieces.append((value, True))
        return tuple(pieces)


def _variable(inner: str, written: str) -> str | Variable:
    if inner in ESCAPES:
        return Variable(key="", default=ESCAPES[inner], written=written)
    name, comma, rest = inner.partition(",")
    default = None
    rest = rest.strip()
    if comma and len(rest) >= 2 and rest[0] == rest[-1] == "'":
        default = rest[1:-1].replace("''", "'")  # '' is how a default spells one quote
    return Variable(key=name.strip().lower(), default=default, written=written)


def compile_value(text: str) -> str | Template:
    """`text` itself when it holds no `${...}`, else its Template."""
    if "${" not in text:
        return text
    parts: list[str | Variable] = []
    literal_start = index = 0
    while True:
        start = text.find("${", index)
        end = text.find("}", start + 2) if start >= 0 else -1
        if start < 0 or end < 0:
            break  # an unclosed `${` is ordinary text
        parts.append(text[literal_start:start])
        parts.append(_variable(text[start + 2 : end], text[start : end + 1]))
        literal_start = index = end + 1
    parts.append(text[literal_start:])
    return Template(text, tuple(part for part in parts if part != ""))


def literal_text(pieces: Pieces) -> str:
    return "".join(text for text, _literal in pieces)
