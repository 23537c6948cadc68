"""The public pages read SQLite without its write lock (issue 17, item 5): a plain connection
or session begins IMMEDIATE, so a page that read through one queued behind every writer (a
harvest storing a batch) and behind every other reader doing the same, which then slept in
SQLite's busy handler. While a writer holds the lock, each page -- rendered, then kept by the
page cache, whose state query runs on every read -- answers at once."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import select

from catalog.models import Dataset
from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM
from web import create_app

PAGES = ["/", "/search?q=读取", "/dataset/read-me", "/organization/busy-org", "/organizations"]


def _within(seconds: float, work, what: str) -> object:
    """``work()``'s answer, or a failure if it did not finish in time (it waits for a lock)."""
    out: list = []
    t = threading.Thread(target=lambda: out.append(work()), daemon=True)
    t.start()
    t.join(seconds)
    assert out, f"{what}: still waiting after {seconds} s (for the write lock)"
    return out[0]


def test_pages_answer_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    app = create_app({"instance_path": tmp_path / "i"})
    cat = app.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    organizations.create_organization(
        cat, SYSTEM, {"name": "busy-org", "title": "繁忙机构", "org_type": "government"}
    )
    datasets.create_dataset(
        cat,
        SYSTEM,
        {"name": "read-me", "title": "读取测试", "organization": "busy-org"},
        status="published",
    )
    cat.sync_index()
    client = app.test_client()
    try:
        with cat.session() as s:  # holds the write lock (BEGIN IMMEDIATE), as a harvest does
            s.execute(select(Dataset.id)).all()
            for round_ in ("rendered", "kept"):
                for page in PAGES:
                    status = _within(5, lambda page=page: client.get(page).status_code, page)
                    assert status == 200, (round_, page)
        assert app.extensions["page_cache"].counts.fast >= len(PAGES)  # the second round
    finally:
        cat.dispose()
