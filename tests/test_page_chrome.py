"""The page chrome kept per process and language (``web/chrome.py``, issue 17 item 5) writes
what ``base.html`` wrote inline before, for every language, script root and visitor, and
the kept copy is the one a fresh render writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import render_template_string

from catalog.services import users
from catalog.services.authz import SYSTEM
from web import create_app
from web.logins import _stamp

# base.html as it was before the chrome was kept (the reference the new one must match)
OLD_BASE = "<!doctype html>\n<html lang=\"{{ 'en' if current_locale() == 'en' else 'zh-CN' }}\">\n<head>\n  <meta charset=\"utf-8\">\n  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n  <title>{% block title %}{% endblock %} · {{ g.catalog.settings.site_name_en if current_locale() == 'en' else g.catalog.settings.site_name }}</title>\n  <link rel=\"stylesheet\" href=\"{{ url_for('static', filename='site.css') }}\">\n  {# the shared combobox first: deferred scripts run in document order, and pages' own (block head) use it #}\n  <script src=\"{{ url_for('static', filename='combobox.js') }}\" defer></script>\n  {% block head %}{% endblock %}\n  <script src=\"{{ url_for('static', filename='suggest.js') }}\" defer data-suggest-url=\"{{ url_for('api.suggest') }}\" data-label=\"{{ _('Title suggestions') }}\" data-status=\"{{ _('%(n)s suggestions: arrow keys choose, Enter searches.', n='{n}') }}\"></script>\n</head>\n<body>\n<header class=\"top\">\n  <a class=\"brand\" href=\"{{ url_for('pages.home') }}\">{{ g.catalog.settings.site_name_en if current_locale() == 'en' else g.catalog.settings.site_name }}</a>\n  <nav>\n    <a href=\"{{ url_for('pages.search') }}\">{{ _('Datasets') }}</a>\n    <a href=\"{{ url_for('pages.search', kind='training') }}\">{{ _('AI training data') }}</a>\n    <a href=\"{{ url_for('pages.search', kind='benchmark') }}\">{{ _('Benchmarks') }}</a>\n    <a href=\"{{ url_for('openlist.public') }}\">{{ _('Open list') }}</a>\n    <a href=\"{{ url_for('partners.organizations') }}\">{{ _('Organizations') }}</a>\n    <a href=\"{{ url_for('partners.partner_list') }}\">{{ _('Data partners') }}</a>\n    <a id=\"data-requests-link\" href=\"{{ url_for('data_requests.index') }}\">{{ _('Data requests') }}</a>\n    <a id=\"nominations-link\" href=\"{{ url_for('nominations.rounds') }}\">{{ _('Nominations') }}</a>\n  </nav>\n  <nav class=\"user\" aria-label=\"{{ _('Account') }}\">\n    {% if current_user.is_authenticated %}\n      {% if current_user.is_curator %}\n        <a href=\"{{ url_for('curation.queue') }}\">{{ _('Review') }}</a>\n        <a href=\"{{ url_for('openlist.working') }}\">{{ _('Curate open list') }}</a>\n        <a href=\"{{ url_for('dashboard.show') }}\">{{ _('Dashboard') }}</a>\n        <a id=\"search-analytics-link\" href=\"{{ url_for('search_insights.show') }}\">{{ _('Search analytics') }}</a>\n      {% endif %}\n      {% if current_user.is_curator or current_user.is_partner_admin %}<a id=\"harvest-link\" href=\"{{ url_for('harvest.sources') }}\">{{ _('Harvest') }}</a>{% endif %}\n      {% if current_user.is_partner or current_user.is_curator %}<a href=\"{{ url_for('editor.my_datasets') }}\">{{ _('My datasets') }}</a>{% endif %}\n      <a id=\"access-link\" href=\"{{ url_for('access.mine') }}\">{{ _('My access requests') }}</a>\n      <a id=\"notices-link\" href=\"{{ url_for('follows.notices') }}\">{{ _('Notices') }}</a>\n      {% if current_user.is_partner or current_user.is_curator %}<a id=\"access-review-link\" href=\"{{ url_for('access.queue') }}\">{{ _('Access requests to review') }}</a>{% endif %}\n      <a id=\"account-link\" href=\"{{ url_for('account.show') }}\">{{ current_user.name }}</a>\n      <form method=\"post\" action=\"{{ url_for('auth.logout') }}\" class=\"inline\">\n        <input type=\"hidden\" name=\"csrf_token\" value=\"{{ csrf_token() }}\">\n        <button type=\"submit\" class=\"link\" id=\"logout\">{{ _('Sign out') }}</button>\n      </form>\n    {% else %}\n      <a id=\"login-link\" href=\"{{ url_for('auth.login', next=request.full_path if request.endpoint not in ('auth.login', 'auth.register') else None) }}\">{{ _('Sign in') }}</a>\n      <a href=\"{{ url_for('auth.register') }}\">{{ _('Register') }}</a>\n    {% endif %}\n    <span class=\"lang\">\n      {% if current_locale() == 'en' %}<a id=\"lang-switch\" href=\"{{ url_for('pages.switch_language', code='zh', next=request.full_path) }}\">中文</a>\n      {% else %}<a id=\"lang-switch\" href=\"{{ url_for('pages.switch_language', code='en', next=request.full_path) }}\">English</a>{% endif %}\n    </span>\n  </nav>\n</header>\n<main>\n{% with messages = get_flashed_messages(with_categories=true) %}\n  {% for category, message in messages %}<div class=\"flash flash-{{ category }}\" role=\"status\">{{ message }}</div>{% endfor %}\n{% endwith %}\n{% if notice %}<div class=\"notice\" role=\"status\">{{ notice }}</div>{% endif %}\n{% block content %}{% endblock %}\n</main>\n<footer>{{ _('Public data of the city, open lawfully, compliantly and in order.') }} · <a href=\"{{ url_for('api.search_datasets') }}\">JSON API</a> · <a href=\"{{ url_for('api.docs') }}\">{{ _('API documentation') }}</a></footer>\n</body>\n</html>\n"
PAGE = """{% extends base %}{% block title %}T{% endblock %}{% block head %}<meta name="x">{% endblock %}{% block content %}<p>C</p>{% endblock %}"""


@pytest.fixture
def app(tmp_path: Path):
    app = create_app(
        {
            "instance_path": tmp_path / "instance",
            "database_url": f"sqlite:///{tmp_path}/c.db",
            "site_name": "某市公共数据目录",
            "site_name_en": "Some City <Open> Data",
        }
    )
    app.extensions["catalog"].migrate()
    yield app
    app.extensions["catalog"].dispose()


def _page(app, base: str, path: str, base_url: str) -> str:
    with app.test_request_context(path, base_url=base_url):
        app.preprocess_request()
        return render_template_string(PAGE, base=app.jinja_env.from_string(base))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("prefix", ["", "/catalog"])
def test_kept_chrome_writes_what_the_inline_base_wrote(app, lang: str, prefix: str) -> None:
    where = f"http://example.test{prefix}/"
    path = f"/dataset/x?lang={lang}"
    old = _page(app, OLD_BASE, path, where)
    new_base = app.jinja_env.loader.get_source(app.jinja_env, "base.html")[0]
    first = _page(app, new_base, path, where)  # renders the fragments
    kept = _page(app, new_base, path, where)  # reads them back
    assert first == old
    assert kept == old
    assert ("Some City &lt;Open&gt; Data" in old) == (lang == "en")
    assert f'href="{prefix}/search?kind=training"' in old


def test_fragments_are_kept_per_language_and_script_root(app) -> None:
    for lang in ("zh", "en"):
        for prefix in ("", "/catalog"):
            _page(app, "{{ chrome('nav') }}", f"/?lang={lang}", f"http://example.test{prefix}/")
    keys = set(app.extensions["chrome"].fragments)
    assert keys == {("nav", lang, prefix) for lang in ("zh", "en") for prefix in ("", "/catalog")}
    with app.test_request_context("/"), pytest.raises(ValueError, match="no page fragment"):
        render_template_string("{{ chrome('user') }}")


def test_a_signed_in_page_keeps_its_own_account_links(app) -> None:
    ann = users.create_user(
        app.extensions["catalog"], SYSTEM, "ann@example.org", "Ann", "secret-pass-1"
    )
    client = app.test_client()
    anonymous = client.get("/").get_data(as_text=True)  # the chrome is kept first
    assert 'id="login-link"' in anonymous
    with client.session_transaction() as sess:  # signed in as Flask-Login records it
        sess["_user_id"] = f"{ann.id}:{_stamp(ann.password_hash)}:{ann.session_generation or 0}"
        sess["_fresh"] = True
    page = client.get("/").get_data(as_text=True)
    assert 'id="account-link"' in page and 'id="login-link"' not in page
    assert page.count('id="nominations-link"') == 1
