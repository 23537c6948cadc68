"""A sheet's cell values read straight from its XML, as openpyxl's read-only mode gives them.

openpyxl's read-only ``iter_rows(values_only=True)`` builds a dictionary and, for an inline
or shared string, a ``Text`` object through its descriptors for every cell: about 24 s of
CPU for a 100,000-row open list, half the 2,000 rows/s budget of a whole harvest (issue 12).
Here the sheet's XML is parsed by expat as a stream (a chunk at a time, a row handed on
as soon as its end tag is read, so no row is held), and each cell is read by the same
rules as ``openpyxl.worksheet._reader.WorkSheetParser.parse_cell`` with ``data_only``: the
cached value of a formula, shared strings (read once, before the rows, into the compact
:class:`~harvesters.shared_strings.SharedStrings`), inline strings and
rich text runs, booleans, numbers, errors, ISO dates, and serial numbers whose cell style
has a date number format (openpyxl's own ``is_date_format`` and ``from_excel`` decide, in the
workbook's 1900 or 1904 date system). Rows come out padded as ``_cells_by_row`` pads them:
missing rows as empty rows, cells placed by their ``r`` (or after the previous cell where
it is missing), rows as wide as the sheet's ``<dimension>`` (or their last cell).

What the workbook is made of (its sheets, their states and paths, the date system, which
cell styles are dates, the sheet's dimension) is read by openpyxl's own reader, minus its
shared-string table. Anything else -- a sheet in another namespace (strict OOXML), a cell
this module cannot read -- raises :class:`NotUnderstood` naming it, and the caller reads
the rest of the sheet with openpyxl (``harvesters.workbook``).
"""

from __future__ import annotations

import io
import pyexpat
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from openpyxl.formula.translate import Translator
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

from harvesters.shared_strings import SharedStrings

# expat names an element "namespace}local"
_NS = SHEET_MAIN_NS + "}"
_WORKSHEET = _NS + "worksheet"
_SHEET_DATA = _NS + "sheetData"
_DIMENSION = _NS + "dimension"
_ROW = _NS + "row"
_V = _NS + "v"
_F = _NS + "f"
_IS = _NS + "is"
_T = _NS + "t"
_SST = _NS + "sst"
_SI = _NS + "si"
_CHUNK = 1 << 16
_DIGITS = "0123456789"


class NotUnderstood(Exception):
    """Something this reader does not read as openpyxl would: openpyxl reads the rest."""


@dataclass
class SheetEntry:
    """A sheet of the workbook as ``workbook.xml`` lists it."""

    title: str
    sheet_state: str
    path: str
    chart: bool = False


@dataclass
class Book:
    """What openpyxl says of a workbook, without reading its shared strings or its sheets:
    the sheets in order, the date system and the date cell styles."""

    archive: zipfile.ZipFile
    sheets: list[SheetEntry]
    epoch: Any
    date_styles: set[int]
    duration_styles: set[int]
    strings_path: str | None
    strings: SharedStrings = field(default_factory=SharedStrings)

    @property
    def sheetnames(self) -> list[str]:
        return [s.title for s in self.sheets]

    @property
    def worksheets(self) -> list[SheetEntry]:
        return [s for s in self.sheets if not s.chart]

    def close(self) -> None:
        self.archive.close()


