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


TEXTS = [
    "见[说明][r]。\n\n[r]: https://data.example.cn/readme",
    "再见[说明][r]：这段没有定义 r。",  # a reference of the text before must not carry over
    "| 字段 | 类型 |\n|---|---|\n| id | 整数 |",
    "1. 一\n2. 二\n\n* 甲\n* 乙",
    "",
    "*[HTML]: 缩写不是所开的扩展\n\n两个  \n换行",
]


def test_a_reused_converter_writes_what_a_fresh_one_writes():
    """Each thread keeps one Markdown converter (building one cost half a conversion); what
    it writes for a text must not depend on the texts it converted before, in any thread."""
    import threading

    import markdown

    fresh = [markdown.markdown(t, extensions=["tables", "sane_lists"]) for t in TEXTS]
    got: dict[int, list[str]] = {}

    def convert(n: int) -> None:
        from web.i18n import _markdown

        got[n] = [_markdown(t) for t in TEXTS * 3]

    threads = [threading.Thread(target=convert, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    convert(99)
    for outputs in got.values():
        assert outputs == fresh * 3
    assert 'href="https://data.example.cn/readme"' in fresh[0] and "href" not in fresh[1]
