"""An open-list workbook as its clerk sees it, beyond what openpyxl's read-only mode says.

Read-only mode streams rows fast and in little memory, but it does not tell which sheets
are hidden, which cells are merged or which formulas have no saved value; the sheet's XML
in the file does, and is scanned here as a stream:

- **hidden sheets** (a 说明 or 字典 sheet hidden before the list) are skipped: the first
  visible sheet is read, unless the source names a ``sheet``;
- **merged cells** over several rows (a 数源部门 cell merged down over the rows of that
  department) give their value to every row they cover, as the clerk reads them; each such
  merge is reported with its rows and column;
- **formulas without a saved value** (a file written by a program, never saved by Excel or
  WPS) read as empty: each is reported with its row and column, so "column 资源名称: empty"
  has its explanation.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from openpyxl.utils.cell import get_column_letter, range_boundaries

_CHUNK = 1 << 20
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class WorkbookError(Exception):
    """The workbook cannot be read (not XLSX, no such sheet)."""


@dataclass
class SheetRead:
    name: str
    rows: list[list[Any]]
    hidden: list[str] = field(default_factory=list)  # hidden sheets skipped
    # merges over several rows: (first row, last row, column), 1-based, already filled down
    merged: list[tuple[int, int, int]] = field(default_factory=list)
    # formulas without a saved value: (row, column, formula), 1-based
    formulas: list[tuple[int, int, str]] = field(default_factory=list)

    def messages(self, headers: list[str], header_row: int) -> list[str]:
        """What the clerk should know, each naming rows and columns (below the header)."""

        def column(c: int) -> str:
            label = headers[c - 1] if 0 < c <= len(headers) else None
            letter = get_column_letter(c)
            return f"{label} ({letter})" if label else letter

        out = []
        for first, last, c in self.merged:
            if last <= header_row:
                continue
            first = max(first, header_row + 1)
            out.append(
                f"rows {first}-{last}, column {column(c)}: merged cells; the value of row "
                f"{first} is used for each of these rows"
            )
        for r, c, formula in self.formulas:
            if r <= header_row:
                continue
            out.append(
                f"row {r}, column {column(c)}: the formula {formula} has no saved value and "
                "is read as empty (open the file in Excel or WPS and save it again)"
            )
        return out


def read_sheet(data: bytes, sheet: str | None, limit: int | None = None) -> SheetRead:
    """The rows of ``sheet`` (or of the first visible sheet), merges filled down; only the
    first ``limit`` rows when given (a preview)."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise WorkbookError(f"not a readable XLSX workbook ({exc})") from None
    try:
        if sheet and sheet not in wb.sheetnames:
            raise WorkbookError(f"no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
        hidden: list[str] = []
        if sheet:
            ws = wb[sheet]
        else:
            visible = [w for w in wb.worksheets if w.sheet_state == "visible"]
            ws = visible[0] if visible else wb.worksheets[0]
            hidden = [w.title for w in wb.worksheets if w.sheet_state != "visible"]
        rows = [list(r) for r in islice(ws.iter_rows(values_only=True), limit)]
        path = getattr(ws, "_worksheet_path", None)
    finally:
        wb.close()
    read = SheetRead(ws.title, rows, hidden)
    if path:
        merges, has_formulas = _scan(data, path)
        read.merged = _fill_down(rows, merges)
        if has_formulas:
            read.formulas = _unsaved_formulas(data, ws.title, rows, limit)
    return read


def _scan(data: bytes, path: str) -> tuple[list[str], bool]:
    """The merge ranges of a sheet and whether it holds any formula, read as a stream."""
    merges: list[str] = []
    formulas = False
    tail = b""
    with zipfile.ZipFile(io.BytesIO(data)) as z, z.open(path.lstrip("/")) as fh:
        while chunk := fh.read(_CHUNK):
            text = tail + chunk
            formulas = formulas or _FORMULA.search(text) is not None
            merges += [m.decode() for m in _MERGE.findall(text)]
            # keep the end of the chunk: a tag may be cut in two (a repeat is dropped below)
            tail = text[-64:]
    return list(dict.fromkeys(merges)), formulas


def _fill_down(rows: list[list[Any]], merges: list[str]) -> list[tuple[int, int, int]]:
    """Give a merge's value to every row it covers (in its first column)."""
    filled = []
    for ref in merges:
        if ":" not in ref:
            continue
        min_col, min_row, _max_col, max_row = range_boundaries(ref)
        if min_col is None or min_row is None or max_row is None or max_row <= min_row:
            continue
        if min_row > len(rows):
            continue
        c = min_col - 1
        top = rows[min_row - 1]
        value = top[c] if c < len(top) else None
        for r in range(min_row, min(max_row, len(rows))):
            row = rows[r]
            if len(row) <= c:
                row.extend([None] * (c + 1 - len(row)))
            if row[c] is None:
                row[c] = value
        filled.append((min_row, min(max_row, len(rows)), min_col))
    return filled


def _unsaved_formulas(
    data: bytes, name: str, rows: list[list[Any]], limit: int | None
) -> list[tuple[int, int, str]]:
    """Cells whose formula has no saved value: a second read keeps the formulas."""
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found = []
    try:
        for r, raw in enumerate(islice(wb[name].iter_rows(values_only=True), limit), start=1):
            values = rows[r - 1] if r <= len(rows) else []
            for c, cell in enumerate(raw, start=1):
                unsaved = c > len(values) or values[c - 1] is None
                if isinstance(cell, str) and cell.startswith("=") and unsaved:
                    found.append((r, c, cell))
    finally:
        wb.close()
    return found
