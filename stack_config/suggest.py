""""did you mean …?" for a name that is close to one we know."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean X?)` when a known name is close to `name` (case ignored), else ``.

    Closest by edit distance counting a swap of two neighbours as one edit (`us-esat-1` is
    `us-east-1`, not `us-west-1`); difflib's ratio decides what counts as close at all.
    """
    by_folded = {k.casefold(): k for k in known}
    folded = name.casefold()
    close = difflib.get_close_matches(folded, list(by_folded), n=5, cutoff=0.75)
    if not close:
        return ""
    best = min(close, key=lambda k: (_edits(folded, k), -difflib.SequenceMatcher(None, folded, k).ratio()))
    return f" (did you mean {by_folded[best]}?)"


def _edits(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions, transpositions."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
