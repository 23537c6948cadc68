"""Previews of tabular files (issue 18): the first rows, column names and inferred types.

A preview is made from a file on disk (an upload, or a URL file ``catalog files check``
fetched) and stored with the distribution as JSON::

    {"format": "csv", "encoding": "gb18030", "columns": [{"name": "站点", "type": "string"}],
     "rows": [["保定", 12]], "truncated": true}

Only the start of a file is read: CSV through a decoding stream, XLSX with openpyxl's
read-only mode (rows are parsed as they are asked for), JSON lines line by line, so a large
file costs no more than a small one. CSV encodings are sniffed from the first bytes: a BOM,
else UTF-8 if the sample decodes, else GB18030 (which also reads GBK and GB2312 files).
A file that cannot be read gives no preview (``None``), never an error.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

MAX_ROWS = 100
MAX_COLUMNS = 60
MAX_CELL = 200  # characters of one cell kept
SAMPLE_BYTES = 64 * 1024
MAX_LINE = 1024 * 1024  # a JSON line longer than this ends the preview
KINDS = ("csv", "xlsx", "jsonl")

_INT = re.compile(r"^[+-]?\d{1,18}$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}$")
_DATETIME = re.compile(r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
_BOOL = frozenset({"true", "false"})


def tabular_kind(
    name: str | None, fmt: str | None = None, media_type: str | None = None
) -> str | None:
    """``csv``, ``xlsx`` or ``jsonl`` when the file is one of them, else None."""
    ext = (name or "").rpartition(".")[2].lower() if "." in (name or "") else ""
    fmt = (fmt or "").strip().lower()
    media = (media_type or "").split(";")[0].strip().lower()
    for value in (ext, fmt):
        if value in ("csv", "tsv"):
            return "csv"
        if value == "xlsx":
            return "xlsx"
        if value in ("jsonl", "ndjson", "json lines", "jsonlines"):
            return "jsonl"
    if media in ("text/csv", "text/tab-separated-values"):
        return "csv"
    if media == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        return "xlsx"
    if media in ("application/x-ndjson", "application/jsonl", "application/jsonlines"):
        return "jsonl"
    return None


def preview_file(path: Path, kind: str | None) -> dict | None:
    """The preview of the file at ``path`` read as ``kind``, or None."""
    try:
        if kind == "csv":
            return _csv(path)
        if kind == "xlsx":
            return _xlsx(path)
        if kind == "jsonl":
            return _jsonl(path)
    except Exception:  # noqa: BLE001 - a file we cannot read simply has no preview
        return None
    return None


# -- encodings and types ------------------------------------------------------------------
def sniff_encoding(sample: bytes) -> str:
    """``utf-8-sig``, ``utf-16`` (by BOM), ``utf-8`` when the sample decodes, else
    ``gb18030``. The sample may end inside a character: the decoder is not finalised."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _type_of_text(text: str) -> str:
    t = text.strip()
    if _INT.match(t):
        return "integer"
    if _NUM.match(t):
        return "number"
    if t.lower() in _BOOL:
        return "boolean"
    if _DATE.match(t):
        return "date"
    if _DATETIME.match(t):
        return "datetime"
    return "string"


def _type_of(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, str):
        return _type_of_text(value)
    if isinstance(value, dict | list):
        return "object"
    return "string"


def _merge(a: str | None, b: str | None) -> str | None:
    if a is None or a == b:
        return b if a is None else a
    if b is None:
        return a
    if {a, b} == {"integer", "number"}:
        return "number"
    if {a, b} == {"date", "datetime"}:
        return "datetime"
    return "string"


def _columns(names: list[str], rows: list[list[Any]]) -> list[dict]:
    out = []
    for i, name in enumerate(names):
        kind: str | None = None
        for row in rows:
            kind = _merge(kind, _type_of(row[i] if i < len(row) else None))
        out.append({"name": name, "type": kind or "empty"})
    return out


