"""Metadata formats other ecosystems speak: DCAT-AP, CKAN package dicts, Croissant, schema.org.

Each module turns a *record* (the plain dict built by
``catalog.services.published.dataset_record``: dataset columns, ``organization`` as a dict,
``distributions`` already filtered to what the caller may see) into that format. No I/O
and nothing of ours is imported here, so the mappings can be tested on plain dicts.

This module holds what several formats share: where things live (:class:`SiteLinks`) and
the mappings of our codes onto public vocabularies (media types, EU file types, licences).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_NAMESPACE = "https://data-partner-catalog.example/ns#"

# Our format labels -> IANA media types (for dcat:mediaType, CKAN mimetype, Croissant).
MEDIA_TYPES = {
    "CSV": "text/csv",
    "XLSX": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "XLS": "application/vnd.ms-excel",
    "JSON": "application/json",
    "JSONL": "application/jsonlines",
    "GEOJSON": "application/geo+json",
    "XML": "application/xml",
    "PDF": "application/pdf",
    "ZIP": "application/zip",
    "PARQUET": "application/vnd.apache.parquet",
    "JPEG": "image/jpeg",
    "JPG": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "MP4": "video/mp4",
    "WAV": "audio/wav",
    "MP3": "audio/mpeg",
    "TXT": "text/plain",
    "HTML": "text/html",
    "GZ": "application/gzip",
    "TAR": "application/x-tar",
}

# Our format labels -> codes of the EU file-type vocabulary (dct:format in DCAT-AP).
EU_FILE_TYPE_BASE = "http://publications.europa.eu/resource/authority/file-type/"
EU_FILE_TYPES = {
    "CSV": "CSV",
    "XLSX": "XLSX",
    "XLS": "XLS",
    "JSON": "JSON",
    "GEOJSON": "GEOJSON",
    "XML": "XML",
    "PDF": "PDF",
    "ZIP": "ZIP",
    "SHP": "SHP",
    "PARQUET": "PARQUET",
    "JPEG": "JPEG",
    "JPG": "JPEG",
    "PNG": "PNG",
    "TIFF": "TIFF",
    "MP4": "MP4",
    "WAV": "WAV",
    "MP3": "MP3",
    "TXT": "TXT",
    "HTML": "HTML",
    "GZ": "GZIP",
    "TAR": "TAR",
}

# Our licence codes -> (EU licence vocabulary URI or None, a public text of the licence).
LICENCES: dict[str, tuple[str | None, str | None]] = {
    "CC-BY-4.0": (
        "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    "CC0-1.0": (
        "http://publications.europa.eu/resource/authority/licence/CC0",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    "CC-BY-SA-4.0": (
        "http://publications.europa.eu/resource/authority/licence/CC_BYSA_4_0",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    "CC-BY-NC-4.0": (
        "http://publications.europa.eu/resource/authority/licence/CC_BYNC_4_0",
        "https://creativecommons.org/licenses/by-nc/4.0/",
    ),
    "ODbL-1.0": (
        "http://publications.europa.eu/resource/authority/licence/ODC_BL",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    "Apache-2.0": (
        "http://publications.europa.eu/resource/authority/licence/APACHE_2_0",
        "https://www.apache.org/licenses/LICENSE-2.0",
    ),
    "MIT": (
        "http://publications.europa.eu/resource/authority/licence/MIT",
        "https://opensource.org/license/mit",
    ),
}
OPEN_LICENCES = {"CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0", "ODbL-1.0", "Apache-2.0", "MIT"}

# Our language codes -> EU language vocabulary codes.
EU_LANGUAGE_BASE = "http://publications.europa.eu/resource/authority/language/"
EU_LANGUAGES = {"zh": "ZHO", "en": "ENG", "ja": "JPN", "ko": "KOR", "multi": "MUL"}


@dataclass(frozen=True)
class SiteLinks:
    """Where the catalog lives, so every format names datasets with the same URIs."""

    base: str
    namespace: str = DEFAULT_NAMESPACE
    site_name: str = ""
    site_name_en: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "base", self.base.rstrip("/"))

    @property
    def catalog(self) -> str:
        return f"{self.base}/catalog"

    def page(self, record: dict) -> str:
        """The human page of a dataset (by name: what people share and search engines index)."""
        return f"{self.base}/dataset/{record['name']}"

    def dataset(self, record: dict) -> str:
        """The dataset's URI: by id, which never changes (names can) and still resolves."""
        return f"{self.base}/dataset/{record['id']}"

    def distribution(self, record: dict, dist: dict) -> str:
        return f"{self.dataset(record)}/resource/{dist['id']}"

    def organization(self, name: str) -> str:
        return f"{self.base}/api/v1/organizations/{name}"

    def croissant(self, record: dict) -> str:
        return f"{self.base}/dataset/{record['name']}/croissant.jsonld"


def media_type(dist: dict) -> str | None:
    """The distribution's media type as given, else the usual one for its format."""
    if dist.get("media_type"):
        return dist["media_type"]
    return MEDIA_TYPES.get((dist.get("format") or "").upper())


def dist_url(dist: dict) -> str | None:
    """The link that gets the data: the download URL when there is one, else the access URL."""
    return dist.get("download_url") or dist.get("access_url")
