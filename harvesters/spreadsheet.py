"""Open-list spreadsheets (开放清单): CSV in UTF-8 or GBK/GB18030, and XLSX.

Each row is one resource and keeps its 资源代码 as its identity. Columns are recognised
by any of the names Chinese portals use (see :mod:`harvesters.openlist_columns`); columns
no mapping knows are reported once and kept per row in ``extras``, so nothing is lost.
A value that cannot be read is reported with its row: an unreadable openness (开放属性)
fails the row (publishing a restricted resource as open would be worse than not
publishing it), other unreadable values are kept in ``extras`` with a warning.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from marshmallow import fields, validate

from catalog.services import harvest_publishers
from catalog.services.domain_themes import SEPARATOR, UNMAPPED_KEY
from catalog.services.harvest import PublisherRef
from catalog.services.harvest_preview import SheetLayout
from catalog.services.harvest_store import REVIEW_KEY
from harvesters import normalize, vocabmap
from harvesters.base import (
    HarvestContext,
    Harvester,
    RecordError,
    RemoteRecord,
    SourceError,
    Transformed,
)
from harvesters.config import SourceConfigSchema
from harvesters.documents import Document, list_documents, read_document
from harvesters.http import FetchError
from harvesters.openlist_columns import GROUPS, header_key, map_headers
from harvesters.workbook import SheetRead, WorkbookError, open_sheet
from harvesters.workbook import finish as finish_sheet
from schemas import vocab

PATTERNS = ("*.csv", "*.CSV", "*.xlsx", "*.XLSX", "*.xlsm")
_OPEN_MODES = (
    {zh: code for code, (zh, _en) in vocab.OPEN_MODES.items()}
    | {code: code for code in vocab.OPEN_MODES}
    | {
        "下载": "download",
        "文件": "download",
        "file": "download",
        "接口": "api",
        "API": "api",
        "api": "api",
        "接口服务": "api",
        "API接口": "api",
        "沙箱": "sandbox",
        "在线查看": "online_view",
        "浏览": "online_view",
    }
)
_YES_NO = {"是": "unconditional", "否": "not_open"}
_UNREAD = "unreadable openness"


class SpreadsheetConfig(SourceConfigSchema):
    encoding = fields.String(load_default=None, allow_none=True)
    sheet = fields.String(load_default=None, allow_none=True)
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(sorted(GROUPS))),
        load_default=dict,
    )
    # never a default here: a sheet without an openness column is held for review unless
    # the source says which openness its rows have
    default_openness = fields.String(
        load_default=None, allow_none=True, validate=validate.OneOf(list(vocab.OPENNESS))
    )
    # the source's own openness values onto ours ({"部分开放": "conditional"})
    openness_values = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(list(vocab.OPENNESS))),
        load_default=dict,
    )
    # where the departments are (保定市, or a region code): same-named departments of
    # different places stay apart
    region = fields.String(load_default=None, allow_none=True)


def decode_csv(data: bytes, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312); a
    UTF-16 file with its byte-order mark (Excel's "Unicode text") is read as such. A file
    none of them reads is refused naming the row and column of the first unreadable byte."""
    if not encoding and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        encoding = "utf-16"
    first: UnicodeDecodeError | None = None
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            text = data.decode(enc)
        except LookupError:
            raise SourceError(f"unknown encoding {enc!r} (set encoding on the source)") from None
        except UnicodeDecodeError as exc:
            first = first or exc
            continue
        if "\x00" in text:
            row = text.count("\n", 0, text.index("\x00")) + 1
            raise SourceError(
                f"row {row}: NUL characters: the file looks like UTF-16 without its byte-order "
                "mark; save the sheet as CSV UTF-8 or as XLSX"
            )
        return text
    where = _byte_place(data, first.start) if first else ""
    raise SourceError(
        f"{where}not readable as {encoding or 'UTF-8 or GBK/GB18030'} text; save the sheet as "
        "CSV UTF-8 or as XLSX, or set the source's encoding"
    )


