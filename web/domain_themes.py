"""The curators' "unmapped domain values" page (issue 12, item 5): the 所属领域 values of
harvested datasets that no mapping reads as a theme, with counts, each mapped once for every
later harvest. :mod:`catalog.services.domain_themes` stores and applies the decisions."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _

from catalog.errors import ValidationFailed
from catalog.services import domain_themes
from web.forms import field_errors
from web.logins import curator_required, current_actor

bp = Blueprint("domain_themes", __name__, url_prefix="/curation/domains")


def _page(errors: dict | None = None, status: int = 200):
    actor = current_actor()
    return (
        render_template(
            "curation/domains.html",
            unmapped=domain_themes.unmapped_values(g.catalog, actor),
            mappings=domain_themes.mappings(g.catalog, actor),
            errors=errors or {},
        ),
        status,
    )


@bp.get("")
@curator_required
def show():
    return _page()


@bp.post("")
@curator_required
def map_value():
    value = request.form.get("value", "")
    theme = request.form.get("theme", "")
    try:
        if not theme:  # "none" is the curator's "no theme fits"; empty is no choice at all
            raise ValidationFailed({"theme": ["Choose a theme."]})
        n = domain_themes.map_value(
            g.catalog, current_actor(), value, None if theme == "none" else theme
        )
    except ValidationFailed as exc:
        return _page(field_errors(exc), 422)
    flash_message(
        _(
            "“%(value)s” is mapped for every later harvest; %(n)s datasets updated now.",
            value=value,
            n=n,
        ),
        "success",
    )
    return redirect(url_for("domain_themes.show"))
