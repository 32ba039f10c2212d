"""The engine refuses a second resource with the same URN (type and name under one parent type);
Pulumi's mocks do not, so `check` does it: whatever code or config produced the clash."""

from __future__ import annotations

from collections import Counter

from pipeline.inventory import Inventory


def duplicate_urns(inventory: Inventory) -> list[str]:
    counts = Counter(r.urn for r in inventory.resources)
    return [urn for urn, count in counts.items() if count > 1]