def open_book(data: bytes) -> Book:
    """The workbook as openpyxl's ``load_workbook(read_only=True, data_only=True)`` reads
    it (manifest, workbook, properties, styles, the sheet list), without the two steps that
    cost: the shared strings (:func:`read_strings`, later) and a parse of each sheet to find
    its size (here the ``<dimension>`` is read as the sheet streams). Raises what openpyxl
    raises for a file it cannot read."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = [
            SheetEntry(sheet.name, sheet.state, rel.target, "chartsheet" in rel.Type)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files
        ]
    except BaseException:
        reader.archive.close()
        raise
    wb = reader.wb
    part = reader.package.find(SHARED_STRINGS)
    return Book(
        reader.archive,
        sheets,
        wb.epoch,
        set(wb._date_formats),
        set(wb._timedelta_formats),
        part.PartName[1:] if part is not None else None,
    )


def read_strings(book: Book) -> None:
    """The workbook's shared strings into ``book.strings`` (compact: one UTF-8 buffer, see
    :mod:`harvesters.shared_strings`), as openpyxl's
    ``read_string_table`` reads them: plain text and rich text runs (phonetic runs left
    out), ``x005F_`` dropped."""
    if book.strings_path is None:
        return
    out = book.strings
    strings = _Strings(out.append)
    parser = pyexpat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.CharacterDataHandler = strings.buf.append
    parser.StartElementHandler = strings.start
    parser.EndElementHandler = strings.end
    with book.archive.open(book.strings_path) as fh:
        while chunk := fh.read(_CHUNK):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)


def _local(name: str) -> str:
    return name.rpartition("}")[2]


class _Text:
    """``Text.from_tree(el).content`` of an ``<si>`` or ``<is>`` element, fed its inner
    start and end tags: its last direct ``t`` child, then each ``r`` run's ``t``
    (openpyxl matches these children by their local name, so any namespace)."""

    def __init__(self, buf: list[str]):
        self.buf = buf
        self.reset()

    def reset(self) -> None:
        self.depth = 0
        self.plain: str | None = None
        self.runs: list[str] = []
        self.run: str | None = None
        self.in_run = False

    def start(self, name: str) -> None:
        self.depth += 1
        if self.depth == 1:
            if name == _T:  # nearly every string: one <t>
                self.buf.clear()
                return
            local = _local(name)
            if local == "t":
                self.buf.clear()
            elif local == "r":
                self.in_run = True
                self.run = None
        elif self.depth == 2 and self.in_run and _local(name) == "t":
            self.buf.clear()

    def end(self, name: str) -> None:
        if self.depth == 1:
            if name == _T:
                self.plain = "".join(self.buf)
                self.depth = 0
                return
            local = _local(name)
            if local == "t":
                self.plain = "".join(self.buf)
            elif local == "r":
                self.in_run = False
                if self.run is not None:
                    self.runs.append(self.run)
        elif self.depth == 2 and self.in_run and _local(name) == "t":
            self.run = "".join(self.buf)
        self.depth -= 1

    def content(self) -> str:
        text = self.plain or ""
        return text + "".join(self.runs) if self.runs else text


class _Strings:
    """expat handlers for ``sharedStrings.xml``: each ``<si>``'s text, in order."""

    def __init__(self, append: Callable[[str], None]):
        self.append = append
        self.buf: list[str] = []
        self.text = _Text(self.buf)
        self.inside = False
        self.simple = True

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.inside:
            self.text.start(name)
        elif name == _SI:
            self.inside = True
            self.text.reset()
        elif name != _SST:
            raise NotUnderstood(f"shared strings: {name}")

    def end(self, name: str) -> None:
        text = self.text
        if text.depth:
            text.end(name)
        elif self.inside:
            self.inside = False
            value = text.content()
            self.append(value.replace("x005F_", "") if "x005F_" in value else value)


# a formula cell without a saved value: (1-based column, the formula as openpyxl reads it
# without data_only, "=..."); array and data-table formulas are no text there, so not here
Formulas = list[tuple[int, str]]


def rows(book: Book, sheet: SheetEntry) -> Iterator[tuple[list[Any], Formulas]]:
    """Each row of ``sheet`` as ``ReadOnlyWorksheet.iter_rows(values_only=True)`` gives it
    (as a list), with the row's formulas that have no saved value."""
    if sheet.chart:
        raise NotUnderstood(f"{sheet.title} is a chart sheet")
    parse = _SheetParser(book)
    counter = 1
    idx = 1
    with book.archive.open(sheet.path) as fh:
        for idx, values, formulas in parse.rows(fh):
            max_row = parse.max_row
            if max_row is not None and idx > max_row:
                break
            while counter < idx:  # rows missing from the XML
                counter += 1
                yield parse.empty(), []
            if counter <= idx:
                counter += 1
                yield values, formulas
    max_row = parse.max_row
    if max_row is not None and max_row < idx:
        for _ in range(counter, max_row + 1):
            yield parse.empty(), []


