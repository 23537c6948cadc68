"""Rows the dataset page and the organizations list prepare in Python (issue 17, item 5) write
the same text as the template markup they replaced, in Chinese and in English."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import render_template_string, url_for

from web import create_app
from web.dataset_rows import metadata_rows
from web.org_rows import organization_cards, organization_href_maker

# the dataset page's metadata table as it was written before: a macro per row
OLD_TABLE = """{% macro row(title, value) -%}
{% if value %}<tr><th>{{ title }}</th><td>{{ value }}</td></tr>{% endif %}
{%- endmacro %}
{% macro labels(codes, vocab) -%}{% for c in codes or [] %}{{ c|label(vocab) }}{% if not loop.last %}、{% endif %}{% endfor %}{%- endmacro %}
{{ row(_('Publisher'), ds.organization|loc('title') if ds.organization else ds.source_department) }}
{{ row(_('Resource code'), ds.resource_code) }}
{{ row(_('Source department'), ds.source_department) }}
{{ row(_('Themes'), labels(ds.themes, 'theme')) }}
{{ row(_('Keywords'), (ds.keywords or [])|join(', ')) }}
{{ row(_('Openness'), ds.access_rights|label('openness')) }}
{{ row(_('Open mode'), ds.open_mode|label('open_mode') if ds.open_mode) }}
{{ row(_('Update frequency'), ds.frequency|label('frequency') if ds.frequency) }}
{{ row(_('Data formats'), (ds.data_formats or [])|join(', ')) }}
{{ row(_('Data volume'), ds.data_volume) }}
{{ row(_('Licence'), ds.license|label('license') if ds.license) }}
{{ row(_('Spatial coverage'), labels(ds.spatial, 'region')) }}
{{ row(_('Temporal coverage'), ((ds.temporal_start or '')|string) + ' – ' + ((ds.temporal_end or '')|string) if ds.temporal_start or ds.temporal_end) }}
{{ row(_('Issued'), ds.issued) }}
{{ row(_('Modified'), ds.modified.strftime('%Y-%m-%d') if ds.modified) }}
{{ row(_('Languages'), labels(ds.languages, 'language')) }}
{{ row(_('Version'), ds.version) }}
{{ row(_('Contact'), [ds.contact_name, ds.contact_email, ds.contact_phone]|select|join(', ')) }}
{{ row(_('Task categories'), labels(ds.task_categories, 'task')) }}
{{ row(_('Modalities'), labels(ds.modalities, 'modality')) }}
{{ row(_('Annotation type'), ds.annotation_type|label('annotation_type') if ds.annotation_type) }}
{{ row(_('Annotation method'), ds.annotation_method|label('annotation_method') if ds.annotation_method) }}
{{ row(_('Annotation accuracy'), '{:.1%}'.format(ds.annotation_accuracy) if ds.annotation_accuracy is not none) }}
{{ row(_('Samples per split'), ds.sample_counts.items()|map('join', ': ')|join(', ') if ds.sample_counts) }}
{{ row(_('Metrics'), (ds.metrics or [])|join(', ')) }}"""
NEW_TABLE = (
    "{% for title, value in rows %}<tr><th>{{ title }}</th><td>{{ value }}</td></tr>{% endfor %}"
)

FULL = dict(
    organization=SimpleNamespace(title="交通运输局 <A&B>", title_en="Transport <Bureau>"),
    source_department="交通运输局",
    resource_code="BD-001",
    themes=["transport", "health", "unknown-code"],
    keywords=["公交", "<b>bus</b>", "A&B"],
    access_rights="conditional",
    open_mode="api",
    frequency="monthly",
    data_formats=["CSV", "XLSX"],
    data_volume="1 GB & more",
    license="CC-BY-4.0",
    spatial=["130600"],
    temporal_start=date(2020, 1, 1),
    temporal_end=None,
    issued=date(2021, 5, 6),
    modified=datetime(2024, 12, 22, 8, 30),
    languages=["zh", "en"],
    version="1.0",
    contact_name="王工",
    contact_email="a@b.cn",
    contact_phone=None,
    task_categories=["image-classification"],
    modalities=["image"],
    annotation_type="bounding_box",
    annotation_method="manual",
    annotation_accuracy=0.0,
    sample_counts={"train": 100, "test": 20},
    metrics=["accuracy"],
)
EMPTY = {k: None for k in FULL} | {"access_rights": "unconditional", "annotation_accuracy": None}


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(
        {"instance_path": tmp_path / "instance", "database_url": f"sqlite:///{tmp_path}/c.db"}
    )
    yield app
    app.extensions["catalog"].dispose()


def _norm(html: str) -> str:
    return re.sub(r">\s+<", "><", html).strip()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("fields", [FULL, EMPTY], ids=["full", "empty"])
def test_metadata_rows_write_what_the_row_macros_wrote(app, lang: str, fields: dict) -> None:
    ds = SimpleNamespace(**fields)
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        old = render_template_string(OLD_TABLE, ds=ds)
        new = render_template_string(NEW_TABLE, rows=metadata_rows(ds))  # type: ignore[arg-type]
    assert _norm(new) == _norm(old)
    if fields is FULL:
        assert new.count("<tr>") == 25 and "&lt;b&gt;bus&lt;/b&gt;" in new
        assert ("Transport &lt;Bureau&gt;" if lang == "en" else "交通运输局 &lt;A&amp;B&gt;") in new


@pytest.mark.parametrize("prefix", ["", "/catalog"])
def test_organization_addresses_are_those_of_url_for(app, prefix: str) -> None:
    names = ["transport-bureau", "交通局", "a b", "50%", "it's", "x@y", "a+b&c"]
    with app.test_request_context("/organizations", base_url=f"http://example.test{prefix}/"):
        href = organization_href_maker()
        for name in names:
            assert href(name) == url_for("partners.organization", ref=name)
        assert href("a b").startswith(f"{prefix}/organization/")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_organization_cards_write_what_the_list_wrote(app, lang: str) -> None:
    old = """{% for org, n in rows %}<h3><a href="{{ url_for('partners.organization', ref=org.name) }}">{{ org|loc('title') }}</a></h3>
<span class="badge">{{ org.org_type|label('org_type') }}</span>
{% if org.partner_status %}<span class="badge partner-{{ org.partner_status }}">{{ _('Data partner') }} · {{ org.partner_status|label('partner_status') }}</span>{% endif %}
<span>{{ _('%(n)s published datasets', n=n) }}</span>{% endfor %}"""
    new = """{% for card in cards %}<h3><a href="{{ card.href }}">{{ card.title }}</a></h3>
<span class="badge">{{ card.type_label }}</span>
{% if card.partner_status %}<span class="badge partner-{{ card.partner_status }}">{{ card.partner_label }}</span>{% endif %}
<span>{{ card.published }}</span>{% endfor %}"""
    rows = [
        (SimpleNamespace(name="交通局", title="交通局<1>", title_en=None, org_type="government",
                         partner_status=None), 3),
        (SimpleNamespace(name="med-ai", title="医疗AI", title_en="Med & AI", org_type="enterprise",
                         partner_status="verified"), 0),
        (SimpleNamespace(name="x", title="X", title_en="", org_type="odd-type",
                         partner_status="applied"), 1200),
    ]  # fmt: skip
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        before = render_template_string(old, rows=rows)
        after = render_template_string(new, cards=organization_cards(rows))  # type: ignore[arg-type]
    assert after == before
    assert "1200" in after and ("Med &amp; AI" in after) == (lang == "en")
