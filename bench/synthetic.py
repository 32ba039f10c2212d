"""Synthetic stacks of a chosen size: dev's stack file with `gatehouse:services` replaced by N
generated services, written into a project directory that `pipeline check` can run as is.

Everything but the services comes from Pulumi.dev.yaml (network, private API settings, ALB custom
domain, log retention), so the estate grows the way a platform team's would: more services on the
same gateways. The stack is called `dev` so the pack is configured with policies/config/dev.json,
exactly as `make check` configures it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.stack_files import PROJECT_DIR

STACK = "dev"
# What a project directory needs besides its stack file: the program and the policy pack.
PROJECT_PARTS = ("Pulumi.yaml", "__main__.py", "components", "stack_config", "functions", "policies")
HANDLERS = {"public": "greeter.handler", "private": "security.handler"}
# Cycled per service, so every size has a mix of methods, literal and parameter paths.
ROUTE_SHAPES = (("GET", ""), ("GET", "/{id}"), ("POST", ""), ("PUT", "/{id}"), ("DELETE", "/{id}"), ("GET", "/items"))


def service_name(index: int) -> str:
    return f"svc-{index:04d}"


def synthetic_services(count: int, routes_per_service: int = 3) -> list[dict[str, Any]]:
    """`count` services, alternating private and public (the first is private: dev's custom
    domain fronts the private API, so even a one-service stack needs one), each with
    `routes_per_service` routes under its own prefix so no two services share a route."""
    if count < 1:
        raise ValueError(f"services must be at least 1 (got {count})")
    if not 1 <= routes_per_service <= len(ROUTE_SHAPES):
        raise ValueError(f"routes per service must be 1..{len(ROUTE_SHAPES)} (got {routes_per_service})")
    services = []
    for index in range(count):
        name = service_name(index)
        visibility = "private" if index % 2 == 0 else "public"
        routes = [{"method": method, "path": f"/{name}{suffix}"} for method, suffix in ROUTE_SHAPES[:routes_per_service]]
        services.append({"name": name, "visibility": visibility, "handler": HANDLERS[visibility], "routes": routes})
    return services


def synthetic_stack_file(count: int, routes_per_service: int = 3, *, base: Path = PROJECT_DIR / "Pulumi.dev.yaml") -> dict[str, Any]:
    """The parsed stack file: `base` with its services replaced."""
    document = yaml.safe_load(base.read_text())
    document["config"]["gatehouse:services"] = synthetic_services(count, routes_per_service)
    return document


def write_project(dest: Path, count: int, routes_per_service: int = 3, *, source: Path = PROJECT_DIR) -> Path:
    """A project directory at `dest`: the real program and pack (symlinked) and a synthetic
    Pulumi.dev.yaml. Returns `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        link = dest / part
        if not link.exists():
            link.symlink_to(source / part)
    document = synthetic_stack_file(count, routes_per_service, base=source / f"Pulumi.{STACK}.yaml")
    header = f"# Synthetic bench stack: {count} services x {routes_per_service} routes, the rest from Pulumi.{STACK}.yaml.\n"
    (dest / f"Pulumi.{STACK}.yaml").write_text(header + yaml.safe_dump(document, sort_keys=False))
    return dest
