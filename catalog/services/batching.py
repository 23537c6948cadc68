"""Lists of values in slices small enough for one ``IN (...)`` each (batch lookups)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def chunks(values: Iterable, n: int = 500) -> Iterator[list]:
    """``values`` as lists of at most ``n``."""
    values = list(values)
    for i in range(0, len(values), n):
        yield values[i : i + n]
