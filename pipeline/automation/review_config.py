"""Config for a review stack `pr-<n>`, derived from dev's.

`derive_review_config` is the hook the Pulumi program extends when it needs more per-PR values
(for instance a name prefix so a review stack's named resources never collide with dev's).
It receives the parsed `Pulumi.dev.yaml` and returns the content of `Pulumi.pr-<n>.yaml`.
"""

from __future__ import annotations

import copy

from pipeline.errors import UsageError

PROJECT = "gatehouse"
ENVIRONMENT_KEY = f"{PROJECT}:environment"
REVIEW_ENVIRONMENT = "review"


def review_stack_name(pr: int) -> str:
    return f"pr-{pr}"


def derive_review_config(dev_config: dict, pr: int) -> dict:
    """Dev's `config:` block with the environment set to the review tier.

    Only `config` is copied: `encryptionsalt`, `secretsprovider` and ESC `environment` imports
    belong to dev's own secrets and would not decrypt (or would be wrong) for pr-<n>; a secure
    value cannot be copied for the same reason, so it is refused with a clear message.
    """
    config = copy.deepcopy((dev_config or {}).get("config") or {})
    secure = sorted(key for key, value in config.items() if isinstance(value, dict) and "secure" in value)
    if secure:
        raise UsageError(
            f"Pulumi.dev.yaml holds secret values ({', '.join(secure)}) that cannot be copied to "
            f"{review_stack_name(pr)}; move them to an ESC environment or a secrets manager"
        )
    config[ENVIRONMENT_KEY] = REVIEW_ENVIRONMENT
    return {"config": config}
