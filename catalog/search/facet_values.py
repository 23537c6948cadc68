"""The values a dataset is filed under in the derived facets (issue 16: AI filters).

Annotation accuracy, sample counts, splits, licence and temporal coverage are stored as the
publisher gave them; search filters on bands of them. The bands are computed once, when the
index document is made (``documents.dataset_document``), and stored as keyword values, so a
filter is a term lookup on a fast field and a facet a terms aggregation: no per-hit work at
query time. The CKAN API's database path counts facets with the same functions.
"""

from __future__ import annotations

from datetime import date

from schemas import vocab

# sample_counts keys that name one split, as dataset cards and Croissant files write them
_SPLIT_NAMES = {
    "train": "train",
    "training": "train",
    "validation": "validation",
    "valid": "validation",
    "val": "validation",
    "dev": "validation",
    "test": "test",
    "testing": "test",
}
_TOTAL_KEYS = ("total", "all")
# a coverage of more than this many years is filed under its last ones
MAX_COVERAGE_YEARS = 100
_SIZE_LIMITS: tuple[tuple[int, str], ...] = (
    (1_000, "lt1k"),
    (10_000, "1k-10k"),
    (100_000, "10k-100k"),
    (1_000_000, "100k-1m"),
    (10_000_000, "1m-10m"),
)


def accuracy_bands(accuracy: float | None) -> list[str]:
    """Every band the accuracy reaches (cumulative: 0.97 is filed under 95 and 90)."""
    if accuracy is None:
        return []
    return [band for band in vocab.ACCURACY_BANDS if accuracy * 100 >= int(band) - 1e-9]


def sample_total(counts: dict | None) -> int | None:
    """All samples: the ``total`` the publisher gave, else the sum of the splits."""
    counts = counts or {}
    for key in _TOTAL_KEYS:
        if isinstance(counts.get(key), int):
            return int(counts[key])
    values = [v for v in counts.values() if isinstance(v, int) and not isinstance(v, bool)]
    return sum(values) if values else None


def sample_size(counts: dict | None) -> str | None:
    """The size category of the sample count (dataset cards' ``size_categories``)."""
    total = sample_total(counts)
    if total is None or total <= 0:
        return None
    for limit, code in _SIZE_LIMITS:
        if total < limit:
            return code
    return "gt10m"


def splits(counts: dict | None) -> list[str]:
    """The standard splits that hold samples (train, validation, test)."""
    found = {
        _SPLIT_NAMES[str(k).strip().lower()]
        for k, v in (counts or {}).items()
        if str(k).strip().lower() in _SPLIT_NAMES and isinstance(v, int) and v > 0
    }
    return [s for s in ("train", "validation", "test") if s in found]


def coverage_years(start: date | None, end: date | None, today: date | None = None) -> list[str]:
    """The calendar years a temporal coverage touches; an open end runs to this year."""
    if start is None and end is None:
        return []
    today = today or date.today()
    first = (start or end or today).year
    last = (end or today).year
    if last < first:
        first, last = last, first
    first = max(first, last - MAX_COVERAGE_YEARS + 1)
    return [str(y) for y in range(first, last + 1)]


def values_of(ds: object) -> dict[str, list[str]]:
    """The derived facet values of a dataset (a ``catalog.models.Dataset`` or anything with
    its attributes), keyed by facet name."""
    counts = getattr(ds, "sample_counts", None) or {}
    size = sample_size(counts)
    annotation_type = getattr(ds, "annotation_type", None)
    annotation_method = getattr(ds, "annotation_method", None)
    return {
        "annotation_type": [annotation_type] if annotation_type else [],
        "annotation_method": [annotation_method] if annotation_method else [],
        "accuracy": accuracy_bands(getattr(ds, "annotation_accuracy", None)),
        "samples": [size] if size else [],
        "split": splits(counts),
        "license_family": [vocab.license_family(getattr(ds, "license", None))],
        "coverage": coverage_years(
            getattr(ds, "temporal_start", None), getattr(ds, "temporal_end", None)
        ),
    }