def _byte_place(data: bytes, offset: int) -> str:
    """``row 3, column 2 (byte 0xE9): `` for the byte at ``offset`` of a CSV file."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    prefix = data[line_start:offset]
    delimiter = max(b",\t;|", key=lambda d: data[line_start : line_start + 4096].count(d))
    row = data.count(b"\n", 0, offset) + 1
    column = prefix.count(bytes([delimiter])) + 1
    return f"row {row}, column {column} (byte 0x{data[offset]:02X}): "


class CsvRows:
    """A CSV text's rows, read as many times as the reader needs (each read parses the
    text again, in C: no row is held), only the first ``limit`` when given (a preview)."""

    def __init__(self, text: str, limit: int | None = None):
        self.text = text
        self.limit = limit
        try:
            self.dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
                text[:8192], delimiters=",\t;|"
            )
        except csv.Error:
            self.dialect = csv.excel

    def __iter__(self) -> Iterator[list[str]]:
        return islice(csv.reader(_lines(self.text), self.dialect), self.limit)


def _lines(text: str) -> Iterator[str]:
    """The text's lines with their ends, as ``io.StringIO`` gives them, without the copy
    of the whole text it makes (four bytes a character)."""
    start = 0
    while True:
        end = text.find("\n", start) + 1
        if not end:
            if start < len(text):
                yield text[start:]
            return
        yield text[start:end]
        start = end


def xlsx_sheet(data: bytes, sheet: str | None, limit: int | None = None) -> SheetRead:
    """The sheet to read (the first visible sheet unless the source names one), its rows
    with merged cells filled down; what the clerk should know about hidden sheets, merges
    and formulas once its rows have been read through."""
    try:
        return open_sheet(data, sheet, limit)
    except WorkbookError as exc:
        raise SourceError(str(exc)) from None


def find_header(rows: list[list[Any]], overrides: dict) -> int:
    """The header row: among the first ten, the one naming the most known columns (a
    caption row such as "保定市公共数据开放清单（2024年版）" often sits above it)."""
    best, best_n = -1, 1
    for i, row in enumerate(rows[:10]):
        n = len(map_headers(row, overrides))
        if n > best_n:
            best, best_n = i, n
    if best < 0:
        filled = next((r for r in rows[:10] if any(cell(c) is not None for c in r)), None)
        seen = (
            f"; row {rows.index(filled) + 1} reads: "
            + " | ".join(str(c) for c in filled if cell(c) is not None)[:200]
            if filled
            else ""
        )
        raise SourceError(
            "no header row with at least two known column names (资源名称, 数源部门, ...) "
            f"among the first ten rows{seen}"
        )
    return best


# what the XLSX readers give for a date, date-and-time or time cell
_DATE_CELLS = frozenset({datetime.datetime, datetime.date, datetime.time})


def _filled(row: list[Any]) -> bool:
    """Whether a row has a cell that is not empty (nor a placeholder)."""
    return any(c is not None and cell(c) is not None for c in row)


def _first_cell(row: list[Any], columns: list[int]) -> Any:
    """The first of these columns' cells that is not empty, else None."""
    for i in columns:
        if i < len(row):
            value = cell(row[i])
            if value is not None:
                return value
    return None


def _named(doc: Document, exc: SourceError) -> str:
    """A file's problem named by the file it is about."""
    text = str(exc)
    return text if text.startswith(doc.location) else f"{doc.location}: {text}"


def _kind(doc: Document) -> str:
    name = doc.location.lower().split("?")[0]
    if name.endswith((".xlsx", ".xlsm")) or doc.data[:4] == b"PK\x03\x04":
        return "xlsx"
    if name.endswith(".xls") or doc.data[:4] == b"\xd0\xcf\x11\xe0":
        raise SourceError("XLS (Excel 97-2003) is not supported: save the list as XLSX or CSV")
    return "csv"


