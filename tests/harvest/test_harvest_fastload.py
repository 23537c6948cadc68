"""Issue 17: the fast load of harvested records gives exactly what marshmallow's
``Schema.load`` gives, values and messages, on what real portals' records become."""

from __future__ import annotations

import copy

import pytest
from marshmallow import Schema, ValidationError, fields, validate

from harvesters import prepare
from harvesters.fastload import FastLoader
from harvesters.fieldplans import Slow
from schemas import vocab
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
    # Croissant: the AI fields (record sets, Responsible-AI texts, splits, sizes)
    for version in ("1.0", "1.1"):
        out = harvest("croissant", server.url(f"files/croissant/{version}/"), name=f"cr-{version}")
        assert out.counts.new > 10
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


# -- the compiled field plans (harvesters.fieldplans) -----------------------------------------
def _code(table) -> str:
    return next(iter(table))


DIST_FULL = {
    "title": "CSV",
    "title_en": "CSV file",
    "description": "all rows",
    "access_url": "https://x.example/a",
    "download_url": "https://x.example/a.csv",
    "format": "CSV",
    "media_type": "text/csv",
    "byte_size": 20480,
    "checksum": "a" * 64,
    "checksum_algorithm": "sha256",
    "sha256": "a" * 64,
    "license": "CC-BY-4.0",
    "split": _code(vocab.SPLITS),
    "restricted": True,
}
FULL = {
    "name": "a-dataset",
    "identifier": "ID-1",
    "kind": "training",
    "title": "一个数据集",
    "title_en": "A dataset",
    "description": "描述",
    "description_en": "About it",
    "organization": "org",
    "contact_name": "数据管理员",
    "contact_email": "data@x.example",
    "contact_phone": "0312-1234567",
    "keywords": ["交通", "bus"],
    "themes": [_code(vocab.THEMES)],
    "access_rights": "conditional",
    "access_conditions": "ask us",
    "license": "CC-BY-4.0",
    "issued": "2020-01-02",
    "modified": "2021-02-03T04:05:06",
    "frequency": _code(vocab.FREQUENCIES),
    "temporal_start": "2020-01-01",
    "temporal_end": "2020-12-31",
    "spatial": [_code(vocab.regions())],
    "languages": ["zh", "en"],
    "version": "1.0",
    "conforms_to": ["https://x.example/standard"],
    "landing_page": "https://x.example/landing",
    "documentation": "https://x.example/docs",
    "resource_code": "RC-1",
    "source_department": "保定市交通运输局",
    "domain": "交通",
    "open_mode": _code(vocab.OPEN_MODES),
    "data_formats": ["CSV", "JSON"],
    "data_volume": "1 GB",
    "task_categories": [_code(vocab.TASKS)],
    "modalities": [_code(vocab.MODALITIES)],
    "annotation_type": _code(vocab.ANNOTATION_TYPES),
    "annotation_method": _code(vocab.ANNOTATION_METHODS),
    "annotation_accuracy": 0.98,
    "sample_counts": {"train": 100, "test": 0},
    "metrics": ["f1"],
    "citation": "Someone 2024",
    "record_sets": [{"name": "rows", "fields": [{"name": "id"}]}],
    "rai": {_code(vocab.RAI_PROPERTIES): "how it was collected"},
    "derived_from": ["other-dataset"],
    "review_by": "bureau",
    "featured": True,
    "extras": {"programCode": ["130600:001"], "n": 1},
    "distributions": [DIST_FULL],
}


class _Str(str):
    """A subclass of str: ``String`` gives ``str(value)``; a plan leaves it to marshmallow."""


# what any field may be sent by a careless or hostile source
COMMON = [
    None,
    b"bytes",
    b"\xff\xfe",
    0,
    1,
    -1,
    2**70,
    1.5,
    2.0,
    10**400,
    True,
    False,
    float("nan"),
    float("inf"),
    float("-inf"),
    "",
    " ",
    "x",
    "None",
    "no",
    "true",
    "2020-01-01",
    _Str("sub"),
    [],
    ["x"],
    ["x", 1],
    ["x", None],
    ("x", "y"),
    {"x"},
    {},
    {"a": 1},
    {1: "x"},
    {"@value": "v"},
]


