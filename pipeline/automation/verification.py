"""The tag `pipeline verify` leaves on a stack whose live reachability matched `check`, and the
rule promotion applies with it: only a verified commit moves on."""

from __future__ import annotations

VERIFIED_TAG = "gatehouse:verified"


def verification_problem(stack: str, commit: str, tags: dict[str, str]) -> str | None:
    """Why `commit` may not be promoted from `stack` for want of verification, or None.

    The commit itself must have been verified: a later commit proven on `stack` says nothing
    of this one (promote that one instead)."""
    verified = tags.get(VERIFIED_TAG)
    if verified is None:
        return (f"{stack} has not been verified ({VERIFIED_TAG} is not set): "
                f"run `python -m pipeline verify --stack {stack}` after its deploy")
    if not (verified.startswith(commit) or commit.startswith(verified)):  # tags may be short
        return (f"{stack} was last verified at {verified}, not {commit}: "
                f"run `python -m pipeline verify --stack {stack}`")
    return None
