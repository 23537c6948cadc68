"""The dataset form: every metadata field (AI fields included) and its distributions, turned
into the services' input and back.

The form keeps values as text while someone works on them (what they typed comes back with
the errors); only :func:`to_input` turns them into the JSON-like input of
``DatasetSchema``, where the real validation happens. Distributions are numbered rows
``dist-<i>-<field>``; empty rows are ignored, so a blank row is always offered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import SimpleNamespace

from werkzeug.datastructures import MultiDict

from catalog.models import Dataset
from schemas.messages import translate

TEXT = (
    "title",
    "title_en",
    "identifier",
    "kind",
    "organization",
    "description",
    "description_en",
    "contact_name",
    "contact_email",
    "contact_phone",
    "access_rights",
    "access_conditions",
    "license",
    "issued",
    "frequency",
    "temporal_start",
    "temporal_end",
    "version",
    "landing_page",
    "documentation",
    "resource_code",
    "source_department",
    "domain",
    "open_mode",
    "data_volume",
    "annotation_type",
    "annotation_method",
    "citation",
)
COMMA_LISTS = ("keywords", "data_formats", "metrics")
LINE_LISTS = ("conforms_to",)
MULTI = ("themes", "spatial", "languages", "task_categories", "modalities")
SPECIAL = ("annotation_accuracy", "sample_counts")
ALL_FIELDS = TEXT + COMMA_LISTS + LINE_LISTS + MULTI + SPECIAL
DIST_TEXT = (
    "title",
    "title_en",
    "description",
    "access_url",
    "download_url",
    "format",
    "media_type",
    "byte_size",
    "license",
    "checksum",
    "checksum_algorithm",
    "sha256",
    "split",
    "stored",
)
_SPLIT = re.compile(r"[,，、;；\n]+")


@dataclass
class Parsed:
    """The services' input made from a form, or the form's own errors."""

    data: dict
    files: dict[int, str]  # distribution position -> stored file key
    rows: list[int]  # distribution position -> form row number
    errors: dict[str, list[str]] = field(default_factory=dict)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def values_from_dataset(ds: Dataset | SimpleNamespace) -> dict:
    """The form's text values for an existing dataset (or a snapshot of one, see
    :func:`values_from_snapshot`)."""
    v: dict = {k: _text(getattr(ds, k)) for k in TEXT if k != "organization"}
    v["organization"] = ds.organization.name if ds.organization else ""
    for k in COMMA_LISTS:
        v[k] = ", ".join(getattr(ds, k) or [])
    for k in LINE_LISTS:
        v[k] = "\n".join(getattr(ds, k) or [])
    for k in MULTI:
        v[k] = list(getattr(ds, k) or [])
    v["annotation_accuracy"] = _text(ds.annotation_accuracy)
    v["sample_counts"] = "\n".join(f"{k}: {n}" for k, n in (ds.sample_counts or {}).items())
    v["dists"] = [
        {
            **{k: _text(getattr(d, k, None)) for k in DIST_TEXT if k != "stored"},
            "stored": d.stored_file or "",
            "restricted": "on" if d.restricted else "",
        }
        for d in ds.distributions
    ]
    return v


def values_from_snapshot(snap: dict, organization: str | None) -> dict:
    """The form's values for a dataset as a snapshot holds it (a change waiting for review:
    ``DatasetRevision.snapshot``); ``organization`` is the name of its publisher."""
    view = SimpleNamespace(**{k: v for k, v in snap.items() if k != "distributions"})
    view.organization = SimpleNamespace(name=organization) if organization else None
    view.distributions = [SimpleNamespace(**d) for d in snap.get("distributions") or []]
    return values_from_dataset(view)


def values_from_form(form: MultiDict) -> dict:
    """What was posted, as text (for re-showing the form) and lists (for check boxes)."""
    v: dict = {k: form.get(k, "") for k in TEXT + COMMA_LISTS + LINE_LISTS + SPECIAL}
    for k in MULTI:
        v[k] = form.getlist(k)
    try:
        count = min(int(form.get("dist_count", "0")), 50)
    except ValueError:
        count = 0
    v["dists"] = [
        {
            **{k: form.get(f"dist-{i}-{k}", "").strip() for k in DIST_TEXT},
            "restricted": "on" if form.get(f"dist-{i}-restricted") else "",
        }
        for i in range(count)
    ]
    return v


def row_is_empty(row: dict) -> bool:
    return not any(
        row.get(k) for k in ("title", "access_url", "download_url", "stored", "description")
    )


def _none(text: str) -> str | None:
    text = (text or "").strip()
    return text or None


def to_input(values: dict, locale: str) -> Parsed:
    """The ``DatasetSchema`` input of the form's values; text that cannot even be read
    (a number that is not one) becomes a field error here, in the page's language."""
    errors: dict[str, list[str]] = {}
    data: dict = {k: _none(values.get(k, "")) for k in TEXT}
    data["description"] = data["description"] or ""
    if not data["title"]:
        data["title"] = ""
        errors["title"] = [translate("Missing data for required field.", locale)]
    for k in ("kind", "access_rights"):
        if data[k] is None:
            data.pop(k)
    for k in COMMA_LISTS:
        data[k] = [x.strip() for x in _SPLIT.split(values.get(k, "")) if x.strip()]
    for k in LINE_LISTS:
        data[k] = [x.strip() for x in values.get(k, "").splitlines() if x.strip()]
    for k in MULTI:
        data[k] = list(values.get(k) or [])
    acc = (values.get("annotation_accuracy") or "").strip().rstrip("%")
    data["annotation_accuracy"] = None
    if acc:
        try:
            number = float(acc)
            data["annotation_accuracy"] = number / 100 if number > 1 else number
        except ValueError:
            errors["annotation_accuracy"] = [translate("Not a valid number.", locale)]
    counts: dict[str, int] = {}
    for line in (values.get("sample_counts") or "").splitlines():
        if not line.strip():
            continue
        split, _sep, n = line.replace("：", ":").partition(":")
        try:
            counts[split.strip()] = int(n.strip().replace(",", ""))
        except ValueError:
            errors["sample_counts"] = [
                translate("Sample counts must be whole numbers of 0 or more.", locale)
            ]
    data["sample_counts"] = counts
    dists: list[dict[str, object]] = []
    files: dict[int, str] = {}
    rows: list[int] = []
    for i, row in enumerate(values.get("dists") or []):
        if row_is_empty(row):
            continue
        d: dict[str, object] = {
            k: _none(row.get(k, "")) for k in DIST_TEXT if k not in ("stored", "byte_size")
        }
        d["title"] = d["title"] or ""
        d["restricted"] = bool(row.get("restricted"))
        size = (row.get("byte_size") or "").strip()
        d["byte_size"] = None
        if size:
            try:
                d["byte_size"] = int(size)
            except ValueError:
                errors[f"dist-{i}-byte_size"] = [translate("Not a valid integer.", locale)]
        if not d["checksum"]:
            d.pop("checksum")
            d.pop("checksum_algorithm")
        if row.get("stored"):
            files[len(dists)] = row["stored"]
        rows.append(i)
        dists.append(d)
    data["distributions"] = dists
    return Parsed(data, files, rows, errors)