def _edges(field: fields.Field, good: object) -> list:
    """Edge values of one field: the common ones, the good value, each ``Length`` limit
    (under, at, over), ``OneOf``'s first and last choice and values just outside, a
    ``Range``'s bound, and lists and dicts of the inner field's edge values."""
    values: list = [good, *COMMON]
    for rule in field.validators:
        if isinstance(rule, validate.Length):
            for n in (rule.min, rule.max, rule.equal):
                for k in (n - 1, n, n + 1) if n is not None else ():
                    if k >= 0:
                        values += ["x" * k, "中" * k] + ([["x"] * k] if k < 300 else [])
        elif isinstance(rule, validate.OneOf):
            choices = list(rule.choices)
            values += [choices[0], choices[-1], str(choices[0]).upper(), "not-a-choice"]
            values += (
                [[choices[0]], f"{choices[0]} ", str(choices[0]), float(choices[0])]
                if isinstance(choices[0], int)
                else [[choices[0]], f"{choices[0]} "]
            )
        elif isinstance(rule, validate.Range) and rule.min is not None:
            values += [rule.min - 1, rule.min, rule.min + 0.5]
    if isinstance(field, fields.List) and not isinstance(field.inner, fields.Nested):
        inner_good = good[0] if isinstance(good, list) and good else "x"
        inner = _edges(field.inner, inner_good)
        values += [[v] for v in inner] + [(inner_good, v) for v in inner[:12]]
        values += [[inner_good, inner_good], [inner_good] * 60]
    if isinstance(field, fields.Dict):
        inner = COMMON if field.value_field is None else _edges(field.value_field, 1)
        values += [{"k": v} for v in inner] + [{"": 1}, {"k": 1, "j": -1}]
    return values


def _field_cases(schema: Schema, full: dict) -> list[tuple[str, object]]:
    return [
        (name, value)
        for name, f in schema.load_fields.items()
        for value in _edges(f, full.get(name))
    ]


def _typed(value: object) -> object:
    """A value with the exact type of everything in it (``"a" == _Str("a")``, ``1 == 1.0 ==
    True``: equal values of other types must not pass for the same result)."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


def _compare(schema: Schema, cases: list[tuple[str, object]], base: dict, wrap=None) -> int:
    """Each case loaded both ways with one field changed (or removed, for ``...``): the
    same values in the same key order, or the same messages. Returns how many loaded."""
    fast = FastLoader(schema)
    loaded = 0
    for name, value in cases:
        data = {**base, name: value}
        if wrap is not None:
            data = wrap(data)
        expected = _outcome(schema.load, data)
        assert _typed(_outcome(fast.load, data)) == _typed(expected), (name, value)
        loaded += expected[0] == "ok"
    return loaded


@pytest.mark.parametrize("name", list(DatasetSchema().load_fields))
def test_each_dataset_field_loads_edge_values_as_marshmallow_does(name):
    schema = DatasetSchema()
    cases = [(n, v) for n, v in _field_cases(schema, FULL) if n == name]
    assert _compare(schema, cases, FULL) > 0  # the good value at least
    without = {k: v for k, v in FULL.items() if k != name}
    assert _outcome(FastLoader(schema).load, without) == _outcome(schema.load, without)


@pytest.mark.parametrize("name", list(DistributionSchema().load_fields))
def test_each_distribution_field_loads_edge_values_as_marshmallow_does(name):
    schema = DistributionSchema()
    cases = [(n, v) for n, v in _field_cases(schema, DIST_FULL) if n == name]
    assert _compare(schema, cases, DIST_FULL) > 0
    # the same values inside a dataset's distributions: nested messages are marshmallow's
    assert _compare(DatasetSchema(), cases, DIST_FULL, lambda d: {**FULL, "distributions": [d]})


def test_a_complete_record_takes_the_compiled_path():
    """Every field of the catalog's schemas has a value here: all of them load without
    ``Schema.load`` (a plan that fell back for good values would fail this)."""
    for schema, data in ((DatasetSchema(), FULL), (DistributionSchema(), DIST_FULL)):
        fast = FastLoader(schema)
        assert list(fast.fast(copy.deepcopy(data)).items()) == list(schema.load(data).items())


def test_remote_fields_load_edge_values_as_marshmallow_does():
    """data.json's lenient fields (Text, TextList, Url, Raw) through their plans: the same
    values and the same warnings."""
    from harvesters.datajson import DatasetIn, DistributionIn

    base = {
        "title": "T",
        "description": "D",
        "identifier": "id-1",
        "keyword": "a, b",
        "landingPage": "https://x.example/l",
        "distribution": [{"downloadURL": "https://x.example/a.csv", "format": "CSV"}],
        "bureauCode": ["130600:01"],
    }
    dist_base = {"title": "CSV", "downloadURL": "https://x.example/a.csv", "byteSize": 3}
    urls = ["ftp//broken", "http://x.example/a b", "https://x.example/ok", "mailto:a@b", "//x"]
    for schema, data in ((DatasetIn(), base), (DistributionIn(), dist_base)):
        fast = FastLoader(schema)
        for name in schema.load_fields:
            for value in [*COMMON, *urls, ["a,b", "c"], {"@id": "https://x.example/i"}]:
                case = {**data, name: value}
                assert _remote_outcome(fast.load, case) == _remote_outcome(schema.load, case)


def test_real_records_take_the_compiled_plans(recorded, monkeypatch):
    """The harvested records of real portals load through the plans: no field of the
    catalog's schemas goes through ``Field.deserialize`` (record sets, a nested schema
    with renamed keys, keep marshmallow's own walk), and nearly all records load fast."""
    datasets, distributions = recorded
    calls: list[str] = []
    deserialize = fields.Field.deserialize

    def counted(self, *args, **kw):
        if type(self.root) in (DatasetSchema, DistributionSchema) and self.name != "record_sets":
            calls.append(f"{type(self.root).__name__}.{self.name}")
        return deserialize(self, *args, **kw)

    monkeypatch.setattr(fields.Field, "deserialize", counted)
    for schema, inputs in ((DatasetSchema(), datasets), (DistributionSchema(), distributions)):
        fast = FastLoader(schema)
        quick = 0
        for data in inputs:
            try:
                fast.fast(copy.deepcopy(data))
                quick += 1
            except (Slow, ValidationError):
                pass
        assert quick >= 0.9 * len(inputs)
    assert calls == []


