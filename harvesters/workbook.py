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
import pickle
import re
import tempfile
import zipfile
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from openpyxl.utils.cell import get_column_letter, range_boundaries

from harvesters import xlsx_stream

_CHUNK = 1 << 20
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)"')
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


class WorkbookError(Exception):
    """The workbook cannot be read (not XLSX, no such sheet)."""


@dataclass
class SheetRead:
    """A sheet opened for reading: its name, what the clerk should know (hidden sheets,
    merges, unsaved formulas: known once ``rows`` has been read through) and its rows."""

    name: str
    rows: SheetRows
    hidden: list[str] = field(default_factory=list)  # hidden sheets skipped
    # merges over several rows: (first row, last row, column), 1-based, already filled down
    merged: list[tuple[int, int, int]] = field(default_factory=list)
    # formulas without a saved value: (row, column, formula), 1-based
    formulas: list[tuple[int, int, str]] = field(default_factory=list)
    # why openpyxl read (part of) the sheet instead of the streaming reader, for the job log
    fallback: str | None = None

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


class SheetRows:
    """The rows of one sheet, read as many times as the reader needs, in flat memory.

    The first pass streams the sheet's XML through :mod:`harvesters.xlsx_stream` (the
    values openpyxl's read-only ``values_only`` mode gives, four times faster), fills
    merged cells down and finds unsaved formulas as it goes, and spools each row to a
    temporary file; later passes read the spool (a few microseconds a row), so a sheet of
    100,000 rows or 50 MB is never held in memory and is parsed once. What the streaming
    reader does not understand (a strict OOXML sheet, a cell type it does not know, a
    workbook it cannot open) is read by openpyxl from that row on, and ``fallback`` says
    why, for the job log."""

    def __init__(self, data: bytes, sheet: str | None, limit: int | None, streaming: bool = True):
        self.data = data
        self.limit = limit
        self.fallback: str | None = None
        self.book: xlsx_stream.Book | None = None
        try:
            if streaming:
                self.book = xlsx_stream.open_book(data)
            else:
                self.fallback = "read with openpyxl, as asked"
        except Exception as exc:  # openpyxl reads it, or says why it cannot
            self.fallback = f"read with openpyxl: the workbook is not one the streaming reader opens ({_why(exc)})"
        self.wb: Any = None  # openpyxl's workbook, when it reads the sheet from the start
        if self.book is not None:
            names = self.book.sheetnames
            sheets = self.book.worksheets
        else:
            self.wb = _openpyxl_book(data, data_only=True)
            names = self.wb.sheetnames
            sheets = [
                xlsx_stream.SheetEntry(w.title, w.sheet_state, w._worksheet_path)
                for w in self.wb.worksheets
            ]
        if sheet and sheet not in names:
            self._close_books()
            raise WorkbookError(f"no sheet {sheet!r} (sheets: {', '.join(names)})")
        self.hidden: list[str] = []
        if sheet:
            self.entry = next((w for w in sheets if w.title == sheet), None) or (
                xlsx_stream.SheetEntry(sheet, "visible", "", chart=True)
            )
        else:
            visible = [w for w in sheets if w.sheet_state == "visible"]
            self.entry = visible[0] if visible else sheets[0]
            self.hidden = [w.title for w in sheets if w.sheet_state != "visible"]
        self.title = self.entry.title
        path = self.entry.path
        merges, self.has_formulas = _scan(data, path) if path else ([], False)
        # column merges by first row: (their order in the sheet, 0-based column, last row)
        self.starts: dict[int, list[tuple[int, int, int]]] = {}
        for i, ref in enumerate(merges):
            if ":" not in ref:
                continue
            min_col, min_row, _max_col, max_row = range_boundaries(ref)
            if min_col is None or min_row is None or max_row is None or max_row <= min_row:
                continue
            self.starts.setdefault(min_row, []).append((i, min_col - 1, max_row))
        self.merged: list[tuple[int, int, int]] = []
        self.formulas: list[tuple[int, int, str]] = []
        self.count = 0
        self.spool: IO[bytes] | None = None

    def __iter__(self) -> Iterator[list[Any]]:
        if self.spool is None:
            return self._first()
        return self._again()

    def _first(self) -> Iterator[list[Any]]:
        # kept open for the later reads (closed by close()); no name, gone when closed
        spool = tempfile.TemporaryFile(prefix="catalog-sheet-")  # noqa: SIM115
        source = self._source()
        raw_rows = islice(source, self.limit)
        active: dict[int, tuple[Any, int]] = {}  # column -> (merge value, last row)
        reached: list[tuple[int, int, int, int]] = []  # (order, first row, column, last row)
        n = 0
        try:
            for n, (row, formulas) in enumerate(raw_rows, start=1):
                if active:
                    for c, (value, last) in list(active.items()):
                        if n > last:
                            del active[c]
                            continue
                        if len(row) <= c:
                            row.extend([None] * (c + 1 - len(row)))
                        if row[c] is None:
                            row[c] = value
                for i, c, last in self.starts.get(n, ()):
                    active[c] = (row[c] if c < len(row) else None, last)
                    reached.append((i, n, c, last))
                if formulas:
                    self._unsaved(n, row, formulas)
                # each row a pickle of its own: no memo grows over the sheet
                pickle.dump(row, spool, protocol=pickle.HIGHEST_PROTOCOL)
                yield row
        except BaseException:
            spool.close()
            raise
        finally:
            source.close()
            self._close_books()
        self.count = n
        self.merged = [(first, min(last, n), c + 1) for _i, first, c, last in sorted(reached)]
        spool.flush()
        self.spool = spool

    def _source(self) -> Generator[tuple[list[Any], list[tuple[int, str]]], None, None]:
        """Each row's values and its formulas (column, text) that may have no saved value:
        from the streaming reader, or from openpyxl for the rows it did not read."""
        done = 0
        book = self.book
        if book is not None:
            try:
                xlsx_stream.read_strings(book)
                for pair in xlsx_stream.rows(book, self.entry):
                    yield pair
                    done += 1
                return
            except Exception as exc:
                where = f"from row {done + 1}" if done else "the sheet"
                self.fallback = (
                    f"read {where} with openpyxl: the streaming reader does not read {_why(exc)}"
                )
        yield from islice(self._openpyxl_rows(), done, None)

    def _openpyxl_rows(self) -> Generator[tuple[list[Any], list[tuple[int, str]]], None, None]:
        """The sheet through openpyxl's read-only mode, with a second read for the formulas
        (only when the sheet has any)."""
        wb, self.wb = self.wb or _openpyxl_book(self.data, data_only=True), None
        formulas = self._formula_rows() if self.has_formulas else None
        try:
            for raw in wb[self.title].iter_rows(values_only=True):
                cells = next(formulas, ()) if formulas is not None else ()
                yield (
                    list(raw),
                    [
                        (c, cell)
                        for c, cell in enumerate(cells, start=1)
                        if isinstance(cell, str) and cell.startswith("=")
                    ],
                )
        finally:
            wb.close()
            if formulas is not None:
                formulas.close()

    def _again(self) -> Iterator[list[Any]]:
        spool = self.spool
        assert spool is not None
        spool.seek(0)
        for _ in range(self.count):
            yield pickle.load(spool)

    def _close_books(self) -> None:
        if self.book is not None:
            self.book.close()
        if self.wb is not None:
            self.wb.close()
            self.wb = None

    def close(self) -> None:
        self._close_books()
        if self.spool is not None:
            self.spool.close()
            self.spool = None

    def _formula_rows(self) -> Generator[tuple[Any, ...], None, None]:
        """The same sheet with its formulas (a second read, only when the sheet has any)."""
        wb = _openpyxl_book(self.data, data_only=False)
        try:
            yield from wb[self.title].iter_rows(values_only=True)
        finally:
            wb.close()

    def _unsaved(self, r: int, values: list[Any], formulas: list[tuple[int, str]]) -> None:
        for c, formula in formulas:
            if c > len(values) or values[c - 1] is None:
                self.formulas.append((r, c, formula))


def _openpyxl_book(data: bytes, *, data_only: bool) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except Exception as exc:
        raise WorkbookError(f"not a readable XLSX workbook ({exc})") from None


def _why(exc: Exception) -> str:
    return (
        str(exc) if isinstance(exc, xlsx_stream.NotUnderstood) else f"{type(exc).__name__}: {exc}"
    )


def open_sheet(
    data: bytes, sheet: str | None, limit: int | None = None, *, streaming: bool = True
) -> SheetRead:
    """``sheet`` (or the first visible sheet) to be read row by row, merges filled down;
    only the first ``limit`` rows when given (a preview). ``merged`` and ``formulas`` are
    filled in by the first read through ``rows``. ``streaming=False`` reads with openpyxl
    alone (the fallback, for comparing the two)."""
    rows = SheetRows(data, sheet, limit, streaming)
    return SheetRead(rows.title, rows, rows.hidden)


def finish(read: SheetRead) -> None:
    """Take what the first read of the rows found (merges, formulas) into ``read``."""
    read.merged = read.rows.merged
    read.formulas = read.rows.formulas
    read.fallback = read.rows.fallback


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
