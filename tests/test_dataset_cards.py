"""The dataset card written in Python (``web/dataset_cards.py``, issue 17 item 5) writes what
the Jinja macro it replaced wrote, in Chinese and English, for documents with every field,
with none, with odd characters, with search snippets and with identical records collapsed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import render_template_string

from web import create_app
from web.dataset_cards import dataset_card

# the macro as it was (the reference)
OLD_MACRO = '{% macro dataset_card(doc, snippets=None, identical=0) -%}\n<article class="result">\n  <h3><a href="{{ url_for(\'pages.dataset\', ref=doc.name) }}">\n    {%- if snippets -%}\n      {%- if current_locale() == \'en\' and snippets.title_en %}{{ snippets.title_en|safe }}{% else %}{{ snippets.title|safe }}{% endif -%}\n    {%- else -%}{{ doc|loc(\'title\') }}{%- endif -%}\n  </a></h3>\n  <div class="meta">\n    {#- openness_badge\'s markup, inline: a macro call per card is a good part of a card\'s cost #}\n    <span class="badge openness-{{ doc.openness }}">{{ doc.openness|label(\'openness\') }}</span>\n    <span class="badge kind">{{ doc.kind|label(\'kind\') }}</span>\n    <span class="publisher">{{ doc|loc(\'publisher_title\') }}</span>\n    {% if doc.modified %}<span class="date">{{ _(\'Updated\') }} {{ doc.modified|ts }}</span>{% endif %}\n    {% for f in doc.format or [] %}<span class="fmt">{{ f }}</span>{% endfor %}\n    {% if identical %}<span class="identical" title="{{ _(\'Records with the same title, description and publisher are shown once\') }}">{{ ngettext(\'%(num)d identical record\', \'%(num)d identical records\', identical) }}</span>{% endif %}\n  </div>\n  {% if doc.task or doc.modality or doc.sample_total or doc.byte_size or doc.data_volume %}\n  <div class="meta ai">\n    {% for t in doc.task or [] %}<span class="task">{{ t|label(\'task\') }}</span>{% endfor %}\n    {% for m in doc.modality or [] %}<span class="modality">{{ m|label(\'modality\') }}</span>{% endfor %}\n    {% if doc.sample_total %}<span class="samples">{{ _(\'%(n)s samples\', n=\'{:,}\'.format(doc.sample_total)) }}</span>{% endif %}\n    {% if doc.byte_size %}<span class="size">{{ doc.byte_size|filesize }}</span>{% elif doc.data_volume %}<span class="size">{{ doc.data_volume }}</span>{% endif %}\n  </div>\n  {% endif %}\n  {% if snippets %}\n  <p class="snippet">{% if current_locale() == \'en\' and snippets.description_en %}{{ snippets.description_en|safe }}{% else %}{{ snippets.description|safe }}{% endif %}</p>\n  {% endif %}\n</article>\n{%- endmacro %}'
OLD = OLD_MACRO + "{{ dataset_card(doc, snippets, identical) }}"

FULL = {
    "name": "交通 流量/2024 50%",
    "title": "公交<客流>统计 & 分析",
    "title_en": "Bus <ridership> & analysis",
    "openness": "conditional",
    "kind": "training",
    "publisher_title": "交通运输局",
    "publisher_title_en": "Transport <Bureau>",
    "modified": 1_717_200_000,
    "format": ["CSV", "<JSON>"],
    "task": ["image-classification", "odd-task"],
    "modality": ["image"],
    "sample_total": 1_234_567,
    "byte_size": 5_000_000,
    "data_volume": "3 GB",
}
CASES = {
    "full": (FULL, None, 0),
    "bare": ({"name": "x", "title": "仅标题", "openness": "unconditional", "kind": "open_data"},
             None, 0),
    "no english": ({**FULL, "title_en": "", "publisher_title_en": None, "byte_size": None,
                    "task": [], "modality": None, "sample_total": 0}, None, 0),
    "volume only": ({**FULL, "task": None, "modality": None, "sample_total": None,
                     "byte_size": 0}, None, 0),
    "none values": ({**FULL, "openness": None, "modified": None, "format": None}, None, 0),
    "snippets": (FULL, {"title": "公交<b>客流</b>", "title_en": "Bus <b>riders</b>",
                        "description": "……<b>公交</b>……", "description_en": ""}, 3),
    "zh snippets": (FULL, {"title": "<b>公交</b>", "description": "<b>d</b>"}, 1),
    "empty snippets": (FULL, {}, 2),
}  # fmt: skip


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    tmp: Path = tmp_path_factory.mktemp("cards")
    app = create_app({"instance_path": tmp / "instance", "database_url": f"sqlite:///{tmp}/c.db"})
    yield app
    app.extensions["catalog"].dispose()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("prefix", ["", "/catalog"])
def test_the_card_writes_what_the_macro_wrote(app, lang: str, case: str, prefix: str) -> None:
    doc, snippets, identical = CASES[case]
    where = f"http://example.test{prefix}/"
    with app.test_request_context(f"/search?lang={lang}", base_url=where):
        app.preprocess_request()
        old = render_template_string(OLD, doc=doc, snippets=snippets, identical=identical)
        new = dataset_card(doc, snippets, identical)
    assert str(new) == old
    assert f'href="{prefix}/dataset/' in old


def test_pages_call_the_python_card(app) -> None:
    templates = Path(app.root_path) / "templates"
    assert "macro dataset_card" not in (templates / "_macros.html").read_text(encoding="utf-8")
    with app.test_request_context("/"):
        assert app.jinja_env.globals["dataset_card"] is dataset_card
