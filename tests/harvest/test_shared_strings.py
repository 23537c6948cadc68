"""The compact shared-string table (harvesters/shared_strings.py, issue 12 "Left": a
Python list of an Excel-saved workbook's strings cost ~+80 MB per 480,000 strings): it
gives back every string as stored, is indexed as a list is, holds about half of what the
list held, and an Excel-saved workbook (its text in ``sharedStrings.xml``, as the bench
writes it) reads through the streaming reader exactly as through openpyxl."""

from __future__ import annotations

import sys

import pytest
from test_xlsx_stream import assert_same

from bench.harvest_sheets import write_xlsx_shared
from harvesters import xlsx_stream
from harvesters.shared_strings import _HOT, SharedStrings

ODD = [
    "",
    "BD-0001",
    "统计局",
    "Café au lait",
    "保定市 Bus routes 2024",
    "𠀋 a character beyond the BMP",
    "a lone \ud800 surrogate",
    " spaces kept ",
    "\n\t",
]


def test_every_string_comes_back_as_stored_and_indexes_like_a_list():
    table, kept = SharedStrings(), []
    for i in range(3 * _HOT):  # more than it keeps decoded: the kept ones are emptied
        value = ODD[i % len(ODD)] + (str(i) if i % 2 else "")
        table.append(value)
        kept.append(value)
    assert len(table) == len(kept)
    assert list(table) == kept
    for i in (0, 1, _HOT, len(kept) - 1, -1, -len(kept)):
        assert table[i] == kept[i]
    for i in (len(kept), -len(kept) - 1):
        with pytest.raises(IndexError):
            table[i]
        with pytest.raises(IndexError):
            kept[i]
    assert list(table) == kept  # read again, after the decoded ones were emptied


def test_it_holds_about_half_of_what_a_list_of_the_strings_held():
    """The sizes CPython gives each object, not a timing: an open list's texts (codes,
    phone numbers, Chinese titles and summaries)."""
    texts = []
    for i in range(20_000):
        texts += [
            f"BD-{i:07d}",
            f"0312-{5000000 + i:07d}",
            f"保定市第{i}号公交线路站点信息",
            f"本数据集包含保定市第{i}号公交线路的站点名称、经纬度、首末班时间和票价，按月更新。",
        ]
    table = SharedStrings()
    for t in texts:
        table.append(t)
    as_list = sys.getsizeof(texts) + sum(sys.getsizeof(t) for t in texts)
    assert table.nbytes < 0.55 * as_list, (table.nbytes, as_list)


def test_an_excel_saved_workbook_reads_alike_through_both_readers(tmp_path):
    sheet = tmp_path / "excel-saved.xlsx"
    distinct = write_xlsx_shared(sheet, 600, seed=7)
    assert distinct > _HOT  # the decoded strings kept are emptied while reading
    data = sheet.read_bytes()
    assert assert_same(data) == 602  # the caption, the header and 600 rows
    book = xlsx_stream.open_book(data)
    try:
        xlsx_stream.read_strings(book)
        assert isinstance(book.strings, SharedStrings)
        assert len(book.strings) == distinct
    finally:
        book.close()