class SpreadsheetHarvester(Harvester):
    """Open-list spreadsheets (CSV in UTF-8/GBK, XLSX) with Chinese column names."""

    kind = "spreadsheet"
    config_schema = SpreadsheetConfig
    # a row's payload holds its cells, its sheet's header mapping, its row number, file,
    # identity and region: with the run's settings (columns, openness_values,
    # default_openness, the curators' domain themes) and the region table
    # (``payload_context``), it decides the row's whole transform
    hashes_payload = True
    # no parallel_transform: a row's transform reads only its payload, the run's settings
    # and the region table, and the mapping workers give the same catalog
    # (test_harvest_sheet_workers.py), but at 100,000 rows they saved no time and cost 16
    # CPU-s more (the run's writer is the bottleneck, and rows travel pickled): not yet

    def __init__(self, ctx: HarvestContext):
        super().__init__(ctx)
        self._readers: dict[tuple[tuple[str, str], ...], RowReader] = {}
        self._context: str | None = None

    def payload_context(self) -> Any:
        """The region table (``所属区域`` cells are read against it): a new region file
        maps every row again."""
        if self._context is None:
            table = json.dumps(sorted(vocab.regions().items()), ensure_ascii=False)
            self._context = hashlib.sha256(table.encode()).hexdigest()
        return self._context

    def gather(self) -> Iterator[RemoteRecord]:
        try:
            locations = list(list_documents(self.ctx.http, self.ctx.spec.url, PATTERNS))
            if not locations:
                raise SourceError("no CSV or XLSX file found")
            for location in locations:
                yield from self._rows(read_document(self.ctx.http, location))
        except FetchError as exc:
            raise SourceError(str(exc)) from None

    def _rows(self, doc: Document) -> Iterator[RemoteRecord]:
        """The file's rows as records, read in two passes that hold no row: the first
        finds the header, counts the rows and the URLs (a URL identifies a row only when
        no other row has it) and learns the merges and formulas the clerk is told about
        before any row; the second yields the rows (an XLSX sheet from its spool)."""
        overrides = self.config.get("columns") or {}
        try:
            read, source = self._open(doc)
        except SourceError as exc:
            raise SourceError(_named(doc, exc)) from None
        if read is None:  # a CSV is read from its decoded text: its bytes can go
            doc = Document(doc.location, b"", doc.content_type)
        try:
            yield from self._records(doc, overrides, read, source)
        finally:
            if read is not None:
                read.rows.close()

    def _records(
        self, doc: Document, overrides: dict, read: SheetRead | None, source: Iterable[list[Any]]
    ) -> Iterator[RemoteRecord]:
        it = iter(source)
        head = list(islice(it, 10))
        try:
            if not any(_filled(row) for row in head) and not any(_filled(row) for row in it):
                what = f"sheet {read.name!r}" if read else "file"
                raise SourceError(f"the {what} is empty (no rows)")
            h = find_header(head, overrides)
        except SourceError as exc:
            if read is not None and read.rows.fallback:
                self.ctx.log(f"{doc.location}: {read.rows.fallback}")
            raise SourceError(_named(doc, exc)) from None
        headers = _unique_headers(head[h])
        mapped = map_headers(headers, overrides)
        # the first pass: rows below the header, their URLs, what the workbook says
        landing = [i for i, f in mapped.items() if f == "landing_page"]
        urls: Counter[str] = Counter()
        body_rows = 0
        total = h + 1
        for row in chain(head[h + 1 :], it):
            total += 1
            if not _filled(row):
                continue
            body_rows += 1
            if landing:
                u = normalize.url(_first_cell(row, landing))
                if u:
                    urls[u] += 1
        if read is not None:
            finish_sheet(read)
            if read.fallback:
                self.ctx.log(f"{doc.location}: {read.fallback}")
        for message in read.messages(headers, h + 1) if read else []:
            self.ctx.report(None, "warning", f"{doc.location}: {message}")
        if "title" not in mapped.values():
            raise SourceError(f"{doc.location}: no column for the title (资源名称, 目录名称, ...)")
        unmapped = [headers[i] for i in range(len(headers)) if i not in mapped]
        if unmapped:
            self.ctx.report(
                None,
                "warning",
                f"{doc.location}: columns not mapped (kept in extras): {', '.join(unmapped)}",
            )
        self.ctx.log(f"{doc.location}: header on row {h + 1}, {body_rows} rows")
        region = self._region(doc, head[:h])
        self.ctx.layouts.append(
            SheetLayout(
                doc.location,
                h + 1,
                [(label, mapped.get(i)) for i, label in enumerate(headers)],
                body_rows,
                region,
                truncated=self.ctx.row_limit is not None and total >= self.ctx.row_limit,
            )
        )
        self._say_openness(doc, mapped, headers, body_rows)
        # the second pass: each row keyed and sent on, its header mapping shared
        by_header = {headers[i]: f for i, f in mapped.items()}
        keys = _Keys(mapped, urls)
        used: dict[str, int] = {}
        first: dict[str, int] = {}
        typed = read is not None  # an XLSX cell may be a date: said in the payload
        for n, row in enumerate(source, start=1):
            if n <= h + 1 or not _filled(row):
                continue
            rid, how = keys.of(row)
            if rid is not None and rid in first:
                what = {"code": "资源代码", "url": "URL", "title": "数源部门 and 资源名称"}[how]
                self.ctx.report(
                    rid,
                    "warning",
                    f"{doc.location} row {n}: same {what} as row {first[rid]}: "
                    "not stored (the first is kept)",
                )
                continue
            if rid is not None:
                first[rid] = n
                used[how] = used.get(how, 0) + 1
            cells = dict(zip(headers, row, strict=False))
            payload = {
                "row": n,
                "file": doc.location,
                "cells": cells,
                "mapped": by_header,
                "identity": how,
                "region": region,
            }
            if typed:
                dates = [k for k, v in cells.items() if v.__class__ in _DATE_CELLS]
                if dates:
                    # a date cell and a text cell that prints alike hash apart
                    payload["dates"] = dates
            yield RemoteRecord(rid, payload, locator=f"{doc.location} row {n}")
        self.ctx.log(f"{doc.location}: identity: {_identity_line(mapped, headers, used)}")

    def _open(self, doc: Document) -> tuple[SheetRead | None, Iterable[list[Any]]]:
        """The file's rows, to be read twice (an XLSX sheet's merged cells filled down)."""
        if _kind(doc) == "xlsx":
            read = xlsx_sheet(doc.data, self.config.get("sheet"), self.ctx.row_limit)
            if read.hidden:
                message = (
                    f"{doc.location}: hidden sheets skipped: {', '.join(read.hidden)} "
                    f"(reading {read.name}; set sheet on the source to read another)"
                )
                self.ctx.log(message)
                self.ctx.report(None, "warning", message)
            return read, read.rows
        return None, CsvRows(decode_csv(doc.data, self.config.get("encoding")), self.ctx.row_limit)

    def _region(self, doc: Document, above: list[list[Any]]) -> str | None:
        """Where the departments of this sheet are: the source's ``region``, else a place
        named by a caption row above the header (保定市公共数据开放清单 -> 保定市)."""
        region = normalize.text(self.config.get("region"))
        if region:
            region = vocab.regions().get(region, (region, ""))[0]
            self.ctx.log(f"{doc.location}: departments matched within {region} (source region)")
            return region
        for row in above:
            found = caption_region(row)
            if found:
                self.ctx.log(f"{doc.location}: departments matched within {found} (caption row)")
                return found
        self.ctx.log(
            f"{doc.location}: no region (set region on the source): departments are matched "
            "by name alone, so same-named departments of different places become one"
        )
        return None

    def _say_openness(
        self, doc: Document, mapped: dict[int, str], headers: list[str], n: int
    ) -> None:
        cols = [headers[i] for i, f in mapped.items() if f == "openness"]
        default = self.config.get("default_openness")
        if cols:
            self.ctx.log(f"{doc.location}: openness from {', '.join(cols)}")
        elif default:
            label = vocab.label("openness", default)
            self.ctx.log(
                f"{doc.location}: no openness column (开放属性): the source's default_openness "
                f"{label} ({default}) is given to its {n} rows"
            )
        else:
            message = (
                f"{doc.location}: NO OPENNESS COLUMN (开放属性): its {n} rows are held for "
                f"review as {UNKNOWN_OPENNESS!r} (stored as 不予开放 and not published); set "
                "default_openness on the source only if the whole sheet has one openness"
            )
            self.ctx.log(message)
            self.ctx.report(None, "warning", message)

    def _reader(self, mapped: dict[str, str]) -> RowReader:
        """The compiled reader of a sheet's mapping (the rows of a sheet share it)."""
        key = tuple(mapped.items())
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers[key] = RowReader(mapped, self.config)
        return reader

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        row = payload["row"]
        if not record.remote_id:
            raise RecordError(
                "transform", f"row {row}: no 资源代码, URL or 资源名称 identifies this row"
            )
        data, publisher, warnings = self._reader(payload["mapped"]).read(
            payload["cells"], row, payload.get("region")
        )
        code = data.get("resource_code")
        hint = f"openlist-{code}" if payload.get("identity") == "code" and code else None
        return Transformed(
            record.remote_id,
            data,
            publisher,
            name_hint=hint or f"openlist-{normalize.short_hash(record.remote_id)}",
            warnings=warnings,
        )


