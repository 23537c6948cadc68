"""Flask application factory: pages, JSON API, accounts, partner and curation workflows."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from catalog.config import load_settings
from catalog.context import open_catalog
from web.chrome import register_chrome
from web.dataset_cards import register_dataset_cards
from web.i18n import ensure_compiled, register_filters, register_request_locale
from web.logins import login_manager
from web.page_cache import register_page_cache
from web.ratelimit import RateLimiter
from web.security import register_security
from web.static_assets import register_static_assets
from web.template_gettext import register_template_gettext

csrf = CSRFProtect()
babel = Babel()


def _select_locale() -> str:
    supported = current_locales()
    wanted = request.args.get("lang") or session.get("lang")
    if wanted in supported:
        return wanted
    return supported[0]


def current_locales() -> tuple[str, ...]:
    from flask import current_app

    return current_app.extensions["catalog"].settings.locales


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app for one catalog instance; ``overrides`` go to the settings (tests)."""
    overrides = dict(overrides or {})
    settings = load_settings(**overrides)
    app = Flask(__name__, instance_path=str(settings.instance_path), instance_relative_config=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        BABEL_DEFAULT_LOCALE=settings.default_locale,
        BABEL_TRANSLATION_DIRECTORIES="translations",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        JSON_AS_ASCII=False,
        # room for a form with several files; each file is checked against the real limit
        # (settings.upload_max_bytes) by the upload service, which says which one is too big
        MAX_CONTENT_LENGTH=settings.upload_max_bytes * 8 + 4 * 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
    )
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False
    cat = open_catalog(settings)
    app.extensions["catalog"] = cat
    ensure_compiled()
    register_security(app, settings)

    # first of all request hooks (CSRF's check included), so error pages have the catalog
    @app.before_request
    def _remember_language() -> None:
        g.catalog = cat
        # started by the first request, in the serving process (a server that forks its
        # workers after loading the app would not keep a thread started here before)
        if cat._drainer is None:
            cat.start_index_drainer(settings.index_drain_seconds)
        lang = request.args.get("lang")
        if lang in settings.locales:
            session["lang"] = lang

    babel.init_app(app, locale_selector=_select_locale)
    register_template_gettext(app)
    register_request_locale(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.extensions["rate_limiter"] = RateLimiter(cat, settings.extra.get("rate_limits"))
    register_filters(app)
    register_chrome(app)
    register_dataset_cards(app)
    register_static_assets(app)
    # after the language and CSRF hooks: a kept page is served in the visitor's language
    register_page_cache(app, cat)

    from web.access import bp as access_bp
    from web.account import bp as account_bp
    from web.api import bp as api_bp
    from web.auth import bp as auth_bp
    from web.benchmarks import bp as benchmarks_bp
    from web.ckan_api import bp as ckan_api_bp
    from web.curation import bp as curation_bp
    from web.dashboard import bp as dashboard_bp
    from web.data_requests import bp as data_requests_bp
    from web.data_requests_api import bp as data_requests_api_bp
    from web.domain_themes import bp as domain_themes_bp
    from web.editor import bp as editor_bp
    from web.errors import register_error_handlers
    from web.exports import bp as exports_bp
    from web.feeds import bp as feeds_bp
    from web.follows import bp as follows_bp
    from web.harvest import bp as harvest_bp
    from web.health import bp as health_bp
    from web.nominations import bp as nominations_bp
    from web.openlist import bp as openlist_bp
    from web.organization_curation import bp as org_curation_bp
    from web.pages import bp as pages_bp
    from web.partners import bp as partners_bp
    from web.registrations import bp as registrations_bp
    from web.search_insights import bp as search_insights_bp
    from web.sitemap import bp as sitemap_bp
    from web.vouchers import bp as vouchers_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(data_requests_api_bp)
    app.register_blueprint(ckan_api_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(sitemap_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(health_bp)
    for bp in (
        auth_bp,
        account_bp,
        partners_bp,
        editor_bp,
        curation_bp,
        openlist_bp,
        org_curation_bp,
        domain_themes_bp,
        dashboard_bp,
        access_bp,
        data_requests_bp,
        search_insights_bp,
        registrations_bp,
        nominations_bp,
        vouchers_bp,
        benchmarks_bp,
        harvest_bp,
        follows_bp,
    ):
        app.register_blueprint(bp)
    csrf.exempt(api_bp)
    csrf.exempt(data_requests_api_bp)
    csrf.exempt(ckan_api_bp)
    register_error_handlers(app)

    return app
