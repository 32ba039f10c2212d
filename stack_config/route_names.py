"""How a route's path becomes part of Pulumi resource names: one function, shared by the API
components (which name the resources) and the config validation (which rejects two paths whose
names would collide, since the engine refuses a second resource of one type and name)."""

from __future__ import annotations


def path_slug(path: str) -> str:
    """`/security/{id}` → `-security-id-param`: lowercase, `{}`/`+` stripped, variables marked."""
    return "".join(
        "-" + part.strip("{}+").lower() + ("-param" if part.startswith("{") else "")
        for part in path.strip("/").split("/")
        if part
    )
