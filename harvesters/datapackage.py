"""Frictionless Data Packages (``datapackage.json``, v1 and v2).

Resources become distributions (a relative ``path`` is resolved against the descriptor's
URL; a path on a partner's disk has no URL and is kept in ``extras``). Identity: the
package's ``id``, else its ``name``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import INCLUDE, Schema, post_load

from catalog.services.harvest import PublisherRef
from harvesters import normalize, vocabmap
from harvesters.base import RecordError, RemoteRecord, Transformed, load_remote
from harvesters.documents import Document
from harvesters.fields import Raw, Text, TextList, Url
from harvesters.files import FileHarvester, resolve

_HASHES = {32: "md5", 40: "sha1", 64: "sha256", 128: "sha512"}


def _hash(value: Any) -> tuple[str | None, str | None]:
    """``"md5:..."``, ``"sha256:..."`` or a bare MD5 (v1's default)."""
    text = normalize.text(value)
    if not text:
        return None, None
    prefix, _, digest = text.rpartition(":")
    algo = prefix.lower() or _HASHES.get(len(digest))
    if algo not in ("md5", "sha1", "sha256", "sha512"):
        return None, None
    return digest.lower(), algo


class PackageIn(Schema):
    class Meta:
        unknown = INCLUDE

    id = Text()
    name = Text()
    title = Text()
    description = Text()
    homepage = Url()
    version = Text()
    created = Text()
    keywords = TextList(separators=",")
    licenses = Raw()
    contributors = Raw()
    sources = Raw()
    resources = Raw()

    def __init__(self, location: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.location = location

    @post_load
    def to_catalog(self, p: dict, **_kw: object) -> dict:
        extras: dict[str, Any] = {}
        dists, local_files, formats = [], [], []
        for r in p.get("resources") or []:
            if not isinstance(r, dict):
                continue
            path_value = r.get("path")
            paths: list[Any] = path_value if isinstance(path_value, list) else [path_value]
            fmt = vocabmap.data_format(r.get("format") or r.get("mediatype"))
            if fmt:
                formats.append(fmt)
            digest, algo = _hash(r.get("hash"))
            for i, path in enumerate(paths):
                url = normalize.url(resolve(self.location, normalize.text(path)))
                if url is None:
                    if path:
                        local_files.append(str(path))
                    continue
                title = normalize.text(r.get("title") or r.get("name")) or url.rsplit("/", 1)[-1]
                dists.append(
                    {
                        "title": title if len(paths) == 1 else f"{title} ({i + 1})",
                        "description": normalize.text(r.get("description")),
                        "download_url": url,
                        "access_url": url,
                        "format": fmt,
                        "media_type": vocabmap.media_type(r.get("mediatype")),
                        "byte_size": r.get("bytes") if isinstance(r.get("bytes"), int) else None,
                        "checksum": digest if len(paths) == 1 else None,
                        "checksum_algorithm": algo if len(paths) == 1 and digest else None,
                    }
                )
        if local_files:
            extras["files"] = local_files
        licenses = [
            normalize.text(x.get("name") or x.get("path"))
            if isinstance(x, dict)
            else normalize.text(x)
            for x in (p.get("licenses") or [])
        ]
        licenses = [x for x in licenses if x]
        lic = vocabmap.license_code(licenses[0]) if licenses else None
        if licenses and lic != licenses[0]:
            extras["licenses"] = licenses
        for key in ("contributors", "sources", "image", "profile", "$schema"):
            if p.get(key):
                extras[key] = p[key]
        return {
            "identifier": p.get("id"),
            "title": p.get("title") or p.get("name"),
            "description": p.get("description") or "",
            "landing_page": p.get("homepage"),
            "version": p.get("version"),
            "issued": normalize.iso(normalize.parse_date(p.get("created"))),
            "keywords": p.get("keywords"),
            "license": lic,
            "data_formats": list(dict.fromkeys(formats)),
            "distributions": dists,
            "extras": extras,
            "_name": p.get("name"),
            "_contributors": p.get("contributors"),
        }


def _publisher(contributors: Any) -> PublisherRef | None:
    for c in contributors or []:
        if not isinstance(c, dict):
            continue
        roles = [c.get("role")] + list(c.get("roles") or [])
        if "publisher" in roles:
            title = normalize.text(c.get("organization") or c.get("title"))
            if title:
                return PublisherRef(key=title, title=title, homepage=normalize.url(c.get("path")))
    return None


class DataPackageHarvester(FileHarvester):
    """Frictionless datapackage.json descriptors, from a URL, a folder or an upload."""

    kind = "datapackage"
    patterns = ("datapackage.json", "*.datapackage.json")

    def parse(self, doc: Document) -> Any:
        data = doc.json()
        if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
            raise RecordError("transform", "not a Data Package (no 'resources' list)")
        return data

    def identity(self, parsed: Any, doc: Document) -> str | None:
        return normalize.text(parsed.get("id")) or normalize.text(parsed.get("name"))

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        data, warnings = load_remote(PackageIn(payload["location"]), payload["doc"])
        if not data.get("title"):
            raise RecordError("transform", "neither title nor name")
        name = data.pop("_name")
        publisher = _publisher(data.pop("_contributors"))
        return Transformed(record.known_id(), data, publisher, name_hint=name, warnings=warnings)