UNKNOWN_OPENNESS = "openness unknown"
# remote ids are at most 500 characters (dataset_sources.source_record_id): longer keys
# are hashed, the full code stays in resource_code
_MAX_ID = 500


def _unique_headers(row: list[Any]) -> list[str]:
    """Header labels, each once: a second 所属领域 becomes 所属领域 (2), so its cells are kept."""
    out: list[str] = []
    for i, c in enumerate(row):
        label = normalize.text(c) or f"列{i + 1}"
        base, k = label, 2
        while label in out:
            label, k = f"{base} ({k})", k + 1
        out.append(label)
    return out


def _bounded(prefix: str, value: str) -> str:
    key = f"{prefix}{value}"
    if len(key) <= _MAX_ID:
        return key
    return f"{prefix or 'code:'}sha256:{hashlib.sha256(value.encode()).hexdigest()}"


class _Keys:
    """Each row's record key and how it was found: the 资源代码 cell when there is one
    (``code``), else the row's URL when no other row of the sheet has it (``url``, counted
    by the first pass), else the folded publisher and title (``title``); None when there is
    no title either."""

    def __init__(self, mapped: dict[int, str], urls: Counter[str]):
        def columns(field: str) -> list[int]:
            return [i for i, f in mapped.items() if f == field]

        self.code = columns("resource_code")
        self.landing = columns("landing_page")
        self.title = columns("title")
        self.department = columns("department")
        self.urls = urls

    def of(self, row: list[Any]) -> tuple[str | None, str]:
        code = _first_cell(row, self.code) if self.code else None
        if code:
            return _bounded("", code), "code"
        link = normalize.url(_first_cell(row, self.landing)) if self.landing else None
        if link and self.urls[link] == 1:
            return _bounded("url:", link), "url"
        title = _first_cell(row, self.title)
        if title:
            dept = normalize.fold(_first_cell(row, self.department) or "")
            return _bounded("title:", f"{dept}/{normalize.fold(title)}"), "title"
        return None, "none"


