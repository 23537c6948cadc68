"""What a hit shows beside its stored payload: snippets, made alike for every backend.

The engines hold only segmented text (their own highlighters would show the inserted
spaces), so snippets are cut from the stored payload here, with ``text.highlight``.
"""

from __future__ import annotations

from catalog.search import text as ta


def snippets_of(doc: dict, terms: list[str]) -> dict[str, str]:
    """Plain-text excerpts of a hit's titles and descriptions, matches in <mark>."""
    out = {
        "title": ta.highlight(doc["title"], terms, width=500),
        "description": ta.highlight(doc.get("description") or "", terms),
    }
    if doc.get("title_en"):
        out["title_en"] = ta.highlight(doc["title_en"], terms, width=500)
    if doc.get("description_en"):
        out["description_en"] = ta.highlight(doc["description_en"], terms)
    return out
