"""The dataset page's metadata table as (label, value) rows prepared in Python.

The table was 25 calls of a Jinja ``row`` macro, each given a translated label and a value
(often through a ``labels`` macro): about a third of the page's template calls, paid for
every empty row too, and a dataset page is rendered afresh for most visits (issue 17,
item 5: 3,000 datasets, picked by popularity, spread over the workers' page caches). Here
an empty row costs a truth test; the text is the same as the macros wrote.
"""

from __future__ import annotations

from flask_babel import gettext
from markupsafe import Markup

from catalog.models import Dataset
from schemas import vocab
from web.i18n import locale, localized


def N_(msgid: str) -> str:  # noqa: N802 -- gettext's name for "a msgid, translated later"
    """Marks a msgid for extraction; it is translated only if its row is shown."""
    return msgid


def _labels(codes: list[str] | None, vocab_name: str, lang: str) -> str:
    return "、".join(vocab.label(vocab_name, c, lang) for c in codes or [])


def _joined(values: list | None) -> str:
    return ", ".join(str(v) for v in values or [])


def metadata_rows(ds: Dataset) -> list[tuple[Markup, object]]:
    """The rows of the table that have a value, in the page's order and language.

    Labels are trusted like the templates' ``_()`` (Markup), values are escaped by the
    template as before."""
    lang = locale()

    def label(code: str | None, vocab_name: str) -> str:
        return vocab.label(vocab_name, code, lang)

    accuracy = ds.annotation_accuracy
    rows: list[tuple[str, object]] = [
        (
            N_("Publisher"),
            localized(ds.organization, "title") if ds.organization else ds.source_department,
        ),
        (N_("Resource code"), ds.resource_code),
        (N_("Source department"), ds.source_department),
        (N_("Themes"), _labels(ds.themes, "theme", lang)),
        (N_("Keywords"), _joined(ds.keywords)),
        (N_("Openness"), label(ds.access_rights, "openness")),
        (N_("Open mode"), ds.open_mode and label(ds.open_mode, "open_mode")),
        (N_("Update frequency"), ds.frequency and label(ds.frequency, "frequency")),
        (N_("Data formats"), _joined(ds.data_formats)),
        (N_("Data volume"), ds.data_volume),
        (N_("Licence"), ds.license and label(ds.license, "license")),
        (N_("Spatial coverage"), _labels(ds.spatial, "region", lang)),
        (
            N_("Temporal coverage"),
            (ds.temporal_start or ds.temporal_end)
            and f"{ds.temporal_start or ''} – {ds.temporal_end or ''}",
        ),
        (N_("Issued"), ds.issued),
        (N_("Modified"), ds.modified and ds.modified.strftime("%Y-%m-%d")),
        (N_("Languages"), _labels(ds.languages, "language", lang)),
        (N_("Version"), ds.version),
        (
            N_("Contact"),
            _joined([v for v in (ds.contact_name, ds.contact_email, ds.contact_phone) if v]),
        ),
        (N_("Task categories"), _labels(ds.task_categories, "task", lang)),
        (N_("Modalities"), _labels(ds.modalities, "modality", lang)),
        (
            N_("Annotation type"),
            ds.annotation_type and label(ds.annotation_type, "annotation_type"),
        ),
        (
            N_("Annotation method"),
            ds.annotation_method and label(ds.annotation_method, "annotation_method"),
        ),
        (N_("Annotation accuracy"), None if accuracy is None else f"{accuracy:.1%}"),
        (
            N_("Samples per split"),
            ds.sample_counts and ", ".join(f"{k}: {v}" for k, v in ds.sample_counts.items()),
        ),
        (N_("Metrics"), _joined(ds.metrics)),
    ]
    return [(Markup(gettext(title)), value) for title, value in rows if value]
