"""Content hashes and previews (issue 18, item 1): every distribution has a sha256 and a
size, from its upload (streamed), from its publisher (checked) or from ``catalog files
check``; the dataset page, DCAT and Croissant carry them; tabular files get a preview.
Real files, SQLite and PostgreSQL (the ``cat`` fixture), a real socket for the page."""

from __future__ import annotations

import hashlib
import io
import json
import re

import pytest
import requests
from openpyxl import Workbook
from rdflib import URIRef

from catalog import previews
from catalog.errors import ValidationFailed
from catalog.services import datasets, organizations, uploads, users
from catalog.services.authz import SYSTEM
from schemas.formats import SiteLinks
from schemas.formats.croissant import to_croissant
from schemas.formats.dcat import SPDX, dataset_graph
from tests.livesite import serve
from tests.portal import actor, make_user

GB_ROWS = "站点,日期,流量,均速\n保定东,2024-01-01,1234,45.5\n保定西,2024-01-02,987,50\n"
SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


class CountingStream(io.BytesIO):
    """A request body that records the largest read: the upload must stream it."""

    biggest = 0

    def read(self, n: int | None = -1) -> bytes:
        assert n is not None and n > 0, "the whole body was asked for at once"
        self.biggest = max(self.biggest, n)
        return super().read(n)


@pytest.fixture
def member(cat):
    organizations.create_organization(
        cat, SYSTEM, {"name": "org-a", "title": "保定智数科技", "org_type": "enterprise"}
    )
    alice = make_user(cat, "alice@a.example.cn")
    users.add_member(cat, SYSTEM, "org-a", alice.id)
    return actor(cat, alice)


def _dataset(cat, who, dists, **extra):
    data = {"title": "交通流量", "organization": "org-a", "kind": "training"}
    return datasets.create_dataset(cat, who, {**data, "distributions": dists, **extra})


# -- the publisher's hash ------------------------------------------------------------------
@pytest.mark.parametrize(
    "bad", ["abc", SHA[:63], SHA + "0", "g" * 64, SHA[:60] + "xyz!", " " + SHA[:62] + " z"]
)
def test_an_entered_sha256_must_be_64_hex_characters(cat, member, bad) -> None:
    with pytest.raises(ValidationFailed) as err:
        _dataset(
            cat, member, [{"title": "f", "download_url": "https://a.example/f.csv", "sha256": bad}]
        )
    assert err.value.messages["distributions"][0]["sha256"] == [
        "A SHA-256 hash is 64 hexadecimal characters (0-9, a-f)."
    ]
    zh = err.value.localized("zh")["distributions"][0]["sha256"]
    assert zh == ["SHA-256 哈希值应为 64 位十六进制字符（0-9、a-f）。"]


def test_an_entered_sha256_is_stored_lowercase_and_a_sha256_checksum_counts(cat, member) -> None:
    ds = _dataset(
        cat,
        member,
        [
            {"title": "a", "download_url": "https://a.example/a.csv", "sha256": f" {SHA.upper()} "},
            {
                "title": "b",
                "download_url": "https://a.example/b.csv",
                "checksum": SHA,
                "checksum_algorithm": "sha256",
            },
            {
                "title": "c",
                "download_url": "https://a.example/c.csv",
                "checksum": "ab" * 16,
                "checksum_algorithm": "md5",
            },
        ],
    )
    got = datasets.get_dataset(cat, SYSTEM, ds.id)
    assert [d.sha256 for d in got.distributions] == [SHA, SHA, None]
    with pytest.raises(ValidationFailed) as err:  # two different sha256 for one file
        datasets.update_dataset(
            cat,
            member,
            ds.id,
            {
                "distributions": [
                    {
                        "title": "a",
                        "download_url": "https://a.example/a.csv",
                        "sha256": SHA,
                        "checksum": "0" * 64,
                        "checksum_algorithm": "sha256",
                    }
                ]
            },
        )
    assert "sha256" in err.value.messages["distributions"][0]


def test_a_12_gb_size_is_stored(cat, member) -> None:
    size = 12 * 1024**3
    ds = _dataset(
        cat,
        member,
        [
            {
                "title": "big",
                "download_url": "https://a.example/big.zip",
                "byte_size": size,
                "sha256": SHA,
            }
        ],
    )
    with cat.session() as s:
        from catalog.models import Distribution

        assert s.get(Distribution, ds.distributions[0].id).byte_size == size