def _cell(value: Any) -> Any:
    """A JSON-able, bounded copy of a cell."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return value if len(value) <= MAX_CELL else value[: MAX_CELL - 1] + "…"


def _names(header: list[Any], width: int) -> list[str]:
    names = []
    for i in range(width):
        raw = header[i] if i < len(header) else None
        text = "" if raw is None else str(raw).strip()
        names.append(text[:MAX_CELL] or f"column_{i + 1}")
    return names


def _result(
    kind: str, header: list[Any], rows: list[list[Any]], truncated: bool, **extra: Any
) -> dict | None:
    width = min(max([len(header), *(len(r) for r in rows)]), MAX_COLUMNS)
    if width == 0:
        return None
    names = _names(header, width)
    body = [[_cell(r[i]) if i < len(r) else None for i in range(width)] for r in rows]
    return {
        "format": kind,
        **extra,
        "columns": _columns(names, [r[:width] for r in rows]),
        "rows": body,
        "truncated": truncated,
    }


# -- readers ------------------------------------------------------------------------------
def _csv(path: Path) -> dict | None:
    with open(path, "rb") as raw:
        sample = raw.read(SAMPLE_BYTES)
        encoding = sniff_encoding(sample)
        text = sample.decode(encoding, errors="ignore")
        try:
            dialect: Any = csv.Sniffer().sniff(text[:16384], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
        raw.seek(0)
        stream = io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")
        reader = csv.reader(stream, dialect)
        header = next(reader, None)
        if header is None:
            return None
        rows: list[list[Any]] = []
        truncated = False
        for row in reader:
            if len(rows) == MAX_ROWS:
                truncated = True
                break
            if row:
                rows.append(list(row))
    name = (
        "gb18030"
        if encoding == "gb18030"
        else "utf-8"
        if encoding.startswith("utf-8")
        else encoding
    )
    return _result("csv", list(header), rows, truncated, encoding=name)


def _xlsx(path: Path) -> dict | None:
    from openpyxl import load_workbook

    # a file object: openpyxl refuses a path without an .xlsx suffix (stored files have none)
    with open(path, "rb") as fh:
        return _xlsx_book(load_workbook(fh, read_only=True, data_only=True))


def _xlsx_book(wb: Any) -> dict | None:
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            return None
        it = ws.iter_rows(values_only=True)
        header = None
        for values in it:  # the first row with anything in it names the columns
            if any(v is not None and str(v).strip() for v in values):
                header = list(values)
                break
        if header is None:
            return None
        rows: list[list[Any]] = []
        truncated = False
        for values in it:
            if not any(v is not None and str(v).strip() for v in values):
                continue
            if len(rows) == MAX_ROWS:
                truncated = True
                break
            rows.append(list(values))
        while (
            header
            and header[-1] is None
            and all(len(r) < len(header) or r[len(header) - 1] is None for r in rows)
        ):
            header.pop()
        rows = [r[: len(header)] for r in rows]
        return _result("xlsx", header, rows, truncated, sheet=ws.title)
    finally:
        wb.close()


def _jsonl(path: Path) -> dict | None:
    names: list[str] = []
    records: list[dict] = []
    truncated = False
    with open(path, "rb") as raw:
        sample = raw.read(4)
        raw.seek(len(codecs.BOM_UTF8) if sample.startswith(codecs.BOM_UTF8) else 0)
        while True:
            line = raw.readline(MAX_LINE + 1)
            if not line:
                break
            if len(line) > MAX_LINE:
                truncated = True
                break
            if not line.strip():
                continue
            if len(records) == MAX_ROWS:
                truncated = True
                break
            value = json.loads(line)
            record = value if isinstance(value, dict) else {"value": value}
            for key in record:
                if key not in names:
                    names.append(str(key))
            records.append(record)
    if not records:
        return None
    rows = [[r.get(n) for n in names] for r in records]
    return _result("jsonl", list(names), rows, truncated)
