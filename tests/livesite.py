"""A catalog served over a real socket for the web and browser tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from catalog.services import datasets, organizations
from catalog.services.authz import SYSTEM
from web import create_app


@contextmanager
def serve_on(request, instance: Path, load=None, **settings: object):
    """``serve`` on the database a parametrised fixture names (``request.param``): SQLite
    in the instance, or a fresh migrated PostgreSQL database that is dropped afterwards."""
    cluster = dbname = None
    if request.param == "postgres":
        import pytest

        cluster = request.getfixturevalue("pg_cluster")
        pool = request.getfixturevalue("pg_migrated_pool")
        for failed in (cluster, pool):
            if failed is None or isinstance(failed, Exception):
                pytest.fail(f"PostgreSQL test cluster unavailable: {failed}", pytrace=False)
        dbname = pool.take()
        settings["database_url"] = cluster.url(dbname)
    try:
        with serve(instance, load, **settings) as site:
            yield site
    finally:
        if cluster is not None and dbname:
            cluster.drop_database(dbname)


@contextmanager
def serve(instance: Path, load=None, **settings: object):
    """Start the app on 127.0.0.1 at a free port; ``load(cat)`` fills the catalog first.

    ``settings`` override the catalog's settings, e.g. ``smtp_host``/``smtp_port`` of the
    test's SMTP server (``tests/mailserver.py``), ``upload_max_bytes`` or
    ``extra={"rate_limits": {...}}``."""
    app = create_app({"instance_path": instance, **settings})
    cat = app.extensions["catalog"]
    cat.migrate()
    cat.create_index_if_missing()
    if load:
        load(cat)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", cat
    finally:
        server.shutdown()
        thread.join(5)
        cat.dispose()


@contextmanager
def serve_process(instance: Path, **env: str):
    """``catalog serve`` in a subprocess on a free port; yields (url, process).

    For tests that must see a crash (the process dies, the test sees it) or that need
    several processes on one catalog; ``env`` adds CATALOG_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CATALOG_")}
    environ.update(CATALOG_INSTANCE=str(instance), **env)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "serve", "--port", "0"],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://\S+", line)
        assert match, f"the server did not start: {line}{proc.stdout.read()}"
        yield match.group(), proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


SECRET_URL = "https://restricted.example/secret-lung-ct.zip"


def load_small_catalog(cat) -> dict:
    """A dozen datasets covering both languages, every openness and the AI kinds."""
    organizations.create_organization(
        cat,
        SYSTEM,
        {
            "name": "transport-bureau",
            "title": "保定市交通运输局",
            "title_en": "Baoding Transport Bureau",
            "org_type": "government",
        },
    )
    organizations.create_organization(
        cat,
        SYSTEM,
        {
            "name": "medai",
            "title": "保定医影智能科技有限公司",
            "title_en": "Baoding MedAI Co.",
            "org_type": "enterprise",
        },
    )
    made = {}
    rows = [
        (
            "bus-routes",
            "保定市公交线路信息",
            "Baoding bus routes",
            "全市公交线路、站点与首末班时间。",
            "transport-bureau",
            ["transport"],
            "unconditional",
            "open_data",
        ),
        (
            "taxi-orders",
            "出租车运营数据",
            "Taxi operations",
            "包含交通运输行业出租车订单统计。",
            "transport-bureau",
            ["transport"],
            "conditional",
            "open_data",
        ),
        (
            "road-cameras",
            "道路卡口过车记录",
            "Road checkpoint records",
            "用于交通流量分析的过车记录。",
            "transport-bureau",
            ["transport", "public_safety"],
            "not_open",
            "open_data",
        ),
        (
            "lung-ct",
            "肺结节CT影像标注数据集",
            "Lung nodule CT medical imaging dataset",
            "医疗影像数据，含三维标注框，用于 object detection 训练。",
            "medai",
            ["health"],
            "conditional",
            "training",
        ),
        (
            "fundus",
            "眼底图像分类基准",
            "Fundus image classification benchmark",
            "医疗 imaging benchmark for diabetic retinopathy grading.",
            "medai",
            ["health"],
            "unconditional",
            "benchmark",
        ),
    ]
    for i in range(12):
        rows.append(
            (
                f"stats-{i}",
                f"交通运输统计月报{2020 + i}",
                f"Transport statistics {2020 + i}",
                "月度统计。",
                "transport-bureau",
                ["transport"],
                "unconditional",
                "open_data",
            )
        )
    for name, title, title_en, desc, org, themes, openness, kind in rows:
        dists = [
            {
                "title": "公开样例",
                "title_en": "Public sample",
                "format": "CSV",
                "download_url": f"https://data.example/{name}.csv",
            }
        ]
        if openness == "conditional":
            dists.append(
                {
                    "title": "完整数据",
                    "title_en": "Full data",
                    "format": "ZIP",
                    "download_url": SECRET_URL
                    if name == "lung-ct"
                    else f"https://restricted.example/{name}.zip",
                    "restricted": True,
                }
            )
        ds = datasets.create_dataset(
            cat,
            SYSTEM,
            {
                "name": name,
                "title": title,
                "title_en": title_en,
                "description": desc,
                "organization": org,
                "themes": themes,
                "access_rights": openness,
                "kind": kind,
                "keywords": ["保定"],
                "distributions": dists,
                # a record set read from the restricted file: its link must not leak either
                "record_sets": [
                    {"name": "scans", "file": SECRET_URL, "fields": [{"name": "nodule_box"}]}
                ]
                if name == "lung-ct"
                else [],
            },
            status="published",
        )
        made[name] = ds
    return made