class EveryKind(Schema):
    """One field of each kind a plan is compiled for, with and without options and rules
    (no schema hooks: nothing but the field decides)."""

    text = fields.String()
    text_or_none = fields.String(allow_none=True)
    required_text = fields.String(required=True)
    short = fields.String(validate=validate.Length(min=2, max=5))
    exact = fields.String(validate=validate.Length(equal=3))
    choice = fields.String(validate=validate.OneOf(["a", "b"]))
    checked = fields.String(validate=[validate.Length(max=3), lambda v: v != "no"])
    false_means_no = fields.String(validate=lambda v: v != "no" or False)
    url = fields.Url(allow_none=True)
    email = fields.Email()
    strings = fields.List(fields.String(validate=validate.Length(min=1)), load_default=list)
    few = fields.List(fields.String(), validate=validate.Length(max=2), allow_none=True)
    flag = fields.Boolean(load_default=False)
    yes_no = fields.Boolean(truthy={"yes"}, falsy={"no"})
    count = fields.Integer(validate=validate.Range(min=0))
    strict_count = fields.Integer(strict=True)
    one_two = fields.Integer(validate=validate.OneOf([1, 2]))
    ratio = fields.Float()
    any_float = fields.Float(allow_nan=True, allow_none=True)
    table = fields.Dict(keys=fields.String(), values=fields.Integer())
    loose = fields.Dict(load_default=dict)
    keys_only = fields.Dict(keys=fields.String(validate=validate.Length(max=3)))
    raw = fields.Raw(allow_none=True)
    raw_not_none = fields.Raw()
    raw_values = fields.Dict(values=fields.Raw())
    day = fields.Date()
    moment = fields.DateTime(allow_none=True)
    changed = fields.String(
        pre_load=lambda v: v.strip() if isinstance(v, str) else v, post_load=str.upper
    )


EVERY_KIND = {
    "text": "t",
    "text_or_none": None,
    "required_text": "r",
    "short": "abc",
    "exact": "abc",
    "choice": "a",
    "checked": "ok",
    "false_means_no": "yes",
    "url": "https://x.example/a",
    "email": "a@x.example",
    "strings": ["a", "b"],
    "few": ["a"],
    "flag": True,
    "yes_no": "yes",
    "count": 3,
    "strict_count": 4,
    "one_two": 2,
    "ratio": 0.5,
    "any_float": float("nan"),
    "table": {"a": 1},
    "loose": {"a": [1]},
    "keys_only": {"a": 1},
    "raw": {"any": "thing"},
    "raw_not_none": [1],
    "raw_values": {"a": 0, "b": [1]},
    "day": "2020-01-02",
    "moment": "2020-01-02T03:04:05",
    "changed": " x ",
}


