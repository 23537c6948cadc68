"""Configuration read from the environment and the instance folder.

Everything city-specific (name, regions, themes, languages) is configuration, so another
city's bureau runs the product by changing settings rather than code.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


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
    page_size: int = 20
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
    }
    values: dict = {k: v for k, v in file_values.items() if k in Settings.__dataclass_fields__}
    values.update({k: v for k, v in env.items() if v})
    values.update({k: v for k, v in overrides.items() if v is not None})
    values.setdefault("database_url", f"sqlite:///{instance / 'catalog.db'}")
    values.setdefault("search_url", "embedded://")
    if not values.get("secret_key"):
        values["secret_key"] = _instance_secret(instance)
    return Settings(instance_path=instance, **values)


def _instance_secret(instance: Path) -> str:
    """A per-instance random key, kept in the instance folder so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(os.urandom(32).hex(), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()
