"""The resources a scenario's caller asks for: every route and stage of the API, and every method,
stage and path the policy's own Resource/NotResource patterns name.

One fixed probe (`live/GET/health`) let a policy that leaves one method, one path or one stage
open pass. The probes here exercise each statement's scope: the API's routes on each of its
stages, every HTTP method on each stage, and an instance of each pattern (its literal stage,
method and path; its wildcards filled in). Probes that no Resource/NotResource value can tell
apart get the same answer from the policy, so only one of each kind is kept: the count stays
small however many routes the API has.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .arns import (
    SHORTHAND_PREFIX,
    expand_resource,
    resource_matcher,
    resource_matches,
    wildcard_match,
)
from .model import Resource, as_list, refers_to
from .rules.unknowns import is_unknown

REST_API = "aws:apigateway/restApi:RestApi"
API_RESOURCE = "aws:apigateway/resource:Resource"
METHOD = "aws:apigateway/method:Method"
STAGE = "aws:apigateway/stage:Stage"
SURFACE_TYPES = (STAGE, API_RESOURCE, METHOD)  # what api_surface reads besides the API itself
# What a caller can send; `ANY` in a Method is all of them.
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_ROUTE = ("GET", "/health")
_PATH_PARAMETER = re.compile(r"\{[^}/]+\+\}|\{[^}/]+\}")
_FILL = "probe"  # stands for what a `*` in a path covers


@dataclass(frozen=True)
class Surface:
    """What an API serves: its stage names and routes (`("GET", "/orders/{id}")`)."""

    stages: tuple[str, ...] = ()
    routes: tuple[tuple[str, str], ...] = ()


def _text(value: object) -> str | None:
    """A known, non-empty string prop (in a preview the ids of new resources are unknown)."""
    return value if isinstance(value, str) and value and not is_unknown(value) else None


def _resource_path(
    node: Resource, by_id: Mapping[str, Resource], seen: dict[int, str | None], depth: int = 0
) -> str | None:
    """The node's `path` output, else its pathParts joined up to the root (known in a preview)."""
    if id(node) in seen:
        return seen[id(node)]
    path = _text(node.props.get("path"))
    part, parent = _text(node.props.get("pathPart")), _text(node.props.get("parentId"))
    if path is None and part is not None and depth <= 50:
        above = by_id.get(parent) if parent else None
        prefix = _resource_path(above, by_id, seen, depth + 1) if above else ""
        path = None if prefix is None else f"{prefix.rstrip('/')}/{part}"
    seen[id(node)] = path
    return path


def _of_api(resource: Resource, api: Resource, api_id: str | None) -> bool:
    value = resource.props.get("restApi")
    if api_id and value == api_id:
        return True  # the common case, without refers_to's general join
    if api_id and isinstance(value, str) and value and not is_unknown(value):
        return False  # another API's id
    return refers_to(resource, "restApi", api, "id")  # in a preview: by dependency


def api_surface(resources: Sequence[Resource], api: Resource) -> Surface:
    """The stages and routes the stack gives `api` (what is unknown in a preview is left out)."""
    api_id = _text(api.props.get("id"))
    mine = [
        r for r in resources if r.type in SURFACE_TYPES and _of_api(r, api, api_id)
    ]
    stages = tuple(
        dict.fromkeys(
            name
            for stage in mine
            if stage.type == STAGE
            for name in [_text(stage.props.get("stageName"))]
            if name
        )
    )
    nodes = [r for r in mine if r.type == API_RESOURCE]
    by_id = {r.props["id"]: r for r in nodes if _text(r.props.get("id"))}
    root = _text(api.props.get("rootResourceId"))
    seen: dict[int, str | None] = {}
    routes = []
    for method in mine:
        if method.type != METHOD:
            continue
        verb = _text(method.props.get("httpMethod"))
        target = _text(method.props.get("resourceId"))
        node = by_id.get(target) if target else None
        path = "/" if target and target == root else _resource_path(node, by_id, seen) if node else None
        if verb and path:
            routes.append((verb.upper(), path))
    routes += _openapi_routes(api.props.get("body"))
    return Surface(stages, tuple(dict.fromkeys(routes)))


