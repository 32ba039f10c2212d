"""Start a pack session on a thread while the caller does something else (`check` renders the
stack meanwhile): starting the pack process and its handshake take a few hundred ms that the
render, on the other core, no longer waits for."""

from __future__ import annotations

import threading
from pathlib import Path

from pipeline.analyzer.launcher import StackContext
from pipeline.analyzer.session import PackSession


class PackStart:
    """`PackStart(pack_dir, context)` begins at once; `session()` waits for it (re-raising what
    the start raised); `close()` stops it whether or not anyone asked for it."""

    def __init__(self, pack_dir: Path, context: StackContext, *, python: str | None = None) -> None:
        self._session: PackSession | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(
            target=self._start, args=(Path(pack_dir), context, python), name="pack-start", daemon=True
        )
        self._thread.start()

    def _start(self, pack_dir: Path, context: StackContext, python: str | None) -> None:
        try:
            session = PackSession(pack_dir, context, python=python)
        except BaseException as error:  # handed to whoever waits, re-raised there
            self._error = error
            return
        with self._lock:
            if self._closed:
                session.close()
            else:
                self._session = session

    def session(self) -> PackSession:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._session is not None
        return self._session

    def close(self) -> None:
        with self._lock:
            self._closed = True
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def wait_stopped(self, timeout: float | None = None) -> None:
        """After close(): wait until a start that was still under way has stopped its pack."""
        self._thread.join(timeout)

    def __enter__(self) -> PackStart:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