class _SheetParser:
    """expat handlers for a worksheet: the cell rules of openpyxl's
    ``WorkSheetParser.parse_row``/``parse_cell`` (data_only) and ``_get_row``."""

    def __init__(self, book: Book):
        self.strings = book.strings
        self.epoch = book.epoch
        self.dates = book.date_styles
        self.durations = book.duration_styles
        self.max_row: int | None = None
        self.max_col: int | None = None
        self.data_started = False
        self.root_seen = False
        self.columns: dict[str, int] = {}
        # shared formulas: their first cell's formula and place, by ``si``
        self.shared: dict[str | None, tuple[str, str | None]] = {}
        self.done: list[tuple[int, list[Any], Formulas]] = []
        self.buf: list[str] = []
        self.text = _Text(self.buf)
        self.row_counter = 0
        self.in_row = False
        self.in_cell = False
        self.depth = 0  # elements open inside the cell
        self.col_counter = 0
        self.placed: list[tuple[int, Any]] = []
        self.formulas: Formulas = []
        # the cell being read: its attributes, first <v>, first <is> text, first <f>
        self.c: dict[str, str] = {}
        self.v: str | None = None
        self.inline: str | None = None
        self.f_attrs: dict[str, str] | None = None
        self.f_text: str | None = None
        self.v_open = self.f_open = self.inline_open = False

    def empty(self) -> list[Any]:
        return [None] * self.max_col if self.max_col else []

    def rows(self, fh: IO[bytes]) -> Iterator[tuple[int, list[Any], Formulas]]:
        parser = pyexpat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.CharacterDataHandler = self.buf.append
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        done = self.done
        try:
            while chunk := fh.read(_CHUNK):
                parser.Parse(chunk, False)
                if done:
                    yield from done
                    done.clear()
            parser.Parse(b"", True)
        except Exception:
            # the rows read before a cell this reader does not read are given all the same
            yield from done
            raise
        yield from done
        done.clear()

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.in_cell:
            self.depth += 1
            depth = self.depth
            if depth == 1:
                if name == _V:
                    if self.v is None:
                        self.buf.clear()
                        self.v_open = True
                elif name == _IS:
                    if not self.inline_open and self.inline is None:
                        self.inline_open = True
                        self.text.reset()
                elif name == _F and self.f_attrs is None:
                    self.f_attrs = attrs
                    self.f_open = True
                    self.buf.clear()
            elif self.inline_open:
                self.text.start(name)
        elif self.in_row:  # every child of a row is a cell to openpyxl
            self.in_cell = True
            self.depth = 0
            self.c = attrs
            self.v = None
            self.v_open = self.f_open = self.inline_open = False
            self.inline = None
            self.f_attrs = None
            self.f_text = None
        elif name == _ROW:
            self.in_row = True
            r = attrs.get("r")
            if r is not None:
                try:
                    self.row_counter = int(r)
                except ValueError:
                    as_float = float(r)
                    if not as_float.is_integer():
                        raise ValueError(f"{r} is not a valid row number") from None
                    self.row_counter = int(as_float)
            else:
                self.row_counter += 1
            self.col_counter = 0
            self.placed = []
            self.formulas = []
        elif not self.root_seen:
            self.root_seen = True
            if name != _WORKSHEET:
                raise NotUnderstood(f"a sheet whose root is {name} (strict OOXML?)")
        elif name == _SHEET_DATA:
            self.data_started = True
        elif name == _DIMENSION and not self.data_started:
            _min_col, _min_row, self.max_col, self.max_row = range_boundaries(attrs["ref"])

    def end(self, name: str) -> None:
        if self.in_cell:
            depth = self.depth
            if depth == 0:
                self.in_cell = False
                self._cell()
                return
            if depth == 1:
                if self.v_open and name == _V:
                    self.v_open = False
                    self.v = "".join(self.buf)
                elif self.inline_open and name == _IS:
                    self.inline_open = False
                    self.inline = self.text.content()
                elif self.f_open and name == _F:
                    self.f_open = False
                    self.f_text = "".join(self.buf)
            elif self.inline_open:
                self.text.end(name)
            self.depth = depth - 1
        elif self.in_row and name == _ROW:
            self.in_row = False
            self._row()

    def _cell(self) -> None:
        c = self.c
        coordinate = c.get("r")
        if coordinate:
            letters = coordinate.rstrip(_DIGITS)
            column = self.columns.get(letters) if len(letters) < len(coordinate) else None
            if column is None:
                column = coordinate_to_tuple(coordinate)[1]
                first = next(i for i, ch in enumerate(coordinate) if ch in _DIGITS)
                if coordinate[:first] == letters:
                    self.columns[letters] = column
            self.col_counter = column
        else:
            self.col_counter += 1
            column = self.col_counter
        t = c.get("t", "n")
        value: Any = None
        if t == "inlineStr":
            value = self.inline
        else:
            v = self.v or None
            if v is not None:
                if t == "n":
                    value = float(v) if "." in v or "E" in v or "e" in v else int(v)
                    s = c.get("s")
                    if s and int(s) in self.dates:
                        value = self._date(value, int(s))
                elif t == "s":
                    value = self.strings[int(v)]
                elif t == "str" or t == "e":
                    value = v
                elif t == "b":
                    value = bool(int(v))
                elif t == "d":
                    value = from_ISO8601(v)
                else:
                    raise NotUnderstood(f"cell {coordinate} of type {t!r}")
        if self.f_attrs is not None:
            text = self._formula(coordinate, value is None)
            if text is not None:
                self.formulas.append((column, text))
        self.placed.append((column, value))

    def _row(self) -> None:
        placed = self.placed
        width = self.max_col or (placed[-1][0] if placed else 0)
        values: list[Any] = [None] * width
        for column, value in placed:
            if column <= width:
                values[column - 1] = value
        formulas = [(c, f) for c, f in self.formulas if c <= width]
        self.done.append((self.row_counter, values, formulas))

    def _date(self, value: float, style: int) -> Any:
        try:
            return from_excel(value, self.epoch, timedelta=style in self.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"  # openpyxl warns and reads the cell as an error value

    def _formula(self, coordinate: str | None, unsaved: bool) -> str | None:
        """The formula of a cell without a saved value (``unsaved``) as openpyxl's
        ``parse_formula`` reads it; None for array and data-table formulas (no text there)
        and for a cell with a value. A shared formula's first cell is remembered for the
        cells that share it."""
        attrs = self.f_attrs or {}
        kind = attrs.get("t")
        if kind == "array" or kind == "dataTable":
            return None
        text = "=" + (self.f_text or "")
        if kind == "shared":
            si = attrs.get("si")
            if si in self.shared:
                if not unsaved:
                    return None
                master, where = self.shared[si]
                return str(Translator(master, where).translate_formula(coordinate))
            if text != "=":
                self.shared[si] = (text, coordinate)
        return text if unsaved else None
