"""What the metadata fields are called on the pages (diffs, review), in both languages."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

LABELS = {
    "title": _l("Title"),
    "title_en": _l("Title (English)"),
    "description": _l("Description"),
    "description_en": _l("Description (English)"),
    "name": _l("Name"),
    "identifier": _l("Identifier"),
    "kind": _l("Kind"),
    "status": _l("State"),
    "status_note": _l("Note"),
    "organization_id": _l("Publisher"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "contact_phone": _l("Contact phone"),
    "keywords": _l("Keywords"),
    "themes": _l("Themes"),
    "access_rights": _l("Openness"),
    "openness": _l("Openness"),
    "access_conditions": _l("Access conditions"),
    "license": _l("Licence"),
    "issued": _l("Issued"),
    "modified": _l("Modified"),
    "frequency": _l("Update frequency"),
    "temporal_start": _l("Covers from"),
    "temporal_end": _l("Covers until"),
    "spatial": _l("Spatial coverage"),
    "languages": _l("Languages"),
    "version": _l("Version"),
    "conforms_to": _l("Standards it conforms to"),
    "landing_page": _l("Landing page"),
    "documentation": _l("Documentation"),
    "resource_code": _l("Resource code"),
    "source_department": _l("Source department"),
    "domain": _l("Sector"),
    "open_mode": _l("Open mode"),
    "data_formats": _l("Data formats"),
    "data_volume": _l("Data volume"),
    "task_categories": _l("Task categories"),
    "modalities": _l("Modalities"),
    "annotation_type": _l("Annotation type"),
    "annotation_method": _l("Annotation method"),
    "annotation_accuracy": _l("Annotation accuracy"),
    "sample_counts": _l("Samples per split"),
    "metrics": _l("Metrics"),
    "citation": _l("Citation"),
    "quality_score": _l("Metadata quality"),
    "review_by": _l("Reviewed by"),
    "featured": _l("Featured"),
    "extras": _l("Other fields"),
    "source_id": _l("Harvest source"),
    "source_record_id": _l("Record in the source"),
    "harvested_at": _l("Harvested"),
    "download_url": _l("Download URL"),
    "access_url": _l("Access URL"),
    "format": _l("Format"),
    "media_type": _l("Media type"),
    "byte_size": _l("Size in bytes"),
    "checksum": _l("Checksum"),
    "checksum_algorithm": _l("Checksum algorithm"),
    "sha256": _l("SHA-256 hash"),
    "restricted": _l("Restricted"),
    "stored_file": _l("Stored file"),
    "link_status": _l("Link check"),
    "link_checked_at": _l("Link checked"),
}
_DIST = re.compile(r"^distributions\[(\d+)\](?:\.(\w+))?$")


def field_label(name: str) -> str:
    m = _DIST.match(name)
    if m:
        head = _("Resource %(n)s", n=m.group(1))
        return f"{head} · {LABELS[m.group(2)]}" if m.group(2) in LABELS else head
    label = LABELS.get(name)
    return str(label) if label else name
