"""Wildcard and ARN matching with IAM's rules, and API Gateway's `execute-api:/...` shorthand.

Three flavours of `*`, because IAM has three:
- `wildcard_match` (Action, StringLike): `*` is any run of characters, `?` any one character.
- `resource_matches` (Resource/NotResource): inside one of the first five colon-separated ARN
  segments `*` stays in its segment, unless it ends the segment, where it may run past colons.
- `arn_like` (ArnEquals/ArnLike): each of the six segments is matched on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

SHORTHAND_PREFIX = "execute-api:/"
_ARN_SEGMENTS = 6


# A pattern is policy text (`*` and `?` are wildcards) or, once policy variables are resolved,
# pieces `(text, literal)` where literal text (a variable's value, `${*}`) has no wildcards.
Pattern = str | tuple[tuple[str, bool], ...]


def _pieces(pattern: Pattern) -> tuple[tuple[str, bool], ...]:
    return ((pattern, False),) if isinstance(pattern, str) else pattern


def _translate(pieces: tuple[tuple[str, bool], ...], star: str, one: str) -> str:
    body = []
    for text, literal in pieces:
        if literal:
            body.append(re.escape(text))
            continue
        body.extend(star if c == "*" else one if c == "?" else re.escape(c) for c in text)
    return "".join(body)


def _split(pieces: tuple[tuple[str, bool], ...], maxsplit: int) -> list[tuple[tuple[str, bool], ...]]:
    """The pieces cut at their first `maxsplit` colons (ARN segments), literal or not."""
    segments: list[list[tuple[str, bool]]] = [[]]
    for text, literal in pieces:
        chunks = text.split(":", maxsplit - (len(segments) - 1)) if len(segments) <= maxsplit else [text]
        for index, chunk in enumerate(chunks):
            if index:
                segments.append([])
            if chunk:
                segments[-1].append((chunk, literal))
    return [tuple(segment) for segment in segments]


@lru_cache(maxsize=4096)
def _glob_regex(pattern: Pattern, ignore_case: bool) -> re.Pattern[str]:
    body = _translate(_pieces(pattern), ".*", ".")
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: Pattern, value: str, *, ignore_case: bool = False) -> bool:
    """True when `value` matches `pattern` as a whole, `*` and `?` being wildcards."""
    return _glob_regex(pattern, ignore_case).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _resource_regex(pattern: Pattern) -> re.Pattern[str]:
    segments = _split(_pieces(pattern), _ARN_SEGMENTS - 1)
    parts = []
    for index, segment in enumerate(segments):
        last_segment = index == len(segments) - 1
        pieces = []
        remaining = sum(len(text) for text, _ in segment)
        for text, literal in segment:
            for char in text:
                remaining -= 1
                if literal:
                    pieces.append(re.escape(char))
                elif char == "*":
                    # IAM: "If the * wildcard is the last character of a resource ARN segment,
                    # it can expand to match beyond the colon boundaries."
                    pieces.append(".*" if last_segment or remaining == 0 else "[^:]*")
                elif char == "?":
                    pieces.append("." if last_segment else "[^:]")
                else:
                    pieces.append(re.escape(char))
        parts.append("".join(pieces))
    return re.compile(":".join(parts), re.DOTALL)


def resource_matches(pattern: Pattern, resource: str) -> bool:
    """IAM Resource-element matching of one (already expanded) pattern against a resource ARN."""
    return _resource_regex(pattern).fullmatch(resource) is not None


def resource_matcher(pattern: Pattern) -> Callable[[str], object]:
    """`resource_matches` with the pattern compiled once: truthy when it covers a resource."""
    return _resource_regex(pattern).fullmatch


def arn_like(pattern: Pattern, value: str) -> bool:
    """ArnLike/ArnEquals: both sides need six segments; each segment is matched separately."""
    pattern_segments = _split(_pieces(pattern), _ARN_SEGMENTS - 1)
    value_segments = value.split(":", _ARN_SEGMENTS - 1)
    if len(pattern_segments) != _ARN_SEGMENTS or len(value_segments) != _ARN_SEGMENTS:
        return False
    return all(map(wildcard_match, pattern_segments, value_segments))


@dataclass(frozen=True)
class ExecuteApiArn:
    partition: str
    region: str
    account: str
    api_id: str  # "" for a private custom domain, whose ARN is `...:<account>:/domainnames/...`
    path: str  # "/<stage>/<METHOD>/<resource path>", "/domainnames/<name>+<id>", or ""

    @property
    def api_arn(self) -> str:
        return f"arn:{self.partition}:execute-api:{self.region}:{self.account}:{self.api_id}"


_EXECUTE_API_ARN = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):execute-api:(?P<region>[^:]+):(?P<account>[^:]+)"
    r":(?P<api_id>[^:/]*)(?P<path>/.*)?",
    re.DOTALL,
)


def parse_execute_api_arn(arn: str) -> ExecuteApiArn | None:
    """The parts of an execute-api ARN, or None when `arn` is not one."""
    match = _EXECUTE_API_ARN.fullmatch(arn)
    if match is None or not (match["api_id"] or match["path"]):
        return None
    return ExecuteApiArn(
        partition=match["partition"],
        region=match["region"],
        account=match["account"],
        api_id=match["api_id"],
        path=match["path"] or "",
    )


def expand_resource(pattern: str, request_resource: str) -> str | None:
    """A Resource value as API Gateway stores it.

    API Gateway rewrites `execute-api:/<stage>/<METHOD>/<path>` to the ARN of the API the policy
    is attached to; the request is for that API, so its ARN supplies region, account and id. On a
    private custom domain `execute-api:/*` likewise becomes `arn:...:<account>:/*`, which covers
    the domain's ARN `arn:...:<account>:/domainnames/<name>+<id>`.
    Returns None when the shorthand cannot apply (the request is not for an execute-api ARN).
    """
    if not pattern.startswith(SHORTHAND_PREFIX):
        return pattern
    target = parse_execute_api_arn(request_resource)
    if target is None:
        return None
    return target.api_arn + pattern[len(SHORTHAND_PREFIX) - 1 :]
