"""The incremental JSON reader: same values as json.loads, whatever the chunk boundaries."""

from __future__ import annotations

import io
import json

import pytest

from harvesters.jsonstream import JsonStream, JsonStreamError

DOC = {
    "@context": "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
    "conformsTo": "https://project-open-data.cio.gov/v1.1/schema",
    "n": [0, -1, 12.5e-3, 1e10, 123456789012345678901234567890, True, False, None],
    "dataset": [
        {"title": "保定市空气质量监测数据", "keyword": ["空气", "AQI"], "size": 1234567},
        {"title": 'quote " and \\ backslash \u00e9 \U0001f600 \t', "empty": {}, "list": []},
        [],
        "not an object",
        98765.4321,
    ],
    "catalog": {"dataset": [{"title": "nested"}]},
    "tail": "终",
}


def stream(text: str, chunk: int, bom: bool = False) -> JsonStream:
    data = ("\ufeff" if bom else "").encode() + text.encode("utf-8")
    return JsonStream(io.BytesIO(data), chunk=chunk)


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_members_and_items_match_json_loads(chunk, indent):
    text = json.dumps(DOC, ensure_ascii=False, indent=indent)
    js = stream(text, chunk, bom=chunk == 3)
    got: dict = {}
    for key, value, item in js.members(stream=("dataset",)):
        if item:
            got.setdefault(key, []).append(value)
        else:
            got[key] = value
    js.end()
    assert got == DOC
    assert js.streamed == {"dataset"}


@pytest.mark.parametrize("chunk", [1, 4, 1 << 20])
def test_a_bare_list_and_whole_values(chunk):
    js = stream(' [1, {"a": [2, 3]}, "x" ] \n', chunk)
    assert js.peek() == "["
    assert list(js.items()) == [1, {"a": [2, 3]}, "x"]
    js.end()
    js = stream('{"dataset": []}', chunk)
    assert list(js.members(stream=("dataset",))) == []
    assert js.streamed == {"dataset"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{",
        '{"a": 1',
        '{"a": 1,}',
        '{"dataset": [{"t": 1}, {"t": 2',
        '{"dataset": [{"t": 1} {"t": 2}]}',
        '{"a": "unterminated}',
        '{"a": 1} trailing',
        "[1, 2,]",
        "nul",
    ],
)
@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_broken_documents_raise(text, chunk):
    js = stream(text, chunk)
    with pytest.raises(JsonStreamError):
        if js.peek() == "[":
            list(js.items())
        else:
            list(js.members(stream=("dataset",)))
        js.end()


def test_invalid_utf8_raises():
    js = JsonStream(io.BytesIO(b'{"a": "\xff\xfe"}'), chunk=2)
    with pytest.raises(JsonStreamError, match="not UTF-8"):
        list(js.members())


@pytest.mark.parametrize("chunk", [2, 1 << 20])
def test_lookahead_finds_a_later_member_and_keeps_the_place(chunk):
    text = json.dumps({"dataset": [{"i": i} for i in range(50)], "conformsTo": "3.0"})
    js = stream(text, chunk)
    members = js.members(stream=("dataset",))
    assert next(members) == ("dataset", {"i": 0}, True)
    assert js.lookahead("conformsTo", skip=("dataset",)) == "3.0"
    assert js.lookahead("missing", skip=("dataset",)) is None
    rest = list(members)
    assert [v["i"] for _k, v, item in rest if item] == list(range(1, 50))
    assert rest[-1] == ("conformsTo", "3.0", False)
