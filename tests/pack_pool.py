"""One policy-pack process per (pack, stack context), shared by the tests of one pytest worker.

Starting the pack (a Python process importing pulumi-policy and the rules, then the handshake)
costs about a second of CPU; the checks the tests run against the same stack context start the
same pack again and again. `PooledPackStart` stands in for `pipeline.analyzer.PackStart`: the first
start for a context is a real `PackStart`, and later ones take that session instead of a new one.
What each run sends is unchanged: every `analyze_inventory` still calls Configure with its own
config file, then Analyze per resource and AnalyzeStack once (the pack keeps nothing between
calls but the policy config that Configure replaces, and the environment, part of the key).

Not for tests that read the pack's logs (they would include earlier runs'), that time or break the
pack, or that start one with another interpreter. At most `SIZE` packs stay running; the least
recently used one is stopped first, and all of them at the end of the worker's session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import pytest

from pipeline.analyzer import PackSession, PackStart, StackContext

SIZE = 6  # contexts alive at once: the three shipped stacks, and a few more
_POOL: OrderedDict[tuple, PackStart] = OrderedDict()


def _key(pack_dir: Path, context: StackContext, python: str | None) -> tuple:
    config = None if context.config is None else tuple(sorted(context.config.items()))
    return (str(Path(pack_dir).resolve()), context.project, context.stack, context.organization,
            context.dry_run, config, python)


def _alive(start: PackStart) -> bool:
    session = start._session  # noqa: SLF001 - None until started, or after a failed start
    if session is None:
        return start._thread.is_alive() and start._error is None  # noqa: SLF001 - still starting
    return session.process.channel is not None and session.process.process.poll() is None


class PooledPackStart:
    """PackStart's interface (`session()`, `close()`, a context manager) over a pooled start:
    `close()` leaves the pack running for the next run with the same context."""

    def __init__(self, pack_dir: Path, context: StackContext, *, python: str | None = None) -> None:
        key = _key(pack_dir, context, python)
        start = _POOL.pop(key, None)
        if start is not None and not _alive(start):
            start.close()
            start = None
        _POOL[key] = self._start = start or PackStart(pack_dir, context, python=python)
        while len(_POOL) > SIZE:
            _, oldest = _POOL.popitem(last=False)
            oldest.close()
        self._key = key
        self._threads_before = set(threading.enumerate())  # close() waits only for this run's

    def session(self) -> PackSession:
        try:
            return self._start.session()
        except BaseException:
            if _POOL.get(self._key) is self._start:
                del _POOL[self._key]
            raise

    def close(self) -> None:
        """Kept for the next run; a session left broken is replaced when next asked for.

        After a render that failed, check's analysis thread (pipeline/analyzer/feed.py) may still
        be configuring the pack or sending it the root Stack: it is waited for, so that the next
        run finds the pack idle, as a new one would be."""
        for thread in threading.enumerate():
            if thread.name == "analyze-as-rendered" and thread not in self._threads_before:
                thread.join(30)

    def wait_stopped(self, timeout: float | None = None) -> None:
        """Nothing is stopped on close()."""

    def __enter__(self) -> PooledPackStart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def close_all() -> None:
    while _POOL:
        _, start = _POOL.popitem()
        start.close()
        start.wait_stopped(10)


@pytest.fixture(scope="session")
def _pack_pool():
    yield
    close_all()


def pack_from_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` takes its pack from the pool where it starts one itself (pipeline.check.PackStart).
    Only under `_pack_pool`, which stops the pooled packs at the end of the session.

    Since check runs its analysis in a process of its own (pipeline/analyzer/relay.py), that
    process starts the pack and nothing here can share it: check's runs start theirs as before."""
    from pipeline import check

    if hasattr(check, "PackStart"):
        monkeypatch.setattr(check, "PackStart", PooledPackStart)


@pytest.fixture
def pooled_packs(_pack_pool, monkeypatch):
    """`check` takes its pack from the pool; the fixture's value makes one for
    `analyze_inventory(..., started=pooled_packs(pack_dir, context))`."""
    pack_from_pool(monkeypatch)
    return PooledPackStart
