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
import io
from collections.abc import Iterator
from typing import Any

from marshmallow import fields, validate

from catalog.services.harvest import PublisherRef
from harvesters import normalize, vocabmap
from harvesters.base import Harvester, RecordError, RemoteRecord, SourceError, Transformed
from harvesters.config import SourceConfigSchema
from harvesters.documents import Document, list_documents, read_document
from harvesters.http import FetchError
from harvesters.openlist_columns import GROUPS, header_key, map_headers
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
_SPLIT = ",，;；、/| "


class SpreadsheetConfig(SourceConfigSchema):
    encoding = fields.String(load_default=None, allow_none=True)
    sheet = fields.String(load_default=None, allow_none=True)
    columns = fields.Dict(
        keys=fields.String(),
        values=fields.String(validate=validate.OneOf(sorted(GROUPS))),
        load_default=dict,
    )


def decode_csv(data: bytes, encoding: str | None = None) -> str:
    """UTF-8 (with or without BOM) first, then GB18030 (a superset of GBK and GB2312)."""
    for enc in [encoding] if encoding else ["utf-8-sig", "gb18030"]:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    raise SourceError(f"not readable as {encoding or 'UTF-8 or GBK/GB18030'} text")


def csv_rows(text: str) -> list[list[str]]:
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def xlsx_rows(data: bytes, sheet: str | None) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise SourceError(f"not a readable XLSX workbook ({exc})") from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise SourceError(f"no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def find_header(rows: list[list[Any]], overrides: dict) -> int:
    """The header row: among the first ten, the one naming the most known columns (a
    caption row such as "保定市公共数据开放清单（2024年版）" often sits above it)."""
    best, best_n = -1, 1
    for i, row in enumerate(rows[:10]):
        n = len(map_headers(row, overrides))
        if n > best_n:
            best, best_n = i, n
    if best < 0:
        raise SourceError(
            "no header row with at least two known column names (资源名称, 数源部门, ...)"
        )
    return best


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
        overrides = self.config.get("columns") or {}
        if _kind(doc) == "xlsx":
            rows = xlsx_rows(doc.data, self.config.get("sheet"))
        else:
            rows = csv_rows(decode_csv(doc.data, self.config.get("encoding")))
        h = find_header(rows, overrides)
        headers = [normalize.text(c) or f"列{i + 1}" for i, c in enumerate(rows[h])]
        mapped = map_headers(headers, overrides)
        if "resource_code" not in mapped.values() or "title" not in mapped.values():
            missing = [f for f in ("resource_code", "title") if f not in mapped.values()]
            raise SourceError(
                f"{doc.location}: no column for {', '.join(missing)} (资源代码, 资源名称)"
            )
        unmapped = [headers[i] for i in range(len(headers)) if i not in mapped]
        if unmapped:
            self.ctx.report(
                None,
                "warning",
                f"{doc.location}: columns not mapped (kept in extras): {', '.join(unmapped)}",
            )
        self.ctx.log(f"{doc.location}: header on row {h + 1}, {len(rows) - h - 1} rows")
        for n, row in enumerate(rows[h + 1 :], start=h + 2):
            if not any(normalize.text(c) for c in row):
                continue
            cells = {headers[i]: row[i] for i in range(min(len(row), len(headers)))}
            code = next(
                (
                    normalize.text(row[i])
                    for i, f in mapped.items()
                    if f == "resource_code" and i < len(row)
                ),
                None,
            )
            payload = {
                "row": n,
                "file": doc.location,
                "cells": cells,
                "mapped": {headers[i]: f for i, f in mapped.items()},
            }
            yield RemoteRecord(code, payload, locator=f"{doc.location} row {n}")

    def transform(self, payload: Any, record: RemoteRecord) -> Transformed:
        row = payload["row"]
        if not record.remote_id:
            raise RecordError("transform", f"row {row}: no 资源代码 (resource code)")
        data, publisher, warnings = read_row(payload["cells"], payload["mapped"], row, self.config)
        return Transformed(
            record.remote_id,
            data,
            publisher,
            name_hint=f"openlist-{record.remote_id}",
            warnings=warnings,
        )


def read_row(
    cells: dict[str, Any], mapped: dict[str, str], row: int, config: dict
) -> tuple[dict, PublisherRef | None, list[str]]:
    """One row's cells as catalog input. Raises RecordError for what makes it unusable."""
    data: dict[str, Any] = {"extras": {}}
    warnings: list[str] = []
    extras = data["extras"]
    openness_seen: list[str] = []
    for header, raw in cells.items():
        field = mapped.get(header)
        value = normalize.text(raw) if not hasattr(raw, "year") else raw
        if value is None or field == "ignore":
            continue
        if field is None:
            extras[header] = value if isinstance(value, str) else str(value)
            continue
        handler = _HANDLERS.get(field, _plain)
        problem = handler(data, field, header, value, config)
        if problem == _UNREAD:  # judged after the whole row: another column may say it
            openness_seen.append(f"{header} {value!r}")
            extras[header] = str(value)
            continue
        if problem:
            warnings.append(f"row {row}: {problem}")
            extras[header] = value if isinstance(value, str) else str(value)
    if "access_rights" not in data and openness_seen:
        raise RecordError(
            "transform", f"row {row}: openness not recognised ({'; '.join(openness_seen)})"
        )
    if not data.get("title"):
        raise RecordError("transform", f"row {row}: no 资源名称 (title)")
    data["identifier"] = data.get("resource_code")
    dept = data.get("source_department")
    publisher = PublisherRef(key=dept, title=dept) if dept else None
    return data, publisher, warnings


def _plain(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    data.setdefault(field, value if isinstance(value, str) else str(value))
    return None


def _department(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    data.setdefault("source_department", str(value))
    return None


def _openness(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    text = str(value)
    code = vocabmap.openness(text) or _YES_NO.get(text)
    if code:
        data.setdefault("access_rights", code)
        return None
    mode = _open_mode(text)
    if mode:
        data.setdefault("open_mode", mode)
        return None
    if header_key(header) in ("开放条件", "条件开放"):
        data.setdefault("access_conditions", text)
        return None
    return _UNREAD


def _open_mode(text: str) -> str | None:
    for part in normalize.text_list(text, _SPLIT):
        if part in _OPEN_MODES:
            return _OPEN_MODES[part]
    return None


def _frequency(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    code = vocabmap.frequency(str(value))
    if code is None:
        return f"{header} {value!r} not recognised"
    data.setdefault("frequency", code)
    return None


def _domain(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    text = str(value)
    data.setdefault("domain", normalize.clip(text, 100))
    themes, _ = vocabmap.themes(normalize.text_list(text, _SPLIT), config.get("themes"))
    data["themes"] = list(dict.fromkeys([*data.get("themes", []), *themes]))
    return None


def _industry(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    themes, _ = vocabmap.themes(normalize.text_list(str(value), _SPLIT), config.get("themes"))
    data["themes"] = list(dict.fromkeys([*data.get("themes", []), *themes]))
    data["extras"][header] = str(value)
    return None


def _keywords(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    data["keywords"] = list(
        dict.fromkeys([*data.get("keywords", []), *normalize.text_list(str(value), _SPLIT)])
    )
    return None


def _formats(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    found = [vocabmap.data_format(v) for v in normalize.text_list(str(value), _SPLIT)]
    data["data_formats"] = list(
        dict.fromkeys([*data.get("data_formats", []), *(f for f in found if f)])
    )
    return None


def _date(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    if field == "issued":
        d = normalize.parse_date(value)
        if d is None:
            return f"{header} {value!r} is not a date"
        data.setdefault("issued", d.isoformat())
    else:
        dt = normalize.parse_datetime(value)
        if dt is None:
            return f"{header} {value!r} is not a date"
        data.setdefault("modified", dt.isoformat())
    return None


def _email(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    text = str(value)
    mail = normalize.email(text)
    if mail:
        data.setdefault("contact_email", mail)
        return None
    if field == "contact_phone":  # 联系方式 holds either
        data.setdefault("contact_phone", normalize.clip(text, 50))
        return None
    return f"{header} {text!r} is not an e-mail address"


def _url(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    u = normalize.url(value)
    if u is None:
        return f"{header} {value!r} is not a URL"
    data.setdefault("landing_page", u)
    return None


def _spatial(data: dict, field: str, header: str, value: Any, config: dict) -> str | None:
    by_name = {zh: code for code, (zh, _en) in vocab.regions().items()}
    codes: list[str] = []
    unknown: list[str] = []
    for part in normalize.text_list(str(value), _SPLIT):
        code = part if part in vocab.regions() else by_name.get(part)
        (codes if code else unknown).append(code or part)
    data["spatial"] = list(dict.fromkeys([*data.get("spatial", []), *codes]))
    return f"{header}: regions not known here: {', '.join(unknown)}" if unknown else None


_HANDLERS = {
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
