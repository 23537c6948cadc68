"""Configuration read from the environment and the instance folder.

Everything city-specific (name, regions, themes, languages) is configuration, so another
city's bureau runs the product by changing settings rather than code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

# File types a partner may upload: data and documentation, never anything a browser would
# run (html, svg, js) or a program.
UPLOAD_EXTENSIONS = (
    "csv",
    "tsv",
    "txt",
    "json",
    "jsonl",
    "xml",
    "xls",
    "xlsx",
    "ods",
    "parquet",
    "geojson",
    "zip",
    "gz",
    "tar",
    "7z",
    "pdf",
    "docx",
    "png",
    "jpg",
    "jpeg",
    "tif",
    "tiff",
    "wav",
    "mp3",
    "mp4",
    "pcd",
    "shp",
)
_INT_SETTINGS = (
    "smtp_port",
    "upload_max_bytes",
    "page_size",
    "export_cache_mb",
    "index_drain_seconds",
    "page_cache_mb",
    "page_cache_shared_mb",
)
_BOOL_SETTINGS = ("smtp_starttls", "session_cookie_secure")


@dataclass
class Settings:
    instance_path: Path
    database_url: str
    search_url: str
    secret_key: str
    site_name: str = "保定市公共数据资源目录"
    site_name_en: str = "Baoding Public Data Catalog"
    city_region: str = "130600"
    default_locale: str = "zh"
    locales: tuple[str, ...] = ("zh", "en")
    region_file: str | None = None
    synonyms_file: str | None = None
    # extra holidays and make-up workdays (JSON) for years the chinesecalendar package does
    # not cover yet; see catalog/workdays.py. A relative path is taken in the instance folder.
    workdays_file: str | None = None
    page_size: int = 20
    # outgoing e-mail (password resets, partner decisions, invitations); without a host the
    # messages are written to <instance>/mail/ so a development instance still works
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # behind HTTPS: cookies only over TLS, and browsers told to keep to HTTPS (HSTS)
    session_cookie_secure: bool = False
    mail_from: str = "noreply@localhost"
    # files partners upload as distributions: stored in <instance>/files/
    upload_max_bytes: int = 50 * 1024 * 1024
    upload_extensions: tuple[str, ...] = UPLOAD_EXTENSIONS
    # rendered /catalog.ttl|jsonld|rdf pages kept in <instance>/cache/exports/ (0: none)
    export_cache_mb: int = 256
    # a web process applies queued index changes (the outbox) at start and every so many
    # seconds, so a change whose drain failed (busy writer, crash) is not left waiting for
    # the next write; 0: only after writes
    index_drain_seconds: int = 30
    # anonymous pages kept rendered in each web process's memory, per catalog change and
    # language (web/page_cache.py); 0: none
    page_cache_mb: int = 64
    # the same pages kept on disk under <instance>/cache/pages/, shared by every web process
    # of the instance (gunicorn's workers), so a page one rendered the others read; 0: none
    page_cache_shared_mb: int = 256
    extra: dict = field(default_factory=dict)

    @property
    def index_path(self) -> Path:
        if self.search_url.startswith("embedded://"):
            rest = self.search_url[len("embedded://") :]
            if rest:
                return Path(rest)
        return self.instance_path / "search-index"


def load_settings(**overrides: object) -> Settings:
    """Build settings from ``CATALOG_*`` variables, then ``instance/settings.json``, then overrides."""
    instance = Path(
        str(overrides.pop("instance_path", None) or os.environ.get("CATALOG_INSTANCE", "instance"))
    ).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    file_values: dict = {}
    cfg = instance / "settings.json"
    if cfg.exists():
        file_values = json.loads(cfg.read_text(encoding="utf-8"))
    env = {
        "database_url": os.environ.get("CATALOG_DATABASE_URL"),
        "search_url": os.environ.get("CATALOG_SEARCH_URL"),
        "secret_key": os.environ.get("CATALOG_SECRET_KEY"),
        "site_name": os.environ.get("CATALOG_SITE_NAME"),
        "site_name_en": os.environ.get("CATALOG_SITE_NAME_EN"),
        "city_region": os.environ.get("CATALOG_CITY_REGION"),
        "region_file": os.environ.get("CATALOG_REGION_FILE"),
        "synonyms_file": os.environ.get("CATALOG_SYNONYMS_FILE"),
        "workdays_file": os.environ.get("CATALOG_WORKDAYS_FILE"),
        "smtp_host": os.environ.get("CATALOG_SMTP_HOST"),
        "smtp_port": os.environ.get("CATALOG_SMTP_PORT"),
        "smtp_user": os.environ.get("CATALOG_SMTP_USER"),
        "smtp_password": os.environ.get("CATALOG_SMTP_PASSWORD"),
        "smtp_starttls": os.environ.get("CATALOG_SMTP_STARTTLS"),
        "session_cookie_secure": os.environ.get("CATALOG_SESSION_COOKIE_SECURE"),
        "mail_from": os.environ.get("CATALOG_MAIL_FROM"),
        "upload_max_bytes": os.environ.get("CATALOG_UPLOAD_MAX_BYTES"),
        "export_cache_mb": os.environ.get("CATALOG_EXPORT_CACHE_MB"),
        "index_drain_seconds": os.environ.get("CATALOG_INDEX_DRAIN_SECONDS"),
        "page_cache_mb": os.environ.get("CATALOG_PAGE_CACHE_MB"),
        "page_cache_shared_mb": os.environ.get("CATALOG_PAGE_CACHE_SHARED_MB"),
    }
    values: dict = {k: v for k, v in file_values.items() if k in Settings.__dataclass_fields__}
    values.update({k: v for k, v in env.items() if v})
    values.update({k: v for k, v in overrides.items() if v is not None})
    values.setdefault("database_url", f"sqlite:///{instance / 'catalog.db'}")
    values.setdefault("search_url", "embedded://")
    # curators edit the synonym list on the curation pages; it is kept in the instance
    # folder (the packaged list answers until the first edit)
    values.setdefault("synonyms_file", str(instance / "synonyms.txt"))
    if not values.get("secret_key"):
        values["secret_key"] = _instance_secret(instance)
    _coerce(values)
    return Settings(instance_path=instance, **values)


def _coerce(values: dict) -> None:
    """Environment variables are text: turn the numeric and yes/no settings into their types."""
    for key in _INT_SETTINGS:
        if isinstance(values.get(key), str):
            values[key] = int(values[key])
    for key in _BOOL_SETTINGS:
        if isinstance(values.get(key), str):
            values[key] = values[key].strip().lower() in ("1", "true", "yes", "on")
    if isinstance(values.get("upload_extensions"), list | str):
        raw = values["upload_extensions"]
        items = raw.split(",") if isinstance(raw, str) else raw
        values["upload_extensions"] = tuple(x.strip().lower().lstrip(".") for x in items if x)


def _instance_secret(instance: Path) -> str:
    """A per-instance random key, kept in the instance folder so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
