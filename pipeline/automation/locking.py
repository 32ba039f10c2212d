"""Retry an operation while another update holds the stack's lock.

Two updates on one stack are refused by the backend (`ConcurrentUpdateError`); in CI that is
usually a previous job still finishing, so waiting briefly beats failing the pipeline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from pulumi.automation import ConcurrentUpdateError

T = TypeVar("T")
DEFAULT_ATTEMPTS = 5
DEFAULT_BASE_DELAY = 5.0
# The DIY backends (file://, s3://, ...) name each lock's owner:
#   "<lock url>: created by alice@runner-7 (pid 4242) at 2026-11-22T04:00:00Z"
_HOLDER = re.compile(r"created by (?P<who>\S+) \(pid (?P<pid>\d+)\) at (?P<when>\S+)")


class StackLocked(Exception):
    def __init__(self, stack: str, attempts: int, holder: str | None):
        self.stack = stack
        self.attempts = attempts
        self.holder = holder
        held = f"locked by {holder}" if holder else "locked by another update (the backend did not say whose)"
        super().__init__(
            f"stack {stack} is {held}; gave up after {attempts} attempt(s). "
            "Wait for that update to finish, or run `pulumi cancel` if it is dead."
        )


def lock_holder(stderr: str) -> str | None:
    """Who holds the lock, when the CLI's error says so."""
    match = _HOLDER.search(stderr)
    if not match:
        return None
    return f"{match['who']} (pid {match['pid']}) since {match['when']}"


def retry_on_lock(
    operation: Callable[[], T],
    *,
    stack: str,
    attempts: int = DEFAULT_ATTEMPTS,
    base_delay: float = DEFAULT_BASE_DELAY,
    sleep: Callable[[float], None] = time.sleep,
    notify: Callable[[str], None] = print,
) -> T:
    """Run `operation`; on ConcurrentUpdateError wait base_delay * 2**n and retry, `attempts`
    times in all, then raise StackLocked naming the holder if known."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except ConcurrentUpdateError as error:
            holder = lock_holder(str(error))
            if attempt == attempts:
                raise StackLocked(stack, attempts, holder) from error
            delay = base_delay * 2 ** (attempt - 1)
            notify(f"[{stack}] stack is locked{f' by {holder}' if holder else ''}; "
                   f"retrying in {delay:g}s (attempt {attempt + 1} of {attempts})")
            sleep(delay)
    raise AssertionError("unreachable")
