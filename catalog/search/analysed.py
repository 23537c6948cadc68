"""The analysed text of a search document (segmented words, CJK bigrams, pinyin, suggestion
entries), computable wherever the record's text is known, and remembered until the embedded
index's writer builds the document (issue 17: harvest at 3,000 records/s).

Analysis is the dearest part of building a document (jieba, OpenCC folding, bigrams): a
harvest's mapping workers compute it from the values the writer will store
(:func:`analyse`, :func:`text_inputs`) and the run's process hands it to :func:`remember`;
when the outbox drain later builds that dataset's document from the stored row,
:func:`analysed_fields` finds it under the exact text it was computed from. The key *is*
the input, so a document built with remembered fields is the document built without them
(a test compares a run with workers against ``catalog search rebuild``); anything else --
a record a curator edited meanwhile, a dataset whose stored text differs, a process that
never got the fields -- is simply analysed again. The outbox is untouched: the drain still
reads every queued dataset from the store, so a crash at any point leaves the index
catch-up-able exactly as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from functools import lru_cache

from catalog.search import pinyin as py
from catalog.search import text as ta

#: what a document's analysed text depends on, in this order
TextKey = tuple[str, str, str, str, tuple[str, ...], str]

# remembered fields wait here until their document is built; bounded (a field set is a few
# KB), oldest dropped first: a dropped one is analysed again, never wrong
MAX_REMEMBERED = 4000  # a drain comes every 2,000 records (pipeline.INDEX_EVERY) or sooner
_remembered: OrderedDict[TextKey, dict[str, object]] = OrderedDict()
_lock = threading.Lock()


def text_key(doc: Mapping) -> TextKey:
    """The text a document's analysed fields are computed from (``documents.dataset_document``
    gives these keys; absent and empty are the same)."""
    return (
        doc.get("title") or "",
        doc.get("title_en") or "",
        doc.get("description") or "",
        doc.get("description_en") or "",
        tuple(doc.get("keywords") or ()),
        doc.get("labels") or "",
    )


def analyse(key: TextKey) -> dict[str, object]:
    """The analysed text fields of the embedded index's schema (all but ``org``, whose text
    is the publisher's: :func:`org_text`)."""
    title, title_en, description, description_en, keywords, labels = key
    kw = " ".join(keywords)
    return {
        "title": " ".join(ta.segment(f"{title} {title_en}")),
        "keywords": " ".join(ta.segment(kw)),
        "meta": " ".join(ta.segment(labels)),
        "body": " ".join(ta.segment(f"{description} {description_en}")),
        "title_bg": " ".join(ta.bigrams(title)),
        "title_py": " ".join(py.title_syllables(title)),
        "body_bg": " ".join(ta.bigrams(f"{description} {kw}")),
        "sug": ta.suggest_terms(title, title_en),
    }


@lru_cache(maxsize=4096)
def org_text(publisher_title: str, publisher_title_en: str) -> str:
    """The segmented publisher of a document: a few hundred publishers share a catalog,
    so each is segmented once per process."""
    return " ".join(ta.segment(f"{publisher_title} {publisher_title_en}"))


def remember(key: TextKey, fields: dict[str, object]) -> None:
    """Keep fields analysed elsewhere (a mapping worker) for the document of this text."""
    with _lock:
        _remembered[key] = fields
        _remembered.move_to_end(key)
        while len(_remembered) > MAX_REMEMBERED:
            _remembered.popitem(last=False)


def analysed_fields(doc: Mapping) -> dict[str, object]:
    """The analysed text fields of a document: remembered ones (used once) when they were
    computed from exactly this text, else analysed now."""
    key = text_key(doc)
    with _lock:
        fields = _remembered.pop(key, None)
    return fields if fields is not None else analyse(key)


def remembered_count() -> int:
    """How many field sets wait (for tests and the benchmark's checks)."""
    with _lock:
        return len(_remembered)


def forget_all() -> None:
    with _lock:
        _remembered.clear()
