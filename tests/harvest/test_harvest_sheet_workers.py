"""Open-list rows mapped in worker processes (``Harvester.parallel_transform``, issue 12)
give the catalog rows mapped in the run's own process give -- datasets, versions,
audit events, organizations within their region, held and refused rows, warnings -- for the
sheets of every portal naming in field_mapping.json (XLSX, UTF-8 and GB18030 CSV), a messy
workbook (hidden sheet, merges, unsaved formulas) and a sheet of list cells and
placeholders; on SQLite and PostgreSQL. The sheet kind does not declare the flag yet (at
100,000 rows the workers saved no time: see spreadsheet.py); this holds it ready."""

from __future__ import annotations

import io

from conftest import FAST, catalog_state, errors_of, new_catalog
from openpyxl import Workbook
from test_harvest_bad_sheets import messy_workbook, workbook_bytes
from test_harvest_spreadsheet import _csv, _naming_sheets
from test_harvest_workers import _rows, submits  # noqa: F401 (a fixture)

from catalog.services import harvest as svc
from catalog.services.authz import SYSTEM
from harvesters.pipeline import run_job
from harvesters.spreadsheet import SpreadsheetHarvester


def _sheets(folder, fixtures) -> int:
    """The sheets, as files of one folder (one source: one pool of workers a run); the
    number of rows refused."""
    folder.mkdir()
    (folder / "messy.xlsx").write_bytes(messy_workbook())
    refused = 1
    for k, (_label, head, rows, _has) in enumerate(_naming_sheets(fixtures)):
        if k % 3 == 0:
            wb = Workbook()
            wb.active.append(head)
            for r in rows:
                wb.active.append(r)
            (folder / f"naming-{k:02d}.xlsx").write_bytes(workbook_bytes(wb))
        else:
            encoding = "utf-8" if k % 3 == 1 else "gb18030"
            (folder / f"naming-{k:02d}.csv").write_bytes(_csv(head, rows, encoding))
        refused += 1  # the row without a title
    lists = io.StringIO()
    lists.write("资源代码,资源名称,数源部门,所属领域,开放属性,数据格式,关键字,联系电话,更新频率\n")
    for i in range(60):
        lists.write(
            f"L-{i},名录{i},{'统计局' if i % 2 else '市统计局'},交通、医疗卫生,"
            f"{['无条件开放', '普遍开放', '看情况', ''][i % 4]},\"['xls', 'api']\","
            f"公交\t线路；站点,{'暂无' if i % 3 else '0312-1234567'},"
            f"{['每月', '每 3 月', '自定义'][i % 3]}\n"
        )
    (folder / "lists.csv").write_bytes(lists.getvalue().encode("utf-8"))
    return refused


def _harvest(cat, folder, config: dict) -> tuple[str, list]:
    url = str(folder)
    src = svc.find_source(cat, "spreadsheet", url) or svc.register_source(
        cat,
        SYSTEM,
        name="sheets",
        kind="spreadsheet",
        url=url,
        config={**FAST, "region": "保定市", "openness_values": {"看情况": "conditional"}, **config},
        trusted=True,
    )
    job = svc.start_job(cat, svc.enqueue_job(cat, SYSTEM, src.id).id)
    outcome = run_job(cat, job)
    return outcome.summary, sorted(errors_of(cat, outcome.job_id), key=repr)


def test_sheet_rows_mapped_by_workers_make_the_same_catalog(
    tmp_path,
    server,
    fixtures,
    submits,  # noqa: F811
    database_url,
    monkeypatch,
):
    monkeypatch.setattr(SpreadsheetHarvester, "parallel_transform", True)
    folder = tmp_path / "sheets"
    refused = _sheets(folder, fixtures)
    alone = new_catalog(tmp_path / "alone")
    pooled = new_catalog(tmp_path / "pooled", database_url)
    try:
        in_process = _harvest(alone, folder, {"batch_size": 7})
        assert not submits  # under the threshold: mapped in the run's own process
        workers = _harvest(pooled, folder, {"batch_size": 7, "map_workers_after": 0})
        assert sum(submits) > 150  # the workers mapped them
        assert workers == in_process
        assert in_process[0].startswith("done_with_errors: 136 new"), in_process[0]
        assert catalog_state(pooled) == catalog_state(alone)
        assert _rows(pooled) == _rows(alone)
        submits.clear()
        summary, _errors = _harvest(pooled, folder, {"batch_size": 7, "map_workers_after": 0})
        assert " 0 new, 0 updated" in summary, summary
        assert sum(submits) == refused  # only the refused rows are mapped again
    finally:
        alone.dispose()
        pooled.dispose()