# -- uploads -------------------------------------------------------------------------------
def test_an_upload_is_streamed_hashed_and_previewed(cat, member) -> None:
    body = GB_ROWS.encode("gb18030")
    stream = CountingStream(body * 1)
    stored = uploads.store(cat, member, stream, "流量.csv")
    assert stream.biggest <= uploads.CHUNK
    ds = _dataset(
        cat,
        member,
        [{"title": "流量", "download_url": "https://catalog.example/files/x", "sha256": None}],
    )
    ds = datasets.update_dataset(
        cat,
        member,
        ds.id,
        {
            "distributions": [
                {
                    "title": "流量",
                    "download_url": "https://catalog.example/f",
                    "byte_size": 1,
                    "sha256": "0" * 64,
                }
            ]
        },
        files={0: stored.key},
    )
    got = datasets.get_dataset(cat, SYSTEM, ds.id).distributions[0]
    # the form's hash and size lose against the file's
    assert got.sha256 == hashlib.sha256(body).hexdigest() and got.byte_size == len(body)
    p = got.preview
    assert p["format"] == "csv" and p["encoding"] == "gb18030" and p["truncated"] is False
    assert [(c["name"], c["type"]) for c in p["columns"]] == [
        ("站点", "string"),
        ("日期", "date"),
        ("流量", "integer"),
        ("均速", "number"),
    ]
    assert p["rows"][0] == ["保定东", "2024-01-01", "1234", "45.5"]
    # another edit of the dataset keeps the hash and the preview of the same file
    datasets.update_dataset(cat, member, ds.id, {"license": "CC-BY-4.0"})
    whole = datasets.get_dataset(cat, SYSTEM, ds.id)
    again = whole.distributions[0]
    assert again.sha256 == got.sha256 and again.preview == p
    # versions carry the hash but not the preview
    snap = datasets.snapshot(whole)
    assert snap["distributions"][0]["sha256"] == got.sha256
    assert "preview" not in snap["distributions"][0]


# -- previews of real files ----------------------------------------------------------------
def test_csv_preview_reads_utf8_with_bom_semicolons_and_stops_at_100_rows(tmp_path) -> None:
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        fh.write("名称;值;标记\n")
        for i in range(100_000):
            fh.write(f"行{i};{i};{'true' if i % 2 else 'false'}\n")
    p = previews.preview_file(path, previews.tabular_kind("big.csv"))
    assert p is not None and p["encoding"] == "utf-8" and p["truncated"] is True
    assert len(p["rows"]) == 100 and p["rows"][0] == ["行0", "0", "false"]
    assert [c["type"] for c in p["columns"]] == ["string", "integer", "boolean"]


def test_gb18030_is_sniffed_even_past_the_utf8_looking_start(tmp_path) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes(("a,b\n" + "x,1\n" * 10 + "保定,2\n").encode("gb18030"))
    p = previews.preview_file(path, "csv")
    assert p is not None and p["encoding"] == "gb18030" and p["rows"][-1] == ["保定", "2"]


def test_xlsx_preview_is_read_only_and_typed(tmp_path) -> None:
    from datetime import datetime

    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws.append(["编号", "名称", "时间", "分数"])
    for i in range(150):
        ws.append([i, f"样本{i}", datetime(2024, 1, 1, 8, i % 60), i / 2])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    p = previews.preview_file(path, previews.tabular_kind("t.xlsx"))
    assert p is not None and p["sheet"] == "数据" and p["truncated"] is True
    assert len(p["rows"]) == 100
    assert [c["type"] for c in p["columns"]] == ["integer", "string", "datetime", "number"]
    assert p["rows"][1] == [1, "样本1", "2024-01-01T08:01:00", 0.5]
    json.dumps(p)  # stored as JSON
    stored = tmp_path / ("ab" * 32)  # uploads are kept without a suffix
    stored.write_bytes(path.read_bytes())
    assert previews.preview_file(stored, "xlsx") == p


def test_json_lines_preview_unions_keys(tmp_path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        '{"text": "你好", "label": 1}\n\n{"text": "再见", "label": 0, "meta": {"src": "web"}}\n',
        encoding="utf-8",
    )
    p = previews.preview_file(path, previews.tabular_kind("t.jsonl"))
    assert p is not None and [c["name"] for c in p["columns"]] == ["text", "label", "meta"]
    assert [c["type"] for c in p["columns"]] == ["string", "integer", "object"]
    assert p["rows"][1] == ["再见", 0, '{"src":"web"}'] and p["truncated"] is False


