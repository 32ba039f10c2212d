"""Shared by the analyzer tests: a small inventory builder and a leak detector."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.inventory import Inventory, InventoryResource
from tests import pack_zygote

TINY_PACK = Path(__file__).parent / "fixtures" / "tiny_pack"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::demo::{type_}::{name}"


def bucket(name: str, *, acl="private", tags=None, **outputs) -> InventoryResource:
    inputs = {"acl": acl, "tags": {"team": "api"} if tags is None else tags}
    return InventoryResource(
        urn=urn(BUCKET, name), type=BUCKET, name=name, parent=None, custom=True,
        inputs=inputs, outputs={**inputs, "id": f"{name}-bucket", **outputs},
    )


def bucket_policy(name: str, *, bucket_id: str, depends_on: str | None) -> InventoryResource:
    deps = (depends_on,) if depends_on else ()
    return InventoryResource(
        urn=urn(BUCKET_POLICY, name), type=BUCKET_POLICY, name=name, parent=None, custom=True,
        inputs={"bucket": bucket_id}, outputs={"bucket": bucket_id, "id": bucket_id},
        dependencies=deps, property_dependencies={"bucket": deps} if deps else {},
    )


def inventory(*resources: InventoryResource) -> Inventory:
    return Inventory(project="demo", stack="dev", resources=tuple(resources), outputs={})


def pack_children() -> set[int]:
    """PIDs of our child processes running `pulumi.policy` (Linux /proc), and of the packs forked
    for this worker by tests/pack_zygote.py (children of its forkserver)."""
    forked_from = pack_zygote.server_pid()
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if (ppid == os.getpid() and b"pulumi.policy" in cmdline) or ppid == forked_from:
            found.add(int(entry.name))
    return found