def changed(before: dict, after: dict) -> set[str]:
    """Fields whose text differs between the dataset's form and the posted one (only those
    are saved, so the fields a person did not touch stay with their harvest source)."""
    out = set()
    for k in ALL_FIELDS:
        a, b = before.get(k, ""), after.get(k, "")
        if isinstance(a, list) or isinstance(b, list):
            if sorted(a or []) != sorted(b or []):
                out.add(k)
        elif _text(a).strip() != _text(b).strip():
            out.add(k)
    keep = [r for r in before.get("dists") or [] if not row_is_empty(r)]
    now = [r for r in after.get("dists") or [] if not row_is_empty(r)]
    if keep != now:
        out.add("distributions")
    return out


def service_errors_to_form(errors: dict[str, list[str]], rows: list[int]) -> dict[str, list[str]]:
    """``distributions.<position>.<field>`` (service) -> ``dist-<row>-<field>`` (form)."""
    out: dict[str, list[str]] = {}
    for key, msgs in errors.items():
        parts = key.split(".")
        if parts[0] == "distributions" and len(parts) >= 3 and parts[1].isdigit():
            pos = int(parts[1])
            row = rows[pos] if pos < len(rows) else pos
            out.setdefault(f"dist-{row}-{parts[2]}", []).extend(msgs)
        else:
            out.setdefault(key, []).extend(msgs)
    return out
