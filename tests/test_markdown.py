"""Dataset descriptions are Markdown from partners and harvested portals: rendered, then
sanitised by nh3 (bleach, unmaintained, is gone), bare addresses linked, links nofollow."""

from __future__ import annotations

from pathlib import Path

from web.i18n import render_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_bleach_is_gone_and_nh3_sanitises():
    assert "bleach" not in (ROOT / "setup.cfg").read_text(encoding="utf-8")
    for py in [
        p
        for d in ("catalog", "web", "harvesters", "cli", "schemas")
        for p in (ROOT / d).rglob("*.py")
    ]:
        assert "import bleach" not in py.read_text(encoding="utf-8"), py
    html = str(
        render_markdown(
            "**粗体** <script>alert(1)</script><img src=x onerror=alert(1)>"
            '<a href="javascript:alert(1)" onclick="x()">j</a> <iframe src="https://evil"></iframe>'
        )
    )
    assert "<strong>粗体</strong>" in html
    for bad in ("<script", "alert(1)</", "<img", "onerror", "javascript:", "onclick", "<iframe"):
        assert bad not in html, bad


def test_bare_addresses_become_nofollow_links_but_not_inside_code():
    html = str(
        render_markdown(
            "数据见 https://data.example/bus.csv?a=1&b=2。\n\n"
            "[接口](https://api.example/v1) `https://not.a.link/` and https://x.example/a."
        )
    )
    assert (
        '<a href="https://data.example/bus.csv?a=1&amp;b=2" rel="nofollow">'
        "https://data.example/bus.csv?a=1&amp;b=2</a>" in html
    )
    assert '<a href="https://api.example/v1" rel="nofollow">接口</a>' in html
    assert "<code>https://not.a.link/</code>" in html
    assert '<a href="https://x.example/a" rel="nofollow">https://x.example/a</a>.' in html
    assert html.count("<a ") == 3


def test_tables_and_lists_survive():
    html = str(render_markdown("| 字段 | 说明 |\n|---|---|\n| id | 编号 |\n\n1. 一\n2. 二"))
    assert "<table>" in html and "<td>编号</td>" in html
    assert "<ol>" in html and "<li>二</li>" in html