def _identity_line(mapped: dict[int, str], headers: list[str], used: dict[str, int]) -> str:
    codes = [headers[i] for i, f in mapped.items() if f == "resource_code"]
    parts = []
    if codes:
        parts.append(f"{used.get('code', 0)} rows by their {codes[0]}")
    else:
        parts.append("no 资源代码 column")
    parts.append(f"{used.get('url', 0)} by their URL (unique in the sheet)")
    parts.append(f"{used.get('title', 0)} by publisher + title")
    return ", ".join(parts)


_CAPTION = re.compile(
    r"^\s*((?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|特别行政区))?"
    r"(?:[\u4e00-\u9fff]{1,8}?(?:市|自治州|地区|盟))?(?:[\u4e00-\u9fff]{1,6}?(?:区|县|旗))?)"
    r"(?:人民政府)?(?:公共|政务|政府|大数据|数据|信息|开放)"
)


def caption_region(row: list[Any]) -> str | None:
    """The place a caption row names (one filled cell: 保定市公共数据开放清单 -> 保定市)."""
    filled = [t for t in (normalize.text(c) for c in row) if t]
    if len(filled) != 1:
        return None
    m = _CAPTION.match(filled[0])
    return m.group(1) if m and m.group(1) else None


class RowReader:
    """One sheet's column mapping compiled once, for every row of the sheet: each header's
    field and handler looked up once, and what a handler makes of a cell value kept per
    distinct value (openness, frequency, domain, format, department and date cells repeat
    down a sheet of thousands of rows; a bounded memo keeps memory flat when they do not)."""

    MEMO = 20_000

    def __init__(self, mapped: dict[str, str], config: dict):
        self.mapped = mapped
        self.config = config
        self.plan = {h: (f, _HANDLERS.get(f, _plain)) for h, f in mapped.items()}
        self.openness_cols = [h for h, f in mapped.items() if f == "openness"]
        self.title_cols = [h for h, f in mapped.items() if f == "title"]
        self.conditions = {
            h for h in self.openness_cols if header_key(h) in ("开放条件", "条件开放")
        }
        self.memo: dict[Any, Any] = {}

    def once(self, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` (while the memo has room)."""
        try:
            return self.memo[key]
        except KeyError:
            value = make()
            if len(self.memo) < self.MEMO:
                self.memo[key] = value
            return value
        except TypeError:  # an unhashable value: computed each time
            return make()

    def read(
        self, cells: dict[str, Any], row: int, region: str | None = None
    ) -> tuple[dict, PublisherRef | None, list[str]]:
        """One row's cells as catalog input. Raises RecordError for what makes it
        unusable, naming the row and the column."""
        config = self.config
        data: dict[str, Any] = {"extras": {}}
        warnings: list[str] = []
        extras = data["extras"]
        openness_seen: list[str] = []
        plan = self.plan
        for header, raw in cells.items():
            if raw is None:
                continue
            value = cell(raw)
            if value is None:
                continue
            step = plan.get(header)
            if step is None:
                extras[header] = value if isinstance(value, str) else str(value)
                continue
            field, handler = step
            if field == "ignore":
                continue
            problem = handler(data, field, header, value, self)
            if problem is None:
                continue
            if problem == _UNREAD:  # judged after the whole row: another column may say it
                openness_seen.append(f"{header} {value!r}")
                extras[header] = str(value)
                continue
            warnings.append(f"row {row}: {problem}")
            extras[header] = value if isinstance(value, str) else str(value)
        if "access_rights" not in data:
            default = config.get("default_openness")
            if openness_seen:
                accepted = "、".join(accepted_openness(config))
                why = (
                    f"row {row}, column {'; '.join(openness_seen)}: not an openness value "
                    f"(accepted: {accepted}; a source maps others with openness_values)"
                )
            elif self.openness_cols:
                why = f"row {row}, column {self.openness_cols[0]}: empty"
            else:
                why = None  # no openness column: said once for the whole sheet
            if default and not openness_seen:
                data["access_rights"] = default
            else:
                # never guessed: held for review, the most restrictive value meanwhile
                data["access_rights"] = "not_open"
                extras[REVIEW_KEY] = f"{UNKNOWN_OPENNESS}: {why}" if why else UNKNOWN_OPENNESS
                if why:
                    warnings.append(f"{why}: held for review as {UNKNOWN_OPENNESS!r}")
        if not data.get("title"):
            title = self.title_cols[0] if self.title_cols else "资源名称"
            raise RecordError("transform", f"row {row}, column {title}: empty")
        data["identifier"] = data.get("resource_code")
        dept = data.get("source_department")
        publisher = (
            self.once(("publisher", dept, region), lambda: publisher_ref(dept, region))
            if dept
            else None
        )
        return data, publisher, warnings


def read_row(
    cells: dict[str, Any],
    mapped: dict[str, str],
    row: int,
    config: dict,
    region: str | None = None,
) -> tuple[dict, PublisherRef | None, list[str]]:
    """One row's cells as catalog input (a sheet's rows share one :class:`RowReader`)."""
    return RowReader(mapped, config).read(cells, row, region)


def publisher_ref(department: str | None, region: str | None) -> PublisherRef | None:
    """A department within its region: 统计局 of 厦门市 is 厦门市统计局, another place's
    统计局 another organization (the rule every source kind's ``region`` follows)."""
    if not department:
        return None
    if not region:
        return PublisherRef(key=department, title=department)
    title = harvest_publishers.regional_title(department, harvest_publishers.Place(region))
    return PublisherRef(key=f"{region}/{department}", title=title)


def accepted_openness(config: dict) -> list[str]:
    """The openness values a row may carry: ours, their spellings, the source's own."""
    values = [zh for zh, _en in vocab.OPENNESS.values()]
    values += [k for k in vocab.OPENNESS_ALIASES if not k.isascii()]
    values += [k for k in (config.get("openness_values") or {}) if k not in values]
    return list(dict.fromkeys(values))


# cells that say "nothing here" (never stored as a value, a phone number or a keyword)
PLACEHOLDERS = frozenset(
    {
        "暂无",
        "无",
        "空",
        "/",
        "-",
        "--",
        "—",
        "——",
        "／",
        "－",
        "n/a",
        "na",
        "null",
        "none",
        "无数据",
    }
)


# what normalize.text reads as nothing, and the placeholders: at most 9 characters
_EMPTY = PLACEHOLDERS | {"", "none", "null", "nil", "n/a", "undefined"}


def cell(raw: Any) -> Any:
    """A cell's value: dates as they are, text trimmed, placeholders as None."""
    if raw.__class__ is str:  # nearly every cell: normalize.text's steps, inline
        text = unicodedata.normalize("NFC", raw).strip()
        if len(text) <= 9 and text.lower() in _EMPTY:
            return None
        return text
    if hasattr(raw, "year"):
        return raw
    value = normalize.text(raw)
    if value is None or value.lower() in PLACEHOLDERS:
        return None
    return value


_LIST_SPLIT = re.compile(r"[,，;；、|\n\r\t]+")
_FORMAT_SPLIT = re.compile(r"[,，;；、|/／\s]+")
_QUOTES = "'\"“”‘’`「」 "


def parts(value: Any, split: re.Pattern[str] = _LIST_SPLIT) -> list[str]:
    """A list cell's items: ``['xls', 'api']``, ``[csv,json]``, ``公交、线路``, one per
    line...; quotes and brackets dropped, placeholders and repeats skipped."""
    text = str(value).strip()
    if len(text) >= 2 and text[0] in "[［【(（{" and text[-1] in "]］】)）}":
        text = text[1:-1]
    out: list[str] = []
    for piece in split.split(text):
        item = piece.strip(_QUOTES)
        if item and item.lower() not in PLACEHOLDERS and item not in out:
            out.append(item)
    return out


def _keep(data: dict, field: str, header: str, value: Any) -> None:
    """A field's value from its first column; another column's value is kept in extras."""
    if field in data:
        data["extras"][header] = value if isinstance(value, str) else str(value)
    else:
        data[field] = value


def _plain(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    _keep(data, field, header, value if isinstance(value, str) else str(value))
    return None


def _department(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    _keep(data, "source_department", header, str(value))
    return None


_BRACKETED = re.compile(r"[（(][^）)]*[）)]")


def openness_code(text: str, config: dict) -> str | None:
    """An openness cell as our code: the source's ``openness_values`` first, then the
    built-in table (national and local values, typos), with or without a bracketed note
    (有条件开放（依申请） is 有条件开放)."""
    own = config.get("openness_values") or {}
    for candidate in (text, _BRACKETED.sub("", text).strip(), re.sub(r"\s+", "", text)):
        if not candidate:
            continue
        code = own.get(candidate) or vocabmap.openness(candidate) or _YES_NO.get(candidate)
        if code:
            return code
    return None


def _openness(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    text = str(value)

    def reading() -> tuple[str, str] | None:
        code = openness_code(text, rr.config)
        if code:
            return "access_rights", code
        mode = _open_mode(text)
        if mode:
            return "open_mode", mode
        if header in rr.conditions:
            return "access_conditions", text
        return None

    found = rr.once(("openness", header, text), reading)
    if found is None:
        return _UNREAD
    data.setdefault(found[0], found[1])
    return None


def _open_mode(text: str) -> str | None:
    for part in parts(text, _FORMAT_SPLIT):
        if part in _OPEN_MODES:
            return _OPEN_MODES[part]
    return None


# what a frequency cell may say that is no frequency at all (kept in extras with a warning)
_NO_FREQUENCY = {"自定义": "custom", "其他": "other", "按需": "on demand"}


def _frequency(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    code, problem = rr.once(("frequency", header, value), lambda: _read_frequency(header, value))
    if code is not None:
        _keep(data, "frequency", header, code)
    return problem


def _read_frequency(header: str, value: Any) -> tuple[str | None, str | None]:
    """(our frequency code, None), or (None, what is wrong with the cell)."""
    code = vocabmap.frequency(str(value))
    if code is not None:
        return code, None
    known = "、".join(zh for zh, _en in vocab.FREQUENCIES.values())
    every = vocabmap.interval(str(value))
    if every is not None:
        n, unit = every
        return None, (
            f"{header} {value!r} not recognised: every {n} {unit}(s) is none of the "
            f"catalog's frequencies ({known}); kept in extras"
        )
    if str(value) in _NO_FREQUENCY:
        return None, (
            f"{header} {value!r} not recognised: {_NO_FREQUENCY[str(value)]} names no "
            f"frequency ({known}); kept in extras"
        )
    return None, f"{header} {value!r} not recognised (accepted: {known}); kept in extras"


def _add_themes(data: dict, items: list[str], rr: RowReader) -> None:
    """Themes of domain values; values no mapping knows (and a curator has not looked at)
    are kept for the curators' "unmapped domain values" page."""
    themes, unknown = rr.once(("themes", *items), lambda: _themes(items, rr.config))
    data["themes"] = list(dict.fromkeys([*data.get("themes", []), *themes]))
    if unknown:
        extras = data["extras"]
        had = [v for v in (extras.get(UNMAPPED_KEY) or "").split(SEPARATOR) if v]
        extras[UNMAPPED_KEY] = SEPARATOR.join(dict.fromkeys([*had, *unknown]))


def _themes(items: list[str], config: dict) -> tuple[list[str], list[str]]:
    mapping = config.get("themes") or {}
    themes, rest = vocabmap.themes(items, mapping)
    return themes, [v[:100] for v in rest if v not in mapping]


def _domain(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    text = str(value)

    def reading() -> tuple[str | None, list[str]]:
        items = parts(text)
        return normalize.clip("、".join(items) or text, 100), items

    domain, items = rr.once(("domain", text), reading)
    _keep(data, "domain", header, domain)
    _add_themes(data, items, rr)
    return None


def _industry(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    _add_themes(data, rr.once(("parts", value), lambda: parts(value)), rr)
    data["extras"][header] = str(value)
    return None


def _keywords(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    data["keywords"] = list(dict.fromkeys([*data.get("keywords", []), *parts(value)]))
    return None


def _formats(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    found = rr.once(("formats", value), lambda: _read_formats(value))
    data["data_formats"] = list(dict.fromkeys([*data.get("data_formats", []), *found]))
    return None


def _read_formats(value: Any) -> list[str]:
    found = [vocabmap.data_format(v) for v in parts(value, _FORMAT_SPLIT)]
    return [f.upper() if f and f.islower() else f for f in found if f]


def _date(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    iso = rr.once((field, value), lambda: _read_date(field, value))
    if iso is None:
        return f"{header} {value!r} is not a date"
    _keep(data, field, header, iso)
    return None


def _read_date(field: str, value: Any) -> str | None:
    """An ``issued`` cell as an ISO date, a ``modified`` one as an ISO date and time."""
    if field == "issued":
        d = normalize.parse_date(value)
        return d.isoformat() if d is not None else None
    dt = normalize.parse_datetime(value)
    return dt.isoformat() if dt is not None else None


_PHONE = re.compile(r"^[\d\s()（）+\-－—、,，;；/转ext.#*]+$")


def _email(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    text = str(value)
    target, found = rr.once((field, header, text), lambda: _read_contact(field, header, text))
    if target is None:
        return found
    _keep(data, target, header, found)
    return None


def _read_contact(field: str, header: str, text: str) -> tuple[str | None, str]:
    """(the field, its value), or (None, what is wrong with the cell)."""
    # an address has an @ (the e-mail validator's exception costs a phone cell 25 us)
    mail = normalize.email(text) if "@" in text else None
    if mail:
        return "contact_email", mail
    if field == "contact_phone":  # 联系方式 holds either
        if sum(ch.isdigit() for ch in text) < 5 or not _PHONE.match(text):
            return None, f"{header} {text!r} is not a phone number"
        return "contact_phone", normalize.clip(text, 50) or text
    return None, f"{header} {text!r} is not an e-mail address"


def _url(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    u = normalize.url(value)
    if u is None:
        return f"{header} {value!r} is not a URL"
    _keep(data, "landing_page", header, u)
    return None


def _spatial(data: dict, field: str, header: str, value: Any, rr: RowReader) -> str | None:
    codes, problem = rr.once(("spatial", header, value), lambda: _read_spatial(header, value))
    data["spatial"] = list(dict.fromkeys([*data.get("spatial", []), *codes]))
    return problem


def _read_spatial(header: str, value: Any) -> tuple[list[str], str | None]:
    by_name = {zh: code for code, (zh, _en) in vocab.regions().items()}
    codes: list[str] = []
    unknown: list[str] = []
    for part in parts(value):
        code = part if part in vocab.regions() else by_name.get(part)
        (codes if code else unknown).append(code or part)
    return codes, (f"{header}: regions not known here: {', '.join(unknown)}" if unknown else None)


_HANDLERS: dict[str, Callable[[dict, str, str, Any, RowReader], str | None]] = {
    "department": _department,
    "openness": _openness,
    "frequency": _frequency,
    "domain": _domain,
    "industry": _industry,
    "keywords": _keywords,
    "data_formats": _formats,
    "issued": _date,
    "modified": _date,
    "contact_email": _email,
    "contact_phone": _email,
    "landing_page": _url,
    "spatial": _spatial,
}
