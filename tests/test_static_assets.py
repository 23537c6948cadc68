"""Style sheets and scripts carry a content fingerprint and are cached for a year."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import requests

from tests.livesite import serve

STATIC = Path(__file__).resolve().parents[1] / "web" / "static"


def test_pages_link_fingerprinted_assets_that_browsers_keep_for_a_year(tmp_path):
    with serve(tmp_path / "instance") as (url, _cat):
        page = requests.get(f"{url}/", timeout=30).text
        links = re.findall(r'(?:href|src)="(/static/([\w.-]+)\?v=(\w+))"', page)
        assert {name for _, name, _ in links} >= {"site.css", "combobox.js", "suggest.js"}
        for path, name, v in links:
            assert v == hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]
            resp = requests.get(url + path, timeout=30)
            assert resp.status_code == 200
            cc = resp.headers["Cache-Control"]
            assert "max-age=31536000" in cc and "immutable" in cc and "public" in cc
        # an old or missing fingerprint is not promised for a year: it may change
        for query in ("", "?v=000000000000"):
            resp = requests.get(f"{url}/static/site.css{query}", timeout=30)
            assert resp.status_code == 200
            assert "immutable" not in resp.headers.get("Cache-Control", "")
        assert requests.get(f"{url}/static/../setup.cfg", timeout=30).status_code == 404
