"""Rules for the routes one REST API serves, beyond each path's own syntax: what API Gateway's
resource tree accepts, and names that stay distinct (see route_names.py)."""

from __future__ import annotations

from collections.abc import Iterable

from stack_config.route_names import path_slug


def ancestors(path: str) -> list[str]:
    """`/a/{id}/b` → `/a`, `/a/{id}`, `/a/{id}/b`: every resource the path needs."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def tree_problem(paths: Iterable[str]) -> tuple[str, str] | None:
    """(path, why) for the first path API Gateway or the engine would refuse next to the others.

    - one resource level holds at most one path variable: API Gateway answers "A sibling ({id})
      of this resource already has a variable path part -- only one is allowed";
    - a greedy variable (`{proxy+}`) must be the last part: it matches everything below it;
    - two paths must not share a resource name (`/Security` and `/security`,
      `/security/{id}` and `/security/id-param`).
    """
    variable_at: dict[str, str] = {}
    named: dict[str, str] = {}
    for path in paths:
        for resource in ancestors(path):
            parent, _, part = resource.rpartition("/")
            parent = parent or "/"
            if part.startswith("{"):
                other = variable_at.setdefault(parent, resource)
                if other != resource:
                    return path, (
                        f"puts a second path variable under {parent} ({other} is there already): "
                        "API Gateway allows one variable per level; use the same name in both routes"
                    )
                if part.endswith("+}") and resource != path:
                    return path, f"continues below the greedy variable {part}: a {{name+}} part must be the last"
            slug = path_slug(resource)
            other = named.setdefault(slug, resource)
            if other != resource:
                return path, (
                    f"would give its resource {resource} the same Pulumi name as {other} "
                    "(names ignore case and mark variables with -param): rename one of them"
                )
    return None
