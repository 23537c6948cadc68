"""Open-list sheet benchmark: rows/s of a spreadsheet harvest, end to end (issue 12).

    python -m bench harvest_sheets [--rows 100000] [--formats xlsx,csv] [--out bench/out]

For each format a seeded open list of ``--rows`` rows (资源代码, 资源名称, 数源部门, 所属领域,
开放属性, 开放方式, 更新频率, 数据格式, 资源摘要, 关键字, 发布日期, 联系电话; a caption row above the
header; made from ``bench.corpus``) is written to a temporary folder: an XLSX workbook
(openpyxl, write-only) and a CSV in GB18030, as bureaus save them. A fresh SQLite catalog
with an empty embedded index harvests the file through the path of ``catalog harvest run
--kind spreadsheet --url FILE --trusted`` (register, queue, claim,
``harvesters.pipeline.run_job``): a first run (every row new) and a second (every row
unchanged). The preview of the same file (``catalog harvest preview``, 10,000 rows read,
nothing stored) is timed too. Each run's CPU is split between the sheet-specific code (the
kind's gather and transform, see ``SheetClock``) and the shared pipeline, with rows per CPU
second for each part alone against the target and the load average beside them. The table is
printed and written to ``<out>/harvest-sheets-<rows>.txt``.

``shared strings: peak RSS`` reads an Excel-saved workbook (``--strings-rows``, as many as
``--rows`` up to 90,000; its text in the shared-string table, about 435,000 distinct strings
at 90,000 rows) with the streaming reader, the table held compactly
(``harvesters.shared_strings``) and, as the baseline, as a Python list; ``--strings-only``
measures that alone. ``--departments N`` names N distinct departments in turn.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.corpus import documents
from bench.harvest import MB, RssSampler
from bench.harvest import _children_cpu as children_cpu
from bench.search import Row, render

# issue 12, "Done when": at least 2,000 rows/s for a 100,000-row XLSX and CSV
TARGET_ROWS = 100_000
TARGET_RATE = 2000.0
DEFAULT_OUT = Path(__file__).resolve().parent / "out"
HEADER = [
    "序号",
    "资源代码",
    "资源名称",
    "数源部门",
    "所属领域",
    "开放属性",
    "开放方式",
    "更新频率",
    "数据格式",
    "资源摘要",
    "关键字",
    "发布日期",
    "联系电话",
]
_OPENNESS = {"unconditional": "无条件开放", "conditional": "有条件开放", "not_open": "不予开放"}
_DOMAINS = {
    "transport": "交通",
    "health": "医疗卫生",
    "education": "教育",
    "environment": "生态环境",
    "economy": "经济",
    "culture_tourism": "文化旅游",
}
_FREQ = ["每日", "每周", "每月", "每季度", "每年", "不定期"]


def sheet_rows(n: int, seed: int, departments: int = 0) -> Iterator[list[str]]:
    """The open list's rows; with ``departments``, that many distinct departments (数源部门)
    in turn instead of the corpus' publishers (a sheet of many portals' departments)."""
    for i, doc in enumerate(documents(n, seed)):
        issued = datetime.fromtimestamp(doc["issued"], UTC)
        yield [
            str(i + 1),
            f"BD-{i:07d}",
            doc["title"],
            f"第{i % departments:05d}号部门" if departments else doc["publisher_title"],
            "、".join(_DOMAINS.get(t, t) for t in doc["theme"]) or "综合",
            _OPENNESS.get(doc["openness"], "有条件开放"),
            "文件下载、接口调用" if i % 3 else "文件下载",
            _FREQ[i % len(_FREQ)],
            ",".join(doc["format"]) or "CSV",
            doc["description"],
            "；".join(doc["keywords"][:4]),
            f"{issued:%Y年%-m月%-d日}" if i % 2 else f"{issued:%Y-%m-%d}",
            f"0312-{5000000 + i % 1000000:07d}",
        ]


def write_xlsx(path: Path, n: int, seed: int, departments: int = 0) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("开放清单")
    ws.append(["保定市公共数据开放清单（基准测试）"])
    ws.append(HEADER)
    for row in sheet_rows(n, seed, departments):
        ws.append(row)
    wb.save(path)


def write_csv(path: Path, n: int, seed: int, departments: int = 0) -> None:
    with path.open("w", encoding="gb18030", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["保定市公共数据开放清单（基准测试）"])
        w.writerow(HEADER)
        w.writerows(sheet_rows(n, seed, departments))


WRITERS = {"xlsx": write_xlsx, "csv": write_csv}

# -- an Excel-saved workbook: its text in the shared-string table ---------------------------
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml."
# the streaming read of an Excel-saved workbook at this size holds 400,000+ distinct strings
STRINGS_ROWS = 90_000


def write_xlsx_shared(path: Path, n: int, seed: int) -> int:
    """The open list as Excel saves it: each distinct text once in ``sharedStrings.xml``
    and the cells pointing at it (openpyxl writes inline strings, which need no table).
    Returns how many distinct strings the table holds."""
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl.utils import get_column_letter

    table: dict[str, int] = {}
    letters = [get_column_letter(c) for c in range(1, len(HEADER) + 1)]
    rows: Iterator[list[str]] = iter([["保定市公共数据开放清单（基准测试）"], HEADER])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            fh.write(f'<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            for r, row in enumerate([*rows, *sheet_rows(n, seed)], start=1):
                cells = "".join(
                    f'<c r="{letters[c]}{r}" t="s"><v>{table.setdefault(v, len(table))}</v></c>'
                    for c, v in enumerate(row)
                )
                fh.write(f'<row r="{r}">{cells}</row>'.encode())
            fh.write(b"</sheetData></worksheet>")
        with z.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(f'<sst xmlns="{_MAIN}" uniqueCount="{len(table)}">'.encode())
            for text in table:
                fh.write(f'<si><t xml:space="preserve">{escape(text)}</t></si>'.encode())
            fh.write(b"</sst>")
        parts = [("worksheets/sheet1.xml", "worksheet"), ("sharedStrings.xml", "sharedStrings")]
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}sheet.main+xml"/>'
            + "".join(
                f'<Override PartName="/xl/{p}" ContentType="{_CT}{t}+xml"/>' for p, t in parts
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
            '<sheet name="开放清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{_PKG_REL}">'
            + "".join(
                f'<Relationship Id="rId{i}" Type="{_REL}/{t}" Target="{p}"/>'
                for i, (p, t) in enumerate(parts, start=1)
            )
            + "</Relationships>",
        )
    return len(table)


def strings_child(path: str, store: str) -> None:
    """In a process of its own (so that no memory freed by another measurement is reused):
    the streaming reader's read of an Excel-saved workbook, its shared strings held as
    ``store`` ("compact", the reader's own, or "list", as before), every row read. Prints
    JSON: CPU, the table's and the whole read's peak RSS above the start (sampled, as every
    peak of this bench)."""
    import json

    from bench.harvest import rss_mb
    from harvesters import xlsx_stream

    data = Path(path).read_bytes()
    with RssSampler() as peak:
        start = peak.peak
        c0 = time.process_time()
        book = xlsx_stream.open_book(data)
        if store == "list":
            book.strings = []  # type: ignore[assignment]
        xlsx_stream.read_strings(book)
        table_rss = rss_mb() - start
        count = sum(1 for _ in xlsx_stream.rows(book, book.worksheets[0]))
        cpu = time.process_time() - c0
        book.close()
    print(
        json.dumps({"rows": count, "table_mb": table_rss, "cpu": cpu, "peak_mb": peak.peak - start})
    )


def shared_strings(n: int, seed: int, tmp: str | None) -> tuple[list[Row], list[str]]:
    """``shared strings: peak RSS``: an Excel-saved workbook of ``n`` rows read by the
    streaming reader with its shared strings in the compact store and, as the baseline in
    the same run, in a Python list (what the reader and openpyxl held before); each in a
    fresh process."""
    import json
    import subprocess

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench-sheet-strings-", dir=tmp) as d:
        sheet = Path(d) / "excel-saved.xlsx"
        distinct = write_xlsx_shared(sheet, n, seed)
        size = sheet.stat().st_size / MB
        got = {}
        for store in ("list", "compact"):
            code = f"from bench.harvest_sheets import strings_child; strings_child({str(sheet)!r}, {store!r})"
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=Path(__file__).resolve().parents[1],
                capture_output=True,
                text=True,
                check=True,
            )
            got[store] = json.loads(out.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    for store, label in (("list", "as a Python list (before)"), ("compact", "compact store")):
        g = got[store]
        print(
            f"  shared strings, {label}: {distinct:,} strings, table +{g['table_mb']:,.0f} MB, "
            f"read peak +{g['peak_mb']:,.0f} MB, CPU {g['cpu']:,.1f} s (load {load:.1f})",
            file=sys.stderr,
        )
        rows.append(Row(f"shared strings, {label}: peak RSS above start", g["peak_mb"], "MB"))
        rows.append(Row(f"  shared strings, {label}: table alone", g["table_mb"], "MB"))
        rows.append(Row(f"  shared strings, {label}: read CPU", g["cpu"], "s"))
        rows.append(
            Row(
                f"  shared strings, {label}: rows per CPU-s",
                g["rows"] / g["cpu"],
                "rows/s",
                fmt="{:,.0f}",
            )
        )
    rows.append(Row("  shared strings: 1-min load average", load, ""))
    notes = [
        f"shared strings: an Excel-saved workbook (text cells in sharedStrings.xml) of {n:,} "
        f"rows, {distinct:,} distinct strings, {size:,.1f} MB, read by the streaming reader "
        "with its table in a Python list and in harvesters.shared_strings (each in a process "
        "of its own)"
    ]
    return rows, notes


class SheetClock:
    """CPU seconds spent in the sheet-specific code of a run: the spreadsheet kind's
    ``gather`` (reading the file, finding the header, keying the rows) and ``transform``
    (cell hygiene and the column mapping) as run in the run's own process; the rest of the
    run's CPU, its mapping workers' included, is the shared pipeline (source hash, prepare,
    validate, store, index; with workers, the transform they run is counted there too). The kind's two methods are wrapped for
    the block only: the run itself is the real path."""

    def __init__(self) -> None:
        self.gather = 0.0
        self.transform = 0.0

    @property
    def sheet(self) -> float:
        return self.gather + self.transform

    def __enter__(self) -> SheetClock:
        from harvesters.spreadsheet import SpreadsheetHarvester as kind

        self.kind = kind
        self.saved = (kind.gather, kind.transform)
        gather, transform = self.saved
        clock = self

        def timed_gather(harvester: Any) -> Iterator[Any]:
            it = gather(harvester)
            while True:
                c0 = time.process_time()
                try:
                    rec = next(it)
                except StopIteration:
                    clock.gather += time.process_time() - c0
                    return
                clock.gather += time.process_time() - c0
                yield rec

        def timed_transform(harvester: Any, payload: Any, record: Any) -> Any:
            c0 = time.process_time()
            try:
                return transform(harvester, payload, record)
            finally:
                clock.transform += time.process_time() - c0

        kind.gather = timed_gather  # type: ignore[method-assign,assignment]
        kind.transform = timed_transform  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        self.kind.gather, self.kind.transform = self.saved  # type: ignore[method-assign,assignment]


def read_only(path: Path, n: int) -> list[Row]:
    """The first read of the sheet alone (``harvesters.workbook``: every row read, merges
    filled down, spooled), through the streaming reader and through openpyxl's read-only
    mode: CPU, rows per CPU second and the peak RSS above the start of each (the streaming
    read first, so the openpyxl figure is not inflated by what it left)."""
    from harvesters.workbook import finish, open_sheet

    data = path.read_bytes()
    rows: list[Row] = []
    for label, streaming in (("streaming reader", True), ("openpyxl read-only", False)):
        with RssSampler() as peak:
            start = peak.peak
            c0, t0 = time.process_time(), time.perf_counter()
            read = open_sheet(data, None, streaming=streaming)
            count = sum(1 for _ in read.rows)
            finish(read)
            read.rows.close()
            cpu, seconds = time.process_time() - c0, time.perf_counter() - t0
        print(
            f"  xlsx read only, {label}: {count:,} rows in {seconds:,.1f} s (CPU {cpu:,.1f} s, "
            f"peak RSS +{peak.peak - start:,.0f} MB, load {os.getloadavg()[0]:.1f})",
            file=sys.stderr,
        )
        rows.append(Row(f"xlsx read only, {label}: CPU", cpu, "s"))
        rows.append(
            Row(
                f"  xlsx read only, {label}: rows per CPU-s",
                n / cpu,
                "rows/s",
                fmt="{:,.0f}",
            )
        )
        rows.append(
            Row(f"  xlsx read only, {label}: peak RSS above start", peak.peak - start, "MB")
        )
    rows.append(Row("  xlsx read only: 1-min load average", os.getloadavg()[0], ""))
    return rows


def measure(
    fmt: str, n: int, seed: int, tmp: str | None, departments: int = 0
) -> tuple[list[Row], list[str], bool]:
    from bench.harvest import store_alone
    from catalog.context import open_catalog
    from catalog.services import harvest as svc
    from catalog.services import harvest_preview
    from catalog.services.authz import SYSTEM
    from harvesters.pipeline import run_job

    rows: list[Row] = []
    notes: list[str] = []
    ok = True
    with tempfile.TemporaryDirectory(prefix=f"bench-sheet-{fmt}-", dir=tmp) as d:
        root = Path(d)
        sheet = root / f"open-list.{fmt}"
        t0 = time.perf_counter()
        WRITERS[fmt](sheet, n, seed, departments)
        written = time.perf_counter() - t0
        if fmt == "xlsx":
            rows += read_only(sheet, n)
        instance = root / "instance"
        cat = open_catalog(
            instance_path=instance,
            database_url=f"sqlite:///{instance / 'catalog.db'}",
            search_url="embedded://",
        )
        try:
            cat.migrate()
            cat.create_index_if_missing()
            t0 = time.perf_counter()
            preview = harvest_preview.preview(cat, SYSTEM, kind="spreadsheet", url=str(sheet))
            preview_s = time.perf_counter() - t0
            src = svc.register_source(
                cat,
                SYSTEM,
                name=f"bench-{fmt}",
                kind="spreadsheet",
                url=str(sheet),
                trusted=True,
                config={"region": "保定市"},
            )
            for label in ("run 1 (all new)", "run 2 (all unchanged)"):
                job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
                with RssSampler() as peak, SheetClock() as clock:
                    t0, c0, w0 = time.perf_counter(), time.process_time(), children_cpu()
                    outcome = run_job(cat, job)
                    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
                    # the mapping workers (parallel_transform) have exited and been waited for
                    workers = children_cpu() - w0
                    cpu += workers
                load = os.getloadavg()[0]
                print(
                    f"  {fmt} {label}: {outcome.summary} in {seconds:,.1f} s "
                    f"(CPU {cpu:,.1f} s, {workers:,.1f} s of it in mapping workers, "
                    f"load {load:.1f})",
                    file=sys.stderr,
                )
                rows.append(
                    Row(
                        f"{fmt} {label}: rows/s",
                        n / seconds,
                        "rows/s",
                        TARGET_RATE,
                        higher_is_better=True,
                        fmt="{:,.0f}",
                    )
                )
                rows.append(Row(f"  {fmt} {label}: time", seconds, "s"))
                # on a shared machine the wall clock counts other people's work: rows per
                # second of this process's CPU time says what the code does
                rows.append(
                    Row(
                        f"  {fmt} {label}: rows per CPU-s",
                        n / cpu,
                        "rows/s",
                        TARGET_RATE,
                        higher_is_better=True,
                        fmt="{:,.0f}",
                    )
                )
                shared = max(cpu - clock.sheet, 0.0)
                rows.append(Row(f"  {fmt} {label}: CPU", cpu, "s"))
                rows.append(Row(f"  {fmt} {label}: CPU of it in mapping workers", workers, "s"))
                rows.append(
                    Row(
                        f"  {fmt} {label}: sheet-specific CPU (read {clock.gather:,.1f} s, "
                        f"map {clock.transform:,.1f} s)",
                        100 * clock.sheet / cpu,
                        "%",
                        fmt="{:,.0f}",
                    )
                )
                rows.append(
                    Row(
                        f"  {fmt} {label}: shared-pipeline CPU",
                        100 * shared / cpu,
                        "%",
                        fmt="{:,.0f}",
                    )
                )
                # what the sheet part alone would allow, and the pipeline alone: which of
                # the two keeps the run under the target
                rows.append(
                    Row(
                        f"  {fmt} {label}: sheet part alone, rows per CPU-s",
                        n / clock.sheet if clock.sheet else float("inf"),
                        "rows/s",
                        TARGET_RATE,
                        higher_is_better=True,
                        fmt="{:,.0f}",
                    )
                )
                rows.append(
                    Row(
                        f"  {fmt} {label}: shared pipeline alone, rows per CPU-s",
                        n / shared if shared else float("inf"),
                        "rows/s",
                        TARGET_RATE,
                        higher_is_better=True,
                        fmt="{:,.0f}",
                    )
                )
                rows.append(Row(f"  {fmt} {label}: 1-min load average", load, ""))
                rows.append(Row(f"  {fmt} {label}: peak RSS", peak.peak, "MB", fmt="{:,.0f}"))
                notes.append(f"{fmt} {label}: {outcome.summary}")
                ok &= outcome.state == "done"
            # the floor under the shared writer (bench/store_floor.py): SQLite alone storing
            # the rows run 1 stored, in its batches
            floor = store_alone(instance / "catalog.db", root / "floor")
            rows.append(
                Row(
                    f"{fmt} floor: SQLite storing run 1's rows alone",
                    floor.rate,
                    "rows/s",
                    fmt="{:,.0f}",
                )
            )
            rows.append(
                Row(f"  {fmt} floor: CPU per row", floor.cpu_per_record_ms, "ms", fmt="{:.3f}")
            )
            if floor.records != n or floor.stored != floor.rows:
                ok = False
                notes.append(
                    f"{fmt} floor: {floor.records:,} datasets replayed (expected {n:,}), "
                    f"{floor.stored:,} rows held of {floor.rows:,} inserted: WRONG"
                )
            rows.append(Row(f"{fmt} preview of 10,000 rows: time", preview_s, "s"))
        finally:
            cat.dispose()
        size = sheet.stat().st_size / MB if sheet.exists() else 0.0
    notes.insert(
        0,
        f"{fmt}: {n:,} rows, {size:,.1f} MB, written in {written:,.1f} s; the preview read "
        f"{preview.examined:,} rows ({preview.counts})"
        + (f"; {departments:,} distinct departments" if departments else ""),
    )
    return rows, notes, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m bench harvest_sheets", description=__doc__.split("\n")[0]
    )
    ap.add_argument("--rows", type=int, default=TARGET_ROWS)
    ap.add_argument("--formats", default="xlsx,csv")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", default=str(DEFAULT_OUT))
    ap.add_argument("--tmp", default=None)
    ap.add_argument(
        "--read-only",
        action="store_true",
        help="only the XLSX read-only timing of both readers (no catalog, no harvest)",
    )
    ap.add_argument(
        "--departments",
        type=int,
        default=0,
        help="that many distinct departments in turn (each a new organization of the "
        "source's region) instead of the corpus' publishers",
    )
    ap.add_argument(
        "--strings-rows",
        type=int,
        default=None,
        help="rows of the Excel-saved workbook of the shared-strings row (default: --rows, "
        f"at most {STRINGS_ROWS:,}; 0: leave it out)",
    )
    ap.add_argument(
        "--strings-only",
        action="store_true",
        help="only the shared strings' peak RSS (no catalog, no harvest)",
    )
    args = ap.parse_args(argv)
    if args.strings_rows is None:
        args.strings_rows = min(args.rows, STRINGS_ROWS)
    if args.read_only:
        return read_only_main(args)
    rows: list[Row] = []
    notes: list[str] = []
    ok = True
    if args.strings_rows and (args.strings_only or "xlsx" in args.formats):
        rows, notes = shared_strings(args.strings_rows, args.seed, args.tmp)
    if args.strings_only:
        table = render(args.strings_rows, rows, notes)
        print(table, flush=True)
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"harvest-sheets-strings-{args.strings_rows}.txt").write_text(
            table, encoding="utf-8"
        )
        return 0
    for fmt in [f.strip() for f in args.formats.split(",") if f.strip()]:
        got, said, good = measure(fmt, args.rows, args.seed, args.tmp, args.departments)
        rows += got
        notes += said
        ok &= good
    notes += [
        "each run = register/queue/claim + harvesters.pipeline.run_job on a fresh SQLite "
        "catalog with an embedded index (`catalog harvest run --kind spreadsheet --url FILE "
        "--trusted`, source region 保定市): read the file, find the header, key the rows, "
        "transform, validate, store (versions, audit events, organizations), index. CSV in "
        "GB18030; XLSX read by the streaming reader (harvesters/xlsx_stream.py); the CPU of "
        "mapping workers, if the kind uses them, is counted in the run's.",
        f"target: {TARGET_RATE:,.0f} rows/s at {TARGET_ROWS:,} rows (issue 12), applied at "
        "every size.",
        f"machine: {os.cpu_count()} CPUs ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}; 1-min load average at the end "
        f"{os.getloadavg()[0]:.1f} (the machine is shared: figures vary with its load).",
    ]
    table = render(args.rows, rows, notes)
    print(table, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"harvest-sheets-{args.rows}.txt").write_text(table, encoding="utf-8")
    return 0 if ok else 1  # a missed target is in the table; a run that failed is an error


def read_only_main(args: argparse.Namespace) -> int:
    """``--read-only``: the sheet's first read through both XLSX readers, nothing stored."""
    with tempfile.TemporaryDirectory(prefix="bench-sheet-read-", dir=args.tmp) as d:
        sheet = Path(d) / "open-list.xlsx"
        write_xlsx(sheet, args.rows, args.seed)
        size = sheet.stat().st_size / MB
        rows = read_only(sheet, args.rows)
    notes = [
        f"xlsx: {args.rows:,} rows, {size:,.1f} MB (openpyxl write-only: inline strings); "
        "the sheet read through harvesters.workbook.open_sheet, every row, merges filled "
        "down and spooled, with the streaming reader and with openpyxl alone",
        f"1-min load average at the end {os.getloadavg()[0]:.1f}",
    ]
    table = render(args.rows, rows, notes)
    print(table, flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"harvest-sheets-read-{args.rows}.txt").write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
