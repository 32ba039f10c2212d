"""botocore's facts for the request members gatehouse checks, kept between runs.

Keyed by the installed botocore (its version and where it lives), so an upgrade starts afresh.
Only botocore's facts are kept; the documented table (aws_documented.py) is applied on every
read. The file lives in $GATEHOUSE_CACHE_DIR, else $XDG_CACHE_HOME/gatehouse, else
~/.cache/gatehouse; when none is writable, nothing is cached and nothing fails.
"""

from __future__ import annotations

import atexit
import functools
import importlib.util
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

_FORMAT = 1
_entries: dict[str, Any] | None = None
_dirty = False


def cache_file() -> Path:
    base = os.environ.get("GATEHOUSE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "gatehouse"
    )
    return Path(base) / "botocore-members.json"


@functools.cache
def _fingerprint() -> str:
    spec = importlib.util.find_spec("botocore")
    origin = Path(spec.origin) if spec and spec.origin else Path("missing")
    try:
        version = re.search(r"__version__ = '([^']+)'", origin.read_text()).group(1)
    except (OSError, AttributeError):
        version = "unknown"
    return f"{_FORMAT}:{version}:{origin.parent}"


def _load() -> dict[str, Any]:
    global _entries
    if _entries is None:
        try:
            data = json.loads(cache_file().read_text())
            _entries = data["members"] if data.get("botocore") == _fingerprint() else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            _entries = {}
    return _entries


def lookup(key: str) -> dict[str, Any] | None:
    return _load().get(key)


def store(key: str, facts: dict[str, Any]) -> None:
    global _dirty
    _load()[key] = facts
    if not _dirty:
        _dirty = True
        atexit.register(flush)


def flush() -> None:
    """Write the cache atomically (parallel `check` children may race: the last one wins)."""
    global _dirty
    if not _dirty:
        return
    _dirty = False
    target = cache_file()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=target.parent, prefix=".members-", delete=False) as handle:
            json.dump({"botocore": _fingerprint(), "members": _load()}, handle)
        os.replace(handle.name, target)
    except OSError:
        pass


def forget() -> None:
    """Drop what this process read (tests)."""
    global _entries, _dirty
    _entries, _dirty = None, False
