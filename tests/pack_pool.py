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

from collections import OrderedDict
from pathlib import Path

import pytest

from pipeline.analyzer import PackSession, PackStart, StackContext

SIZE = 16  # contexts alive at once (~60 MiB each): the shipped stacks in both modes, and the
# stack files the check tests edit (each a context of its own: the CLI passes the stack config
# in the pack's environment). Fewer, and test_check.py's contexts pushed each other out.
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

    def session(self) -> PackSession:
        try:
            return self._start.session()
        except BaseException:
            if _POOL.get(self._key) is self._start:
                del _POOL[self._key]
            raise

    def discard(self) -> None:
        """Out of the pool and stopped."""
        if _POOL.get(self._key) is self._start:
            del _POOL[self._key]
        self._start.close()

    def close(self) -> None:
        """Kept for the next run; a session left broken is replaced when next asked for."""

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


class PooledAnalysis:
    """Stands in for check's analysis process (pipeline/analyzer/feed.py AnalyzeAsRendered and
    its relay, pipeline/analyzer/relay.py): the relay's conversation with the pack, in this
    process and with the pooled pack for the context. As the relay does: Configure with the
    stack's policy config, the root Stack, then each resource the render registered, in order,
    with its wire form; AnalyzeStack over those resources (or over the inventory check asks
    about, when it is another). The resources go when check asks, not while it renders.

    The real analysis process stays tested where check's own process boundary is the subject:
    the shipped stacks' run (test_check.py), the parallel children,
    the bench, and test_analyzer_feed.py."""

    def __init__(self, pack_dir: Path, context: StackContext, config_file: Path | None, *,
                 window: int | None = None, python: str | None = None,
                 cpus: frozenset[int] | None = None) -> None:
        # `cpus`: where the relay would run; the pooled pack was started by whichever test
        # came first, and runs where the pool put it.
        self._start = PooledPackStart(pack_dir, context, python=python)
        self._context, self._config_file, self._window = context, config_file, window
        self._added: list = []
        self._question = None

    def add(self, resource, wire=None) -> None:
        self._added.append((resource, wire))

    def ask(self, inventory) -> None:
        self._question = inventory

    def verdict(self):
        from pipeline.analyzer.relay import begin

        try:
            stream = begin(self._start.session(), self._context,
                           Path(self._config_file) if self._config_file else None, self._window)
            for resource, wire in self._added:
                stream.add(resource, wire)
            # The same objects the render gave: the stream keeps the head start; another
            # inventory is analyzed afresh, as the relay's AFRESH is.
            return stream.finish(self._question)
        except BaseException:
            self._start.discard()  # a pack left mid-conversation is not handed out again
            raise

    def finish(self, inventory):
        self.ask(inventory)
        return self.verdict()

    def release(self) -> None:
        """The pooled pack keeps running."""

    def close(self) -> None:
        """The pooled pack keeps running."""

    def __enter__(self) -> PooledAnalysis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pack_from_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` judges with the pooled pack for its context: PooledAnalysis stands in for its
    analysis process (pipeline.check.AnalyzeAsRendered), or PooledPackStart for the pack it starts
    itself (pipeline.check.PackStart), whichever this check has. Only under `_pack_pool`, which
    stops the pooled packs at the end of the session."""
    from pipeline import check

    if hasattr(check, "AnalyzeAsRendered"):
        monkeypatch.setattr(check, "AnalyzeAsRendered", PooledAnalysis)
    if hasattr(check, "PackStart"):
        monkeypatch.setattr(check, "PackStart", PooledPackStart)


@pytest.fixture
def pooled_packs(_pack_pool, monkeypatch):
    """`check` takes its pack from the pool; the fixture's value makes one for
    `analyze_inventory(..., started=pooled_packs(pack_dir, context))`."""
    pack_from_pool(monkeypatch)
    return PooledPackStart
