"""Shared test setup: the policy pack's `gatehouse_guard` package is importable as in the pack,
no test may write into the repository's reports/ (tests/repository_guard.py), and the botocore
member cache lives in a scratch directory."""

import gc
import os
import tempfile

from pipeline.policy_path import ensure_policies_on_path

ensure_policies_on_path()
# botocore's member facts are cached between runs (stack_config/model_cache.py): not in the
# user's ~/.cache from a test run.
os.environ.setdefault("GATEHOUSE_CACHE_DIR", tempfile.mkdtemp(prefix="gatehouse-cache-"))

# Renders and pack processes shared by the tests of one worker, where a test asks for them.
from tests import pack_zygote  # noqa: E402
from tests.pack_pool import _pack_pool, pooled_packs  # noqa: E402, F401 - fixtures
from tests.program_support import _shared_renders, cached_renders  # noqa: E402, F401 - fixtures
from tests.repository_guard import no_writes_into_reports  # noqa: E402, F401 - an autouse fixture


def pytest_collection_finish(session):
    """Each worker holds ~450,000 long-lived objects once collected and rendering (pulumi-aws's
    generated classes, the program's modules): with CPython's default thresholds (700, 10, 10)
    its collector walked them all ~20 times a run, 10.7 s of the two workers' CPU (measured with
    gc.callbacks). Freezing what collection loaded and collecting the young generation ten
    times less often left 4.1 s. Test processes only: no test asserts anything about the
    collector, and the processes the tests start (packs, analysis processes, CLI runs) keep
    Python's defaults."""
    pack_zygote.install()  # the tests' pack processes fork from a preloaded interpreter
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
