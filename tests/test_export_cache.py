"""The catalog's DCAT pages are kept per catalog generation and never served stale.

Two app processes' worth (two apps on one instance folder, each on its own socket, as two
gunicorn workers share one) read and change the same catalog: whatever one changes, the
next page either serves shows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import XSD

from catalog.services import content, datasets
from catalog.services.authz import SYSTEM
from tests.livesite import load_small_catalog, serve

DCTERMS = Namespace("http://purl.org/dc/terms/")
SPDX = Namespace("http://spdx.org/rdf/terms#")


def _titles(url: str, ext: str = "ttl") -> set[str]:
    resp = requests.get(f"{url}/catalog.{ext}", timeout=30)
    assert resp.status_code == 200
    g = Graph().parse(data=resp.content, format={"ttl": "turtle", "jsonld": "json-ld"}[ext])
    return {str(o) for o in g.objects(None, DCTERMS.title)}


def _generations(instance: Path) -> list[Path]:
    root = instance / "cache" / "exports"
    return sorted(p for p in root.iterdir() if p.is_dir()) if root.exists() else []


@pytest.fixture
def sites(tmp_path: Path):
    instance = tmp_path / "instance"
    with serve(instance, load_small_catalog) as (url_a, cat), serve(instance) as (url_b, _):
        yield instance, url_a, url_b, cat


def test_a_change_made_through_one_worker_shows_on_the_others_next_page(sites):
    instance, url_a, url_b, cat = sites
    before = _titles(url_a)
    assert len(before) > 5  # the small catalog's datasets are on the page
    assert _titles(url_b) == before  # the second worker reads the page the first stored
    [gen] = _generations(instance)
    assert list(gen.glob("catalog-1.ttl.z"))

    some = datasets.get_dataset(cat, SYSTEM, sorted(_names(cat))[0])
    datasets.update_dataset(cat, SYSTEM, some.name, {"title": "改过的标题 renamed"})
    after = _titles(url_b)
    assert "改过的标题 renamed" in after
    assert some.title not in after
    assert _titles(url_a) == after
    # the old generation is gone: the folder holds one generation only
    assert len(_generations(instance)) == 1 and _generations(instance)[0] != gen

    datasets.withdraw_dataset(cat, SYSTEM, some.name, "test")
    assert "改过的标题 renamed" not in _titles(url_a)


def _names(cat) -> list[str]:
    from sqlalchemy import select

    from catalog.models import Dataset

    with cat.session() as s:
        return list(s.scalars(select(Dataset.name).where(Dataset.status == "published")))


def test_a_new_content_hash_reaches_the_cached_page(sites):
    _instance, url_a, _url_b, cat = sites
    _titles(url_a)  # page stored
    targets = [t for t in content.pending(cat, limit=50) if not t.restricted]
    assert targets, "the small catalog has public download links"
    sha = "ab" * 32
    assert content.record(cat, targets[0], sha, 1234, None) == "new"
    g = Graph().parse(data=requests.get(f"{url_a}/catalog.ttl", timeout=30).content)
    assert (None, SPDX.checksumValue, Literal(sha, datatype=XSD.hexBinary)) in g


def test_a_damaged_cache_file_is_rendered_again(sites):
    instance, url_a, _url_b, _cat = sites
    good = _titles(url_a, "jsonld")
    [gen] = _generations(instance)
    (gen / "catalog-1.jsonld.z").write_bytes(b"not zlib at all")
    assert _titles(url_a, "jsonld") == good


def test_the_cache_can_be_turned_off(tmp_path: Path):
    instance = tmp_path / "instance"
    with serve(instance, load_small_catalog, export_cache_mb=0) as (url, _cat):
        assert _titles(url)
    assert _generations(instance) == []
