"""Flask application factory: pages, JSON API, language switch."""

from __future__ import annotations

from flask import Flask, g, request, session
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from catalog.config import load_settings
from catalog.context import open_catalog
from web.i18n import ensure_compiled, register_filters

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
    )
    app.json.ensure_ascii = False
    cat = open_catalog(settings)
    app.extensions["catalog"] = cat
    ensure_compiled()
    babel.init_app(app, locale_selector=_select_locale)
    csrf.init_app(app)
    register_filters(app)

    from web.api import bp as api_bp
    from web.ckan_api import bp as ckan_api_bp
    from web.exports import bp as exports_bp
    from web.pages import bp as pages_bp
    from web.sitemap import bp as sitemap_bp

    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ckan_api_bp)
    app.register_blueprint(exports_bp)
    app.register_blueprint(sitemap_bp)
    csrf.exempt(api_bp)
    csrf.exempt(ckan_api_bp)

    @app.before_request
    def _remember_language() -> None:
        lang = request.args.get("lang")
        if lang in settings.locales:
            session["lang"] = lang
        g.catalog = cat

    return app