def test_files_that_are_not_tables_have_no_preview(tmp_path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_bytes(b"PK not really a workbook")
    assert previews.preview_file(path, "xlsx") is None
    assert previews.tabular_kind("a.zip", "ZIP", "application/zip") is None
    assert previews.tabular_kind("data", "CSV") == "csv"


# -- exports -------------------------------------------------------------------------------
def _record(**dist) -> dict:
    base = {"id": "d1", "title": "f", "download_url": "https://a.example/f.csv", "format": "CSV"}
    return {
        "id": "ds1",
        "name": "flow",
        "title": "流量",
        "kind": "training",
        "distributions": [{**base, **dist}],
    }


def test_dcat_carries_the_sha256_as_spdx_checksum() -> None:
    links = SiteLinks("https://catalog.example")
    g = dataset_graph(_record(sha256=SHA, byte_size=12 * 1024**3), links)
    values = {str(o) for o in g.objects(None, SPDX.checksumValue)}
    assert values == {SHA}
    algos = set(g.objects(None, SPDX.algorithm))
    assert algos == {URIRef(str(SPDX) + "checksumAlgorithm_sha256")}
    assert {str(o) for o in g.objects(None, URIRef("http://www.w3.org/ns/dcat#byteSize"))} == {
        str(12 * 1024**3)
    }
    # an md5 from the publisher is kept next to the content hash
    g = dataset_graph(_record(sha256=SHA, checksum="ab" * 16, checksum_algorithm="md5"), links)
    assert {str(o) for o in g.objects(None, SPDX.checksumValue)} == {SHA, "ab" * 16}


def test_croissant_lists_hashed_files_with_sha256_and_content_size() -> None:
    doc = to_croissant(_record(sha256=SHA, byte_size=1234), SiteLinks("https://catalog.example"))
    (fo,) = doc["distribution"]
    assert fo["sha256"] == SHA and fo["contentSize"] == "1234 B"
    assert to_croissant(_record(), SiteLinks("https://catalog.example"))["distribution"] == []


# -- the dataset page ----------------------------------------------------------------------
def _load_page_data(cat) -> None:
    organizations.create_organization(
        cat, SYSTEM, {"name": "org-a", "title": "保定智数科技", "org_type": "enterprise"}
    )
    rows = GB_ROWS.encode("gb18030")
    secret = b"id,secret\n1,42\n"
    stored = uploads.store(cat, SYSTEM, io.BytesIO(rows), "flow.csv")
    hidden = uploads.store(cat, SYSTEM, io.BytesIO(secret), "secret.csv")
    datasets.create_dataset(
        cat,
        SYSTEM,
        {
            "name": "flow",
            "title": "交通流量",
            "organization": "org-a",
            "kind": "training",
            "access_rights": "conditional",
            "access_conditions": "科研",
            "distributions": [
                {"title": "流量", "download_url": "https://catalog.example/a"},
                {"title": "链接", "download_url": "https://a.example/b.zip", "sha256": SHA},
                {"title": "完整", "download_url": "https://catalog.example/c", "restricted": True},
            ],
        },
        status="published",
        files={0: stored.key, 2: hidden.key},
    )


def test_the_dataset_page_shows_each_hash_and_the_public_preview(tmp_path) -> None:
    with serve(tmp_path / "site", _load_page_data) as (url, _cat):
        page = requests.get(f"{url}/dataset/flow", timeout=10).text
    hashes = re.findall(r'<code class="sha256" id="sha256-[^"]+"[^>]*>([0-9a-f]{64})</code>', page)
    assert hashes == [hashlib.sha256(GB_ROWS.encode("gb18030")).hexdigest(), SHA]
    assert "预览：全部 2 行" in page and '<th scope="col">站点<br>' in page
    assert '<small class="col-type" data-type="integer">整数</small>' in page
    assert "保定东" in page
    # the restricted file is neither listed nor previewed for a visitor
    assert "secret" not in page and hashlib.sha256(b"id,secret\n1,42\n").hexdigest() not in page


# -- the migration -------------------------------------------------------------------------
def test_the_migration_takes_sha256_checksums_and_widens_sizes(tmp_path, blank_database_url):
    """On SQLite and PostgreSQL: from 0009 (with a distribution whose checksum is a sha256)
    to the head; the content hash is filled and a 12 GB size fits afterwards."""
    from alembic import command
    from sqlalchemy import text

    from catalog.context import open_catalog

    c = open_catalog(instance_path=tmp_path / "mig", database_url=blank_database_url)
    try:
        command.upgrade(c.alembic_config(), "0009")
        with c.engine.begin() as conn:
            conn.execute(_filled(conn, "datasets", id="d1", name="d1"))
            conn.execute(
                _filled(
                    conn,
                    "distributions",
                    id="x1",
                    dataset_id="d1",
                    checksum=SHA.upper(),
                    checksum_algorithm="SHA256",
                )
            )
        c.migrate()
        with c.engine.begin() as conn:
            assert conn.execute(text("SELECT sha256 FROM distributions")).scalar_one() == SHA
            conn.execute(text(f"UPDATE distributions SET byte_size = {12 * 1024**3}"))
            got = conn.execute(text("SELECT byte_size FROM distributions")).scalar_one()
        assert got == 12 * 1024**3
    finally:
        c.dispose()


def _filled(conn, table: str, **values):
    """An INSERT of the table as the database has it now: every required column filled."""
    from datetime import datetime

    from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, MetaData, Table

    t = Table(table, MetaData(), autoload_with=conn)
    row = dict(values)
    for col in t.columns:
        if col.name in row or col.nullable or col.server_default is not None:
            continue
        kind = col.type
        if isinstance(kind, Boolean):
            row[col.name] = False
        elif isinstance(kind, Integer | Float):
            row[col.name] = 0
        elif isinstance(kind, DateTime | Date):
            row[col.name] = datetime(2026, 1, 1)
        elif isinstance(kind, JSON):
            row[col.name] = []
        else:
            row[col.name] = "x"
    return t.insert().values(**row)
