"""Turn a dataset of the store into the document the search index holds.

The document carries only public metadata: never a distribution URL, so that no search
surface can leak a restricted link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from catalog.models import Dataset
from catalog.search import facet_values
from schemas import vocab

_PAYLOAD_TEXT = 600


def _ts(value: date | datetime | None) -> int:
    if value is None:
        return 0
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    return int(value.timestamp())


def _labels(ds: Dataset) -> str:
    """The names a record is filed under, in both languages, as searchable words: a search
    for 交通 or "transport" finds records of that theme even when their text says neither."""
    return labels_of(ds.domain, ds.themes, ds.spatial, ds.modalities, ds.task_categories)


def labels_of(
    domain: str | None,
    themes: list[str] | None,
    spatial: list[str] | None,
    modalities: list[str] | None,
    task_categories: list[str] | None,
) -> str:
    """:func:`_labels` of these values (a dataset's, or a record's before it is stored)."""
    names: list[str] = [domain or ""]
    for vocab_name, codes in (
        ("theme", themes),
        ("region", spatial),
        ("modality", modalities),
        ("task", task_categories),
    ):
        for code in codes or []:
            zh, en = vocab.label(vocab_name, code, "zh"), vocab.label(vocab_name, code, "en")
            names += [zh] if zh == en else [zh, en]
    return " ".join(dict.fromkeys(n for n in names if n))


def text_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The text fields of the document of a dataset that will be stored with these values
    (``DatasetSchema``'s output): what its analysed text is computed from
    (``catalog.search.analysed``), before the dataset has a row."""
    return {
        "title": values.get("title") or "",
        "title_en": values.get("title_en") or "",
        "description": values.get("description") or "",
        "description_en": values.get("description_en") or "",
        "keywords": list(values.get("keywords") or []),
        "labels": labels_of(
            values.get("domain"),
            values.get("themes"),
            values.get("spatial"),
            values.get("modalities"),
            values.get("task_categories"),
        ),
    }


def same_key(title: str, description: str, publisher: str) -> str:
    """What identical records share: the same title, description and publisher, compared
    as analysis sees them (case, width, script, spacing), so that copies of one record
    harvested from several portals collapse into one hit."""
    from catalog.search.text import fold

    parts = (" ".join(fold(t).split()) for t in (title, description, publisher))
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:15]


#: the columns of a dataset that its search document is made from (``dataset_document`` and
#: ``facet_values.values_of`` read these, the format and byte size of its distributions and
#: its organization's names, nothing else): the outbox drain reads only these (a test
#: checks that a document reads nothing else)
DOCUMENT_COLUMNS = (
    "id",
    "name",
    "title",
    "title_en",
    "description",
    "description_en",
    "keywords",
    "domain",
    "themes",
    "spatial",
    "modalities",
    "task_categories",
    "source_department",
    "access_rights",
    "kind",
    "data_formats",
    "license",
    "modified",
    "updated_at",
    "issued",
    "quality_score",
    "featured",
    "sample_counts",
    "annotation_type",
    "annotation_method",
    "annotation_accuracy",
    "temporal_start",
    "temporal_end",
    "data_volume",
)


def dataset_document(ds: Dataset, registered: bool = False) -> dict:
    """The search document of ``ds``; ``registered`` says whether a verified property-rights
    registration is in force (``services.registrations.registered_among``), which only the
    indexer, holding a session, can know."""
    org = ds.organization
    formats = sorted(
        {(d.format or "").upper() for d in ds.distributions if d.format}
        | {f.upper() for f in ds.data_formats or []}
    )
    sizes = [d.byte_size for d in ds.distributions if d.byte_size]
    return {
        "id": ds.id,
        "name": ds.name,
        "title": ds.title,
        "title_en": ds.title_en or "",
        "description": ds.description or "",
        "description_en": ds.description_en or "",
        "keywords": list(ds.keywords or []),
        "labels": _labels(ds),
        "publisher": org.name if org else "",
        "publisher_title": org.title if org else (ds.source_department or ""),
        "publisher_title_en": (org.title_en or "") if org else "",
        "theme": list(ds.themes or []),
        "openness": ds.access_rights,
        "kind": ds.kind,
        "format": formats,
        "license": ds.license or "",
        "region": list(ds.spatial or []),
        "modality": list(ds.modalities or []),
        "task": list(ds.task_categories or []),
        "modified": _ts(ds.modified or ds.updated_at),
        "issued": _ts(ds.issued),
        "quality": int(ds.quality_score or 0),
        "featured": bool(ds.featured),
        "registration": ["registered"] if registered else [],
        # derived facets (annotation, accuracy band, samples, splits, licence family,
        # coverage years): computed here once, filtered on as keywords
        **facet_values.values_of(ds),
        # what a result card shows of an AI dataset
        "sample_total": facet_values.sample_total(ds.sample_counts),
        "byte_size": sum(sizes) if sizes else None,
        "data_volume": ds.data_volume or "",
        "same": same_key(
            ds.title or "", ds.description or "", org.title if org else (ds.source_department or "")
        ),
    }


def related_texts(doc: dict) -> dict[str, str]:
    """The segmented title, keywords and description of a document, as both backends index
    them, without stop words: the text a more-like-this query for related datasets is made
    from."""
    from catalog.search.stopwords import is_stop
    from catalog.search.text import segment

    texts = {
        "title": f"{doc.get('title') or ''} {doc.get('title_en') or ''}",
        "keywords": " ".join(doc.get("keywords") or []),
        "body": f"{doc.get('description') or ''} {doc.get('description_en') or ''}",
    }
    # function words and the words for data itself (数据集, dataset) say nothing of a subject
    words = {f: [w for w in segment(t) if not is_stop(w.lower())] for f, t in texts.items()}
    return {f: " ".join(ws) for f, ws in words.items() if ws}


def payload(doc: dict) -> dict:
    """What a search hit shows without a trip to the database."""
    keep = (
        "id",
        "name",
        "title",
        "title_en",
        "publisher",
        "publisher_title",
        "publisher_title_en",
        "theme",
        "openness",
        "kind",
        "format",
        "modified",
        "featured",
        "quality",
        "same",
        "task",
        "modality",
        "sample_total",
        "byte_size",
        "data_volume",
    )
    out = {k: doc.get(k) for k in keep}
    out["description"] = (doc.get("description") or "")[:_PAYLOAD_TEXT]
    out["description_en"] = (doc.get("description_en") or "")[:_PAYLOAD_TEXT]
    return out
