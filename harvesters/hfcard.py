"""Hugging Face dataset cards: a YAML header (language, license, task_categories,
size_categories, annotations_creators, dataset_info, ...) and a Markdown body.

The header gives the structured fields; the body gives the summary (the "Dataset Summary"
section), the homepage and the citation. A card's identity is its dataset id, taken from
the file name (``squad.README.md``, or ``squad/README.md``).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from marshmallow import INCLUDE, Schema, post_load

from harvesters import normalize, vocabmap
from harvesters.base import RecordError, RemoteRecord, Transformed, load_remote
from harvesters.documents import Document
from harvesters.fields import Raw, Text, TextList
from harvesters.files import FileHarvester

# libyaml's loader when PyYAML was built with it (about ten times faster), else Python's
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$", re.MULTILINE)
_LINK_FIELD = r"^\s*[-*]?\s*\*\*{label}:?\*\*:?\s*(.+)$"
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)\)")
_PLACEHOLDER = "More Information Needed"
_KEEP = (
    "task_ids",
    "size_categories",
    "source_datasets",
    "language_creators",
    "annotations_creators",
    "multilinguality",
    "paperswithcode_id",
    "pretty_name",
    "tags",
)


def split_card(text: str) -> tuple[dict, str]:
    """(YAML header, Markdown body); a card without a header has an empty one."""
    m = _FRONT.match(text)
    if not m:
        return {}, text
    try:
        header = yaml.load(m.group(1), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise RecordError("transform", f"YAML header unreadable: {str(exc)[:200]}") from None
    if not isinstance(header, dict):
        raise RecordError("transform", "YAML header is not a mapping")
    return header, text[m.end() :]


def section(body: str, title: str) -> str | None:
    """The text under a heading (up to the next heading of the same or a higher level)."""
    heads = list(_HEADING.finditer(body))
    for i, h in enumerate(heads):
        if h.group(2).strip().lower() == title.lower():
            level = len(h.group(1))
            end = len(body)
            for nxt in heads[i + 1 :]:
                if len(nxt.group(1)) <= level:
                    end = nxt.start()
                    break
            text = body[h.end() : end].strip()
            if text and _PLACEHOLDER not in text:
                return text
            return None
    return None


def link_field(body: str, label: str) -> str | None:
    """``- **Homepage:** [x](url)`` -> url (None for the placeholder)."""
    m = re.search(_LINK_FIELD.format(label=re.escape(label)), body, re.MULTILINE | re.IGNORECASE)
    if not m or _PLACEHOLDER in m.group(1):
        return None
    link = _MD_LINK.search(m.group(1))
    return normalize.url(link.group(2) if link else m.group(1).strip())


def _split_counts(info: Any) -> dict[str, int]:
    """Examples per split from ``dataset_info`` (one config or a list of them, summed)."""
    configs = info if isinstance(info, list) else [info]
    out: dict[str, int] = {}
    for cfg in configs:
        for split in (cfg or {}).get("splits") or [] if isinstance(cfg, dict) else []:
            if isinstance(split, dict) and isinstance(split.get("num_examples"), int):
                name = str(split.get("name") or "train")
                out[name] = out.get(name, 0) + max(0, split["num_examples"])
    return out


def table_counts(body: str) -> dict[str, int]:
    """Examples per split from the card's "Data Splits" table (``| name |train|test|``
    with one row per configuration, summed), for cards without ``dataset_info``."""
    text = section(body, "Data Splits") or ""
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.strip().startswith("|")
    ]
    rows = [r for r in rows if not all(set(c) <= set("-: ") for c in r)]
    if len(rows) < 2 or len(rows[0]) < 2:
        return {}
    out: dict[str, int] = {}
    for row in rows[1:]:
        for split, cell in zip(rows[0][1:], row[1:], strict=False):
            n = cell.replace(",", "")
            if split and n.isdigit():
                out[split] = out.get(split, 0) + int(n)
    return out


def _citation(body: str) -> str | None:
    text = section(body, "Citation Information")
    if not text:
        return None
    m = re.search(r"```[a-z]*\n(.*?)```", text, re.DOTALL)
    return (m.group(1) if m else text).strip() or None


def _summary(body: str) -> str:
    text = section(body, "Dataset Summary")
    if text:
        return text
    for para in re.split(r"\n\s*\n", _HEADING.sub("", body)):
        p = para.strip()
        if p and not p.startswith(("- [", "|", "```")) and _PLACEHOLDER not in p:
            return p
    return ""


class CardHeaderIn(Schema):
    class Meta:
        unknown = INCLUDE

    pretty_name = Text()
    license = TextList()
    language = TextList()
    task_categories = TextList()
    task_ids = TextList()
    multilinguality = TextList()
    annotations_creators = TextList()
    tags = TextList()
    dataset_info = Raw()
    train_eval_index = Raw(data_key="train-eval-index")

    def __init__(self, dataset_id: str, body: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.dataset_id = dataset_id
        self.body = body

    @post_load
    def to_catalog(self, h: dict, **_kw: object) -> dict:
        body = self.body
        tasks, other_tasks = vocabmap.tasks(h.get("task_categories") or [])
        langs, other_langs = vocabmap.languages(h.get("language") or [])
        if "multilingual" in (h.get("multilinguality") or []) and "multi" not in langs:
            langs.append("multi")
        licenses = h.get("license") or []
        lic = vocabmap.license_code(licenses[0]) if licenses else None
        extras = {k: h[k] for k in _KEEP if h.get(k)}
        if other_tasks:
            extras["task_categories"] = other_tasks
        if other_langs:
            extras["language"] = other_langs
        if licenses and (len(licenses) > 1 or lic != licenses[0]):
            extras["license"] = licenses
        for label in ("Repository", "Paper", "Leaderboard"):
            u = link_field(body, label)
            if u:
                extras[label.lower()] = u
        metrics = []
        for entry in h.get("train_eval_index") or []:
            for m in (entry or {}).get("metrics") or [] if isinstance(entry, dict) else []:
                name = normalize.text(m.get("name") if isinstance(m, dict) else m)
                if name and name not in metrics:
                    metrics.append(name)
        homepage = (
            link_field(body, "Homepage") or f"https://huggingface.co/datasets/{self.dataset_id}"
        )
        return {
            "title": h.get("pretty_name") or self.dataset_id,
            "description": normalize.clip(_summary(body), 100_000),
            "license": lic,
            "languages": langs,
            "task_categories": tasks,
            "modalities": vocabmap.modalities_of_tasks(tasks),
            "annotation_method": vocabmap.annotation_method(h.get("annotations_creators") or []),
            "sample_counts": _split_counts(h.get("dataset_info")) or table_counts(body),
            "metrics": metrics,
            "keywords": list(dict.fromkeys([*(h.get("tags") or []), *(h.get("task_ids") or [])])),
            "landing_page": homepage,
            "citation": _citation(body),
            "extras": extras,
        }


def card_id(location: str) -> str:
    """``.../squad.README.md`` or ``.../squad/README.md`` -> ``squad``."""
    parts = location.rstrip("/").replace("\\", "/").split("/")
    name = parts[-1]
    if name.lower() == "readme.md" and len(parts) > 1:
        return parts[-2]
    return re.sub(r"(?i)(\.readme)?\.md$", "", name)


class HfCardHarvester(FileHarvester):
    """Hugging Face dataset cards (YAML header + Markdown), from a URL, folder or upload."""

    kind = "hfcard"
    patterns = ("*.md",)

    def parse(self, doc: Document) -> Any:
        header, body = split_card(doc.text(("utf-8-sig", "gb18030")))
        return {"header": header, "body": body}

    def identity(self, parsed: Any, doc: Document) -> str | None:
        return card_id(doc.location)

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        parsed = payload["doc"]
        dataset_id = card_id(payload["location"])
        data, warnings = load_remote(CardHeaderIn(dataset_id, parsed["body"]), parsed["header"])
        return Transformed(record.known_id(), data, None, name_hint=dataset_id, warnings=warnings)
