"""Issue 17: the fast load of harvested records gives exactly what marshmallow's
``Schema.load`` gives, values and messages, on what real portals' records become."""

from __future__ import annotations

import copy

import pytest
from marshmallow import Schema, ValidationError

from harvesters import prepare
from harvesters.fastload import FastLoader
from schemas.dataset import DatasetSchema
from schemas.distribution import DistributionSchema


class Recorder:
    """Stands in for a prepared loader during a harvest: keeps each input, loads it with
    the plain schema."""

    def __init__(self, schema: Schema):
        self.schema = schema
        self.seen: list[dict] = []

    def load(self, data: dict) -> dict:
        self.seen.append(copy.deepcopy(data))
        return self.schema.load(data)

    def validate(self, data: dict) -> dict:
        self.seen.append(copy.deepcopy(data))
        return self.schema.validate(data)


def _outcome(load, data: dict) -> tuple[str, object]:
    try:
        out = load(copy.deepcopy(data))
    except ValidationError as exc:
        return "error", exc.messages
    return "ok", list(out.items())  # the order of the keys too


@pytest.fixture
def recorded(cat, server, harvest, monkeypatch) -> tuple[list[dict], list[dict]]:
    datasets = Recorder(DatasetSchema())
    distributions = Recorder(DistributionSchema())
    monkeypatch.setattr(prepare, "_dataset_schema", datasets)
    monkeypatch.setattr(prepare, "_dist_schema", distributions)
    for agency in ("fda", "fcc", "opm"):
        out = harvest("datajson", server.url(f"files/datajson/us-agencies/{agency}.json"))
        assert out.counts.new > 10
    assert harvest("ckan", server.url("ckan")).counts.new > 5
    return datasets.seen, distributions.seen


def test_real_records_load_the_same_fast_and_mostly_on_the_fast_path(recorded):
    datasets, distributions = recorded
    assert len(datasets) > 100 and len(distributions) > 100
    for schema, inputs in ((DatasetSchema(), datasets), (DistributionSchema(), distributions)):
        fast = FastLoader(schema)
        assert fast.enabled
        quick = 0
        for data in inputs:
            assert _outcome(fast.load, data) == _outcome(schema.load, data)
            assert fast.validate(copy.deepcopy(data)) == schema.validate(copy.deepcopy(data))
            try:
                fast.fast(copy.deepcopy(data))
                quick += 1
            except Exception:  # noqa: BLE001 - counted: these went the slow way
                pass
        assert quick >= 0.9 * len(inputs)  # the fast path is the common one


BAD = [
    {"title": "x" * 501},
    {"title": ""},
    {"contact_email": "not an address"},
    {"landing_page": "ftp//broken"},
    {"modified": "yesterday"},
    {"issued": "2020-13-40"},
    {"temporal_start": "2021-01-01", "temporal_end": "2020-01-01"},
    {"themes": ["NOT_A_THEME"]},
    {"keywords": ["ok", ""]},
    {"frequency": "sometimes"},
    {"annotation_accuracy": 2},
    {"sample_counts": {"train": -1}},
    {"unexpected": 1},
    {"distributions": [{"title": "no link"}]},
    {"distributions": [{"title": "t", "download_url": "https://x.example/a", "byte_size": -3}]},
    {
        "distributions": [
            {
                "title": "t",
                "access_url": "https://x.example/a",
                "checksum_algorithm": "sha256",
                "checksum": "a" * 64,
                "sha256": "b" * 64,
            }
        ]
    },
    {"distributions": "not a list"},
    {"distributions": [["not an object"]]},
    {"title": None},
]


@pytest.mark.parametrize("change", BAD, ids=[next(iter(c)) for c in BAD])
def test_bad_records_get_marshmallows_own_messages(change):
    schema = DatasetSchema()
    data = {
        "name": "a-dataset",
        "title": "一个数据集",
        "organization": "org",
        "distributions": [{"title": "CSV", "download_url": "https://x.example/a.csv"}],
        **change,
    }
    expected = _outcome(schema.load, data)
    assert expected[0] == "error"
    assert _outcome(FastLoader(schema).load, data) == expected


def test_a_missing_title_and_defaults_as_marshmallow_fills_them():
    schema = DatasetSchema()
    fast = FastLoader(schema)
    assert _outcome(fast.load, {"name": "abc"}) == _outcome(schema.load, {"name": "abc"})
    data = {"title": "T", "distributions": [{"title": "d", "access_url": "https://x.example"}]}
    assert _outcome(fast.load, data) == _outcome(schema.load, data)
    with_hash = {
        "title": "d",
        "access_url": "https://x.example",
        "checksum_algorithm": "sha256",
        "checksum": "sha256:" + "A" * 64,
    }
    dist = DistributionSchema()
    assert _outcome(FastLoader(dist).load, with_hash) == _outcome(dist.load, with_hash)
    assert FastLoader(dist).fast(copy.deepcopy(with_hash))["sha256"] == "a" * 64


def _remote_outcome(load, payload: dict) -> tuple[str, object, list[str]]:
    from harvesters.fields import collecting_warnings

    with collecting_warnings() as warnings:
        try:
            out = load(copy.deepcopy(payload))
        except ValidationError as exc:
            return "error", exc.messages, warnings
    return "ok", sorted(out.items(), key=repr), warnings


def test_data_json_records_load_the_same_through_the_fast_loader(fixtures):
    """data.json's remote schema keeps unknown keys (INCLUDE, they become extras) and its
    distributions drop them (EXCLUDE): the fast loader does the same as Schema.load, with
    the same warnings, on every dataset of real agencies' and GSA's documents."""
    import json

    from harvesters.datajson import DatasetIn, DistributionIn

    schema = DatasetIn(themes={"transport": "transport"})
    fast = FastLoader(schema)
    dist = DistributionIn()
    fast_dist = FastLoader(dist)
    assert fast.enabled and fast_dist.enabled
    records = 0
    quick = 0
    for path in sorted((fixtures / "datajson").rglob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, ValueError):
            continue  # the documents made to be unreadable
        datasets = doc.get("dataset") if isinstance(doc, dict) else doc
        for ds in datasets if isinstance(datasets, list) else []:
            if not isinstance(ds, dict):
                continue
            records += 1
            assert _remote_outcome(fast.load, ds) == _remote_outcome(schema.load, ds), path
            for d in ds.get("distribution") or []:
                if isinstance(d, dict):
                    assert _remote_outcome(fast_dist.load, d) == _remote_outcome(dist.load, d)
            try:
                fast.fast(copy.deepcopy(ds))
                quick += 1
            except Exception:  # noqa: BLE001 - counted: these went the slow way
                pass
    assert records > 100
    assert quick >= 0.9 * records  # unknown keys no longer send a record the slow way