@pytest.mark.parametrize("name", list(EveryKind().load_fields))
def test_each_kind_of_field_loads_edge_values_as_marshmallow_does(name):
    schema = EveryKind()
    cases = [(n, v) for n, v in _field_cases(schema, EVERY_KIND) if n == name]
    assert _compare(schema, cases, EVERY_KIND) > 0
    without = {k: v for k, v in EVERY_KIND.items() if k != name}
    assert _typed(_outcome(FastLoader(schema).load, without)) == _typed(
        _outcome(schema.load, without)
    )


def test_good_values_of_every_kind_take_the_compiled_path():
    schema = EveryKind()
    fast = FastLoader(schema)
    assert _typed(list(fast.fast(copy.deepcopy(EVERY_KIND)).items())) == _typed(
        list(schema.load(EVERY_KIND).items())
    )


def test_the_url_rule_remembers_only_what_it_passed():
    from harvesters import urlcheck

    rule = validate.URL(relative=False, require_tld=True)
    passes = urlcheck.checker(rule)
    texts = ["https://x.example/a", "ftp//broken", "http://intranet/a", "HTTPS://X.example", ""]
    for _ in range(2):  # the second time from memory, where it passed
        for text in texts:
            try:
                rule(text)
                expected = True
            except ValidationError:
                expected = False
            assert passes(text) is expected, text
    other = urlcheck.checker(validate.URL(relative=False, require_tld=False))
    assert other("http://intranet/a") and not passes("http://intranet/a")


def test_the_size_shortcut_of_extras_agrees_with_the_json_size():
    """``prepare._larger`` skips encoding what surely fits: at every limit it says what
    the encoded size says (escapes count six characters)."""
    from harvesters import normalize

    values = [
        "",
        "x" * 10,
        "\x1f" * 10,
        '"\\' * 5,
        "中" * 10,
        "😀" * 3,
        ["a", "\x00b"],
        [],
        ["x"] * 5,
        ("x", "y"),
        {"a": "b"},
        [1, "x"],
        12345,
        None,
        _Str("sub"),
    ]
    for value in values:
        size = normalize.json_size(value)
        for limit in range(0, 6 * size + 10):
            assert prepare._larger(value, limit) is (size > limit), (value, limit)


def test_link_keys_cut_as_urlsplit_cuts_them(fixtures):
    """``prepare._norm_url`` cuts plain links itself: the same key as through ``urlsplit``
    for every link of the real data.json documents, each also with a character of the
    kinds urlsplit treats specially put in (spaces, controls, brackets, ``@``, ``#``...)."""
    import random
    import re

    links = set()
    for path in sorted((fixtures / "datajson").rglob("*.json")):
        links.update(re.findall(r"(?:https?|ftps?)://[^\s\"<>']+", path.read_text(errors="ignore")))
    assert len(links) > 1000
    odd = " \t\n\x00\x1f:/?#[]@%.;=&+-中é"
    rnd = random.Random(17)
    cases = [
        *links,
        "HTTP://X.Example/A/",
        "http://x.example?",
        "http://x.example#f",
        "http://x.example//",
        "http://x.example/a?b?c#d#e",
        "http:///a",
        "http://[::1]/a/",
        "h-t.tp+s://x/y/",
        " http://user@x.example:80/p/ ",
        "mailto:x@y.example",
        "//x.example/y",
    ]
    for link in sorted(links)[:2000]:
        at = rnd.randrange(len(link) + 1)
        cases.append(link[:at] + rnd.choice(odd) + link[at:])

    def outcome(cut, link):
        try:
            return cut(link)
        except ValueError as exc:  # urlsplit's own complaint (a bad IPv6 host)
            return str(exc)

    for link in cases:
        assert outcome(prepare._norm_url, link) == outcome(prepare._norm_url_split, link.strip())


def test_partial_and_many_schemas_load_the_plain_way():
    """A ``partial`` schema leaves absent fields out (even inside its distributions),
    where the fast path fills in defaults: such schemas, and ``many``, are not sped up."""
    from schemas.dataset import DatasetPatchSchema

    patch = DatasetPatchSchema()
    assert not FastLoader(patch).enabled and not FastLoader(DatasetSchema(many=True)).enabled
    data = {"title": "T", "distributions": [{"title": "d", "access_url": "https://x.example"}]}
    assert "restricted" not in patch.load(data)["distributions"][0]
    assert _outcome(FastLoader(patch).load, data) == _outcome(patch.load, data)
