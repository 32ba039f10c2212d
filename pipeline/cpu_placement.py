"""Where `check`'s processes run: the render on one CPU of its own, the analysis process and
its pack on the others (bench/README.md, "Fourth round", has the measurements).

Left to the scheduler on two CPUs, the render shares a CPU with the analysis process's or the
pack's threads whenever two of theirs are runnable at once (each has a gRPC polling thread
besides the one doing the work), and the render's own threads (the SDK registers resources
from its event loop's executor) hand the GIL to each other across CPUs. Measured at 200
services, paired runs: check 1.22-1.33x a floor left to the scheduler unplaced, 0.90-1.11x
placed, and 1.02-1.05x a floor that also renders on one CPU (the render alone is 5-7% faster
on one CPU than free to move).

`render_on_one_cpu()` pins this process, every thread of it, to the CPU it is running on and
says which CPUs are left for the helpers, which pin themselves (`pin`) before their imports;
leaving the block gives the threads back the CPUs they had. With one CPU allowed, or where
the OS has no affinity calls (macOS) or refuses them (some sandboxes), nothing is pinned and
everything runs as before.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

TASKS = Path("/proc/self/task")
STATS = (Path("/proc/thread-self/stat"), Path("/proc/self/stat"))  # the caller's thread; Linux < 3.17
STAT_PROCESSOR = 36  # proc(5) field 39, "processor", counted after the ")" that ends the name


def allowed_cpus() -> frozenset[int] | None:
    """The CPUs this thread may run on, or None where the OS does not say."""
    try:
        return frozenset(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def current_cpu() -> int | None:
    """The CPU the calling thread last ran on (this moment's, for a running caller), or None."""
    for stat in STATS:
        try:
            return int(stat.read_text().rsplit(")", 1)[1].split()[STAT_PROCESSOR])
        except (OSError, IndexError, ValueError):
            continue
    return None


def split(allowed: frozenset[int] | None, current: int | None) -> tuple[frozenset[int], frozenset[int]] | None:
    """(the render's CPU, the helpers' CPUs), or None when there is nothing to split: the CPU
    it is on now if allowed (two checks started side by side are then on different CPUs), else
    the lowest allowed."""
    if allowed is None or len(allowed) < 2:
        return None
    render = current if current in allowed else min(allowed)
    return frozenset({render}), allowed - {render}


def format_cpus(cpus: Iterable[int]) -> str:
    """`1,3`: how a CPU set is passed on a command line."""
    return ",".join(str(cpu) for cpu in sorted(cpus))


def parse_cpus(text: str) -> frozenset[int]:
    """The inverse of `format_cpus` (ValueError for anything else)."""
    cpus = frozenset(int(part) for part in text.split(","))
    if not cpus or min(cpus) < 0:
        raise ValueError(f"not a CPU list: {text!r}")
    return cpus


def pin(cpus: frozenset[int] | None) -> bool:
    """Pin the calling thread (and the threads and processes it starts from now on) to `cpus`;
    False when the OS refused or has no such call (the caller goes on unpinned)."""
    if not cpus:
        return False
    try:
        os.sched_setaffinity(0, cpus)
    except (AttributeError, OSError):
        return False
    return True


def _threads() -> list[int]:
    try:
        return [int(name) for name in os.listdir(TASKS)]
    except OSError:
        return []  # no /proc: the calling thread alone, pinned by `pin`


@contextlib.contextmanager
def render_on_one_cpu() -> Iterator[frozenset[int] | None]:
    """Run the block with every thread of this process on one CPU; yields the CPUs left for the
    analysis process and its pack, or None when nothing was pinned."""
    placement = split(allowed_cpus(), current_cpu())
    if placement is None:
        yield None
        return
    render, helpers = placement
    caller = threading.get_native_id()
    before: dict[int, frozenset[int]] = {}
    for thread in _threads():
        with contextlib.suppress(OSError):  # a thread that has just ended
            before[thread] = frozenset(os.sched_getaffinity(thread))
    if not pin(render):  # refused: nothing pinned, nothing to give back
        yield None
        return
    for thread in before.keys() - {caller}:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(thread, render)
    try:
        yield helpers
    finally:
        # Threads started inside the block (the render's executor) get what the caller had.
        mine = before.get(caller, render | helpers)  # what split was given: the caller's
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, mine)
        for thread in set(_threads()) - {caller}:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(thread, before.get(thread, mine))
