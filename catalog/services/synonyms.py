"""The curated synonym list of search: read, tried and saved by the bureau's curators.

The list lives in a file (``Settings.synonyms_file``, by default ``<instance>/synonyms.txt``;
the packaged list answers until the first edit), because search reads it on every query
and notices a changed file at once in every process. A save is checked line by line before
anything is written, replaces the file atomically, and is audited with the whole old list,
so an edit can be read back and undone.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from catalog.errors import ValidationFailed
from catalog.search import SearchQuery
from catalog.search import text as ta
from catalog.search.query_plan import plan_query
from catalog.services import audit, authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

MAX_CHARS = 200_000


@dataclass
class Preview:
    query: str
    words: list[str]  # what the query's words expand to with the draft list
    total_now: int
    total_draft: int
    titles_draft: list[str]


def current_text(cat: Catalog) -> tuple[str, str]:
    """The list in use, and where it comes from ("instance" or "packaged")."""
    src = ta.synonyms_source(cat.settings.synonyms_file)
    kind = "packaged" if src == ta.PACKAGED_SYNONYMS else "instance"
    return src.read_text(encoding="utf-8"), kind


def parse(text: str) -> dict[str, tuple[str, ...]]:
    """The draft as groups, or a ValidationFailed naming the line that cannot be used."""
    if len(text) > MAX_CHARS:
        raise ValidationFailed({"synonyms": [f"The list is longer than {MAX_CHARS} characters."]})
    try:
        return ta.parse_synonyms(text)
    except ta.SynonymError as exc:
        raise ValidationFailed({"synonyms": [str(exc)]}) from exc


def preview(cat: Catalog, actor: Actor, text: str, query: str) -> Preview:
    """What ``query`` would find with the draft list, beside what it finds now."""
    authz.require_curator(actor)
    draft = parse(text)
    plan = plan_query(query, draft)
    words = list(plan.highlight)
    now = cat.search.search(SearchQuery(text=query, facets=(), page_size=10))
    new = cat.search.search(SearchQuery(text=query, facets=(), page_size=10, synonyms=draft))
    return Preview(query, words, now.total, new.total, [h.doc["title"] for h in new.hits])


def save(cat: Catalog, actor: Actor, text: str, note: str | None = None) -> int:
    """Check and store the list; returns the number of groups."""
    authz.require_curator(actor)
    groups = parse(text)
    old, _kind = current_text(cat)
    target = Path(cat.settings.synonyms_file or cat.settings.instance_path / "synonyms.txt")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".synonyms-", suffix=".txt")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text if text.endswith("\n") else text + "\n")
    os.replace(tmp, target)
    n = len({g for g in groups.values()})
    with cat.session() as s:
        audit.record(
            s,
            actor,
            "search.synonyms_updated",
            "synonyms",
            target.name,
            note,
            {"groups": n, "previous": old},
        )
    return n
