"""Make the policy pack's package importable from the repository.

The Pulumi CLI starts the pack with `policies/` as working directory, so inside the pack
`gatehouse_guard` is a top-level package; code and tests outside the pack import it the same way
once `policies/` is on sys.path.
"""

from __future__ import annotations

import sys
from pathlib import Path

POLICIES_DIR = Path(__file__).resolve().parent.parent / "policies"


def ensure_policies_on_path() -> Path:
    """Put `<repo>/policies` on sys.path (once) and return it."""
    entry = str(POLICIES_DIR)
    if entry not in sys.path:
        sys.path.insert(0, entry)
    return POLICIES_DIR