def _openapi_routes(body: Any) -> list[tuple[str, str]]:
    """Routes an OpenAPI `body` defines (API Gateway imports its `paths`); a YAML body, which
    the pack cannot parse, defines none here."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return []
    paths = body.get("paths") if isinstance(body, Mapping) else None
    routes = []
    for path, operations in paths.items() if isinstance(paths, Mapping) else ():
        for verb in operations if isinstance(operations, Mapping) else ():
            verb = str(verb).upper()
            if verb == "X-AMAZON-APIGATEWAY-ANY-METHOD":
                routes.append(("ANY", str(path)))
            elif verb in HTTP_METHODS:
                routes.append((verb, str(path)))
    return routes


def _concrete_path(path: str) -> str:
    """A request path for a route path: `{id}` -> `1`, a greedy `{proxy+}` -> `a/b`."""
    return _PATH_PARAMETER.sub(lambda m: "a/b" if m.group().endswith("+}") else "1", path).lstrip("/")


def _fill(text: str, star: str) -> str:
    return text.replace("*", star).replace("?", "x")


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def _relative(pattern: str, api_arn: str) -> str | None:
    """What `pattern` names inside `api_arn` (`/<stage>/<METHOD>/<path>`, "" for all of it), or
    None when it cannot name this API."""
    if pattern == "*":
        return ""
    if pattern.startswith(SHORTHAND_PREFIX):
        return pattern[len(SHORTHAND_PREFIX) - 1 :]
    segments = pattern.split(":", 5)
    if len(segments) < 6:
        return None
    api_part, slash, rest = segments[5].partition("/")
    head = ":".join([*segments[:5], api_part])
    if not resource_matches(head, api_arn):
        return "" if head.endswith("*") and resource_matches(head, f"{api_arn}/") else None
    return f"/{rest}" if slash else ""


def _pattern_probes(
    relative: str, stages: Sequence[str], paths: Sequence[str], fragments: Sequence[str] = ()
) -> Iterable[tuple[str, str, str]]:
    """Instances of one pattern: its literal stage/method/path, its wildcards filled in. A path
    `*` is filled with a stand-in and with the literal text of the other patterns' paths, so a
    path two patterns share (`a*` and `*b`: `ab`) is probed too."""
    if not relative or relative == "/*":
        return
    stage_part, method_part, path_part = ([*relative[1:].split("/", 2), None, None])[:3]
    if _has_wildcard(stage_part):
        chosen = [s for s in stages if wildcard_match(stage_part, s)]
        candidates = chosen or ([_fill(stage_part, "")] if stage_part != "*" else [])
    else:
        candidates = [stage_part]
    if method_part is None or method_part == "*" and path_part is None:
        methods = list(HTTP_METHODS)
    elif _has_wildcard(method_part):
        methods = [m for m in HTTP_METHODS if wildcard_match(method_part, m)]
    else:
        # API Gateway's ARNs carry the method as sent, upper case: `get` names no real call.
        methods = [method_part] if method_part in HTTP_METHODS else []
    if path_part is None:
        filled = list(paths[:1])
    else:
        filled = list(dict.fromkeys(_fill(path_part, f) for f in (_FILL, *fragments)))
    for stage in candidates or stages:
        for method in methods:
            for path in filled:
                yield stage, method, path


def _patterns(document: Mapping[str, Any] | None) -> list[str]:
    if not isinstance(document, Mapping):
        return []
    found = []
    for statement in as_list(document.get("Statement")):
        if isinstance(statement, Mapping):
            for element in ("Resource", "NotResource"):
                found += [v for v in as_list(statement.get(element)) if isinstance(v, str)]
    return list(dict.fromkeys(found))


def probe_resources(
    api_arn: str,
    document: Mapping[str, Any] | None = None,
    surface: Surface = Surface(),
    default_stage: str = "live",
) -> tuple[str, ...]:
    """The request ARNs to try on `api_arn`, the API's first route on its first stage first."""
    patterns = _patterns(document)
    relatives = [r for r in (_relative(p, api_arn) for p in patterns) if r is not None]
    if all(r in ("", "/*") for r in relatives) and not any("${" in p for p in patterns):
        # Every pattern names all of this API or none of it: one probe answers for every route.
        stage = (surface.stages or (default_stage,))[0]
        verb, path = (surface.routes or (DEFAULT_ROUTE,))[0]
        return (f"{api_arn}/{stage}/{'GET' if verb == 'ANY' else verb}/{_concrete_path(path)}",)
    named_stages = [
        part
        for r in relatives
        for part in [r[1:].split("/", 1)[0]]
        if part and not _has_wildcard(part) and "${" not in part
    ]
    stages = list(dict.fromkeys([*(surface.stages or (default_stage,)), *named_stages]))
    routes = [(verb, _concrete_path(path)) for verb, path in surface.routes or (DEFAULT_ROUTE,)]
    paths = list(dict.fromkeys(path for _verb, path in routes))
    triples: list[tuple[str, str, str]] = []
    for stage in stages:
        for verb, path in routes:
            for method in HTTP_METHODS if verb == "ANY" else (verb,):
                triples.append((stage, method, path))
    for stage in stages:  # methods the routes do not serve, on every stage and path
        triples += [(stage, method, path) for path in paths for method in HTTP_METHODS]
    fragments = list(
        dict.fromkeys(
            text
            for r in relatives
            for path in r[1:].split("/", 2)[2:]
            for text in [path.replace("*", "").replace("?", "")]
            if text
        )
    )
    for relative in relatives:
        triples += _pattern_probes(relative, stages, paths, fragments)
    arns = list(dict.fromkeys(f"{api_arn}/{s}/{m}/{p}" for s, m, p in triples))
    return _distinct_for(patterns, arns)


def _distinct_for(patterns: Sequence[str], arns: Sequence[str]) -> tuple[str, ...]:
    """One ARN per set of patterns it matches: the policy cannot answer two such ARNs apart.
    A pattern with a policy variable depends on the request, so then nothing is merged."""
    if any("${" in pattern for pattern in patterns):
        return tuple(arns)
    if not arns:
        return ()
    # Every probe is for the same API, so each pattern expands the same way for all of them.
    expanded = [expand_resource(pattern, arns[0]) for pattern in patterns]
    matchers = [resource_matcher(e) for e in dict.fromkeys(expanded) if e is not None]
    kept: dict[tuple[bool, ...], str] = {}
    for arn in arns:
        kept.setdefault(tuple(match(arn) is not None for match in matchers), arn)
    return tuple(kept.values())
