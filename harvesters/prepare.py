"""From a kind's transform output to what the store takes: clean, hash, key, validate.

Shared by every kind, so that limits (lengths, vocabularies, extras size), the content
hash that makes reruns cheap and the match keys that find duplicates across sources are
computed one way only.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from marshmallow import ValidationError

from catalog.services import names
from catalog.services.harvest import PublisherRef, SourceSpec
from harvesters import normalize
from harvesters.base import RecordError, Transformed, flatten_messages
from harvesters.fastload import FastLoader
from schemas import dataset as dataset_schema_module
from schemas.dataset import DatasetSchema
from schemas.distribution import DistributionSchema

MAX_EXTRA_BYTES = 20_000
# resource codes, identifiers and landing pages: what real open lists carry (issue 12)
MAX_CODE = 2000
MAX_INDEXED_BYTES = 2600
_LIMITS = {
    "title": 500,
    "title_en": 500,
    "contact_name": 200,
    "contact_phone": 50,
    "version": 50,
    "source_department": 300,
    "domain": 100,
    "data_volume": 100,
}
# what the hashes and keys are computed from: ``json.dumps(value, sort_keys=True,
# ensure_ascii=False, default=str)``, with its encoder made once instead of on every call
_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str).encode
# loaded through FastLoader: the schemas' own rules and messages, without most of the cost
# of marshmallow's machinery per record (issue 17)
_dataset_schema = FastLoader(DatasetSchema())
_dist_schema = FastLoader(DistributionSchema())


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _filled(items: Any) -> dict:
    """The pairs whose value is not ``_empty`` (written out: ~60 values a record)."""
    return {k: v for k, v in items if v is not None and v != "" and v != [] and v != {}}


def finish_input(t: Transformed, spec: SourceSpec, config: dict, dataset_kind: str) -> dict:
    """Apply the catalog's limits and the source's defaults to a transformed record.

    Values that cannot be kept where they belong go to ``extras`` (with a warning in
    ``t.warnings``), so a record loses nothing it had."""
    data = _filled(t.data.items())
    warnings = t.warnings
    extras = dict(data.pop("extras", {}) or {})
    data.setdefault("kind", config.get("dataset_kind") or dataset_kind)
    data.setdefault("access_rights", config.get("default_openness") or "unconditional")
    for key, limit in _LIMITS.items():
        if isinstance(data.get(key), str) and len(data[key]) > limit:
            data[key] = normalize.clip(data[key], limit)
            warnings.append(f"{key} shortened to {limit} characters")
    for key in ("identifier", "resource_code"):
        if isinstance(data.get(key), str) and not _fits_index(data[key]):
            extras[key] = data.pop(key)
            warnings.append(
                f"{key} longer than {MAX_CODE} characters (or {MAX_INDEXED_BYTES} bytes) kept in extras"
            )
    if isinstance(data.get("license"), str) and len(data["license"]) > 100:
        extras["license"] = data.pop("license")
        warnings.append("licence longer than 100 characters kept in extras")
    for key, limit in (("landing_page", MAX_CODE), ("documentation", 1000)):
        if isinstance(data.get(key), str) and len(data[key]) > limit:
            extras[key] = data.pop(key)
            warnings.append(f"{key} longer than {limit} characters kept in extras")
    for key, limit in (("keywords", 100), ("metrics", 100), ("conforms_to", 500)):
        if key in data:
            keep = [v for v in data[key] if len(v) <= limit]
            if len(keep) < len(data[key]):
                extras[f"{key}_too_long"] = [v for v in data[key] if len(v) > limit]
                warnings.append(f"{key} longer than {limit} characters kept in extras")
            data[key] = keep
    data["distributions"] = _distributions(data.get("distributions") or [], warnings)
    start, end = data.get("temporal_start"), data.get("temporal_end")
    if start and end and end < start:
        extras["temporal"] = [data.pop("temporal_start"), data.pop("temporal_end")]
        warnings.append("temporal coverage ends before it starts: kept in extras")
    for key in list(extras):
        if _empty(extras[key]):
            del extras[key]
        elif _larger(extras[key], MAX_EXTRA_BYTES):
            size = normalize.json_size(extras.pop(key))
            warnings.append(f"extras.{key} dropped: {size:,} bytes is more than the catalog keeps")
    if extras:
        data["extras"] = json.loads(normalize.json_text(extras))
    data["name"] = _name(t, spec)
    return _filled(data.items())


def _larger(value: Any, limit: int) -> bool:
    """``normalize.json_size(value) > limit``, without encoding a text or a list of texts
    that surely fits: JSON writes a character of a string as at most 6 (``\\u001f``), plus
    quotes and separators."""
    if value.__class__ is str:
        bound = 6 * len(value) + 2
    elif value.__class__ is list and all(v.__class__ is str for v in value):
        bound = sum(6 * len(v) + 4 for v in value) + 2
    else:
        bound = limit + 1
    return bound > limit and normalize.json_size(value) > limit


def _fits_index(value: str) -> bool:
    """At most ``MAX_CODE`` characters, and few enough bytes for a PostgreSQL b-tree index
    entry (about 2,700 bytes: 2,000 ASCII characters fit, 2,000 Chinese ones do not)."""
    return len(value) <= MAX_CODE and len(value.encode()) <= MAX_INDEXED_BYTES


def _distributions(dists: list, warnings: list[str]) -> list[dict]:
    """Each distribution checked on its own: an unusable one (no valid link) is dropped
    with the reason instead of failing the whole dataset."""
    out = []
    for i, d in enumerate(dists):
        d = _filled(d.items())
        if "title" in d:
            d["title"] = normalize.clip(d["title"], 500)
        else:
            d["title"] = d.get("format") or f"Resource {i + 1}"
        for key, limit in (("format", 50), ("license", 100), ("checksum", 128)):
            if isinstance(d.get(key), str) and len(d[key]) > limit:
                d.pop(key)
        errors = _dist_schema.validate(d)
        if errors:
            warnings.append(
                f"distribution {i + 1} ({d.get('title')}) dropped: {flatten_messages(errors)}"
            )
            continue
        out.append(d)
    return out


def _name(t: Transformed, spec: SourceSpec) -> str:
    """A stable name: the same record gets the same name in every run (and in a run
    repeated after a crash), so links and exports do not change."""
    for candidate in (t.name_hint, t.data.get("title_en")):
        s = normalize.slug(candidate or "", 80)
        if len(s) >= 3:
            return s
    # a Chinese title reads as its pinyin (保定市公交线路 -> baodingshi-gongjiaoxianlu), not
    # as what is left of it in ASCII (a year) or a hash
    s = names.pinyin_slug(t.data.get("title") or "")
    if len(s) >= 3:
        return s
    kind = (t.data.get("kind") or "dataset").replace("_", "-")
    return f"{kind}-{normalize.short_hash(spec.name, t.remote_id)}"


# settings that say how a run goes, not what its records become: left out of the hashes,
# so that changing them maps nothing again
RUN_ONLY = frozenset({"map_workers_after"})


def mapping_settings(config: dict | None) -> dict:
    """A source's settings without ``RUN_ONLY``'s."""
    return {k: v for k, v in (config or {}).items() if k not in RUN_ONLY}


def content_hash(data: dict, publisher: PublisherRef | None, spec: SourceSpec) -> str:
    """What decides "unchanged": the record as transformed, its publisher and the source's
    settings (a new mapping in the configuration re-applies every record)."""
    payload = {
        "record": data,
        "publisher": publisher.__dict__ if publisher else None,
        "config": mapping_settings(spec.config) if spec.config is not None else None,
        "trusted": spec.trusted,
        "owner": spec.organization,
    }
    blob = _canonical(payload)
    return hashlib.sha256(blob.encode()).hexdigest()


@lru_cache(maxsize=1)
def mapping_fingerprint() -> str:
    """A hash of the code that turns a source's record into the catalog's (every module of
    ``harvesters`` and ``schemas``): a new release that maps differently makes every
    source hash differ, so each record is mapped again (and then compared by content)."""
    h = hashlib.sha256()
    for package in (Path(__file__).parent, Path(dataset_schema_module.__file__).parent):
        for path in sorted(package.glob("*.py")):
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def source_context(config: dict, spec: SourceSpec) -> bytes:
    """What every record's source hash shares (computed once a run): the run's settings
    (with the domain themes curators mapped and what the kind's transform depends on), the
    source's trust and owner, and the mapping code."""
    blob = json.dumps(
        {
            "config": config,
            "trusted": spec.trusted,
            "owner": spec.organization,
            "code": mapping_fingerprint(),
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(blob.encode()).digest()


def source_hash(payload: Any, context: bytes) -> str:
    """What decides "unchanged" before any mapping: the record exactly as the source sent
    it, under the run's ``source_context``. Equal to the hash stored by the last run that
    applied the record, the record is unchanged without being mapped or validated (issue
    17): mapping the same input with the same code and settings gives the same content hash."""
    blob = _canonical(payload)
    return hashlib.sha256(context + blob.encode()).hexdigest()


def validate(data: dict) -> dict:
    """Load with the catalog's own :class:`DatasetSchema`: what passes here is what a
    person could have typed in."""
    try:
        return _dataset_schema.load(data)
    except ValidationError as exc:
        raise RecordError("validate", flatten_messages(exc.messages)) from None


def _norm_url(u: str) -> str:
    """A link as a match key: scheme and host lowercased, no trailing slash, no fragment.
    A plain absolute link (printable ASCII: nothing urlsplit removes; a host without
    brackets) is cut here as ``urlsplit`` cuts it; anything else goes through it."""
    s = u.strip()
    head = _PLAIN_URL.match(s) if s.isascii() and s.isprintable() else None
    if head is None:
        return _norm_url_split(s)
    rest = s[head.end() :].split("#", 1)[0]
    path, _, query = rest.partition("?")
    scheme, netloc = head.group(1).lower(), head.group(2).lower()
    return f"{scheme}://{netloc}{path.rstrip('/') or '/'}" + (f"?{query}" if query else "")


# scheme (as urlsplit reads one) and a non-empty host, up to the path, query or fragment
_PLAIN_URL = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?#\[\]]+)(?=[/?#]|$)")


def _norm_url_split(s: str) -> str:
    parts = urlsplit(s)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def _key(kind: str, value: str) -> tuple[str, str]:
    return kind, hashlib.sha256(f"{kind}\x1f{value}".encode()).hexdigest()


def match_keys(data: dict, organization: str | None) -> list[tuple[str, str]]:
    """The keys by which another source's record of the same dataset is recognised,
    strongest first."""
    return with_publisher_key(record_keys(data), data, organization)


def with_publisher_key(
    keys: list[tuple[str, str]], data: dict, organization: str | None
) -> list[tuple[str, str]]:
    """``record_keys`` and, last, the key of the publisher with the folded title (known
    only once the publisher is one of our organizations)."""
    if organization and data.get("title"):
        keys = [*keys, _key("title", f"{organization}\x1f{normalize.fold(data['title'])}")]
    return list(dict.fromkeys(keys))


def record_keys(data: dict) -> list[tuple[str, str]]:
    """The match keys the record alone decides (identifier, links, content), strongest
    first: what a worker process computes before the publisher is resolved."""
    keys = []
    ident = data.get("identifier")
    if ident:
        keys.append(_key("identifier", ident.strip().casefold()))
    if data.get("landing_page"):
        keys.append(_key("landing_page", _norm_url(data["landing_page"])))
    for d in data.get("distributions") or []:
        for k in ("download_url", "access_url"):
            if d.get(k):
                keys.append(_key("url", _norm_url(d[k])))
    body = {k: v for k, v in data.items() if k not in ("name", "organization")}
    blob = _canonical(body)
    keys.append(_key("content", blob))
    return list(dict.fromkeys(keys))
