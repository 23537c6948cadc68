"""Organizations and data partners: public lists and pages, the partner application, the
organization admin's member management, invitations."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _
from flask_login import current_user, login_required

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.search import SearchQuery, SearchUnavailable
from catalog.services import curation, organization_merge, partners
from catalog.services import organizations as org_service
from catalog.services.quality_report import publisher_quality
from schemas import vocab
from web import page_cache
from web.forms import field_errors, values_of
from web.i18n import locale
from web.links import absolute_url
from web.logins import current_actor
from web.org_rows import organization_cards

bp = Blueprint("partners", __name__)

ORG_PAGE_SIZE = 10


@bp.get("/organizations")
def organizations():
    wanted = request.args.get("type") or None
    rows = org_service.organizations_for(g.catalog, current_actor())
    counts: dict[str, int] = {}
    for org, _n in rows:
        counts[org.org_type] = counts.get(org.org_type, 0) + 1
    if wanted:
        rows = [(o, n) for o, n in rows if o.org_type == wanted]
    return render_template(
        "partners/organizations.html",
        cards=organization_cards(rows),
        counts=counts,
        wanted=wanted,
        types=list(vocab.ORG_TYPES),
    )


@bp.get("/partners")
def partner_list():
    return render_template("partners/partners.html", rows=partners.list_partners(g.catalog))


@bp.get("/organization/<ref>")
def organization(ref: str):
    try:
        org, count = org_service.organization_for(g.catalog, current_actor(), ref)
    except NotFound:
        merged_into = organization_merge.alias_target(g.catalog, ref)
        if merged_into is None:
            raise
        return redirect(url_for("partners.organization", ref=merged_into), 301)
    if ref not in (org.name, org.id):  # an old address: one answer, the current one
        return redirect(
            url_for(
                "partners.organization", ref=org.name, **dict[str, Any](request.args.to_dict())
            ),
            301,
        )
    actor = current_actor()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    result, notice = None, None
    try:
        result = g.catalog.search.search(
            SearchQuery(
                filters={"publisher": [org.name]},
                facets=(),
                sort="modified",
                page=min(page, 500),
                page_size=ORG_PAGE_SIZE,
            )
        )
    except SearchUnavailable:
        notice = _("The dataset list is temporarily unavailable.")
        page_cache.skip()
    pages = max(1, -(-(result.total if result else 0) // ORG_PAGE_SIZE))
    member = actor.member_of(org.id)
    return render_template(
        "partners/organization.html",
        org=org,
        count=count,
        result=result,
        page=page,
        pages=pages,
        notice=notice,
        quality=publisher_quality(g.catalog, org.id),
        is_member=member,
        is_admin=actor.admin_of(org.id),
        show_contact=org_service.may_see_contact(actor, org),
        drafts=len(
            [d for d in curation.workspace(g.catalog, actor, org.id) if d.status != "published"]
        )
        if member
        else 0,
    )


# -- applying ------------------------------------------------------------------------------
def _apply_form(values: dict, errors: dict, org=None):
    return render_template(
        "partners/apply.html",
        values=values,
        errors=errors,
        org=org,
        types=[(t, vocab.label("org_type", t, locale())) for t in partners.APPLY_TYPES],
    )


@bp.route("/partners/apply", methods=["GET", "POST"])
@login_required
def apply():
    if request.method == "GET":
        return _apply_form(
            {"contact_email": current_user.email, "contact_name": current_user.name}, {}
        )
    values = values_of(request.form, multi=("fields_of_data",))
    data = {k: values.get(k) for k in partners.APPLY_FIELDS if k in values}
    data["fields_of_data"] = values.get("fields_of_data", [])
    try:
        org = partners.apply(
            g.catalog,
            current_actor(),
            data,
            review_link=lambda name: absolute_url("curation.partner", ref=name),
        )
    except ValidationFailed as exc:
        return _apply_form(values, field_errors(exc)), 422
    flash_message(
        _(
            "Your application has been received. The data bureau will review it; you will be "
            "told by e-mail and on this page."
        ),
        "success",
    )
    return redirect(url_for("partners.organization", ref=org.name))


def _org_form_values(org) -> dict:
    values = {k: getattr(org, k) or "" for k in partners.APPLY_FIELDS}
    values["fields_of_data"] = list(org.fields_of_data or [])
    return values


@bp.route("/organization/<ref>/edit", methods=["GET", "POST"])
@login_required
def edit(ref: str):
    org, _n = org_service.organization_for(g.catalog, current_actor(), ref)
    actor = current_actor()
    if not (actor.is_curator or actor.admin_of(org.id)):
        abort(403)
    if request.method == "GET":
        return _apply_form(_org_form_values(org), {}, org)
    values = values_of(request.form, multi=("fields_of_data",))
    data = {k: values.get(k) for k in partners.APPLY_FIELDS if k in values}
    data["fields_of_data"] = values.get("fields_of_data", [])
    try:
        if org.partner_status == "rejected" and request.form.get("reapply"):
            partners.reapply(g.catalog, actor, org.name, data)
            flash_message(_("Your application has been sent again."), "success")
        else:
            partners.update_profile(g.catalog, actor, org.name, data)
            flash_message(_("The organization's profile has been saved."), "success")
    except ValidationFailed as exc:
        return _apply_form(values, field_errors(exc), org), 422
    return redirect(url_for("partners.organization", ref=org.name))


# -- members -------------------------------------------------------------------------------
def _members_page(org, errors: dict | None = None, values: dict | None = None, status: int = 200):
    rows, invites = partners.members(g.catalog, current_actor(), org.name)
    return (
        render_template(
            "partners/members.html",
            org=org,
            rows=rows,
            invites=invites,
            errors=errors or {},
            values=values or {"role": "member"},
            is_admin=current_actor().is_curator or current_actor().admin_of(org.id),
        ),
        status,
    )


@bp.get("/organization/<ref>/members")
@login_required
def members(ref: str):
    org, _n = org_service.organization_for(g.catalog, current_actor(), ref)
    return _members_page(org)


@bp.post("/organization/<ref>/members")
@login_required
def change_members(ref: str):
    org, _n = org_service.organization_for(g.catalog, current_actor(), ref)
    actor, form = current_actor(), request.form
    action = form.get("action")
    try:
        if action == "invite":
            outcome = partners.invite(
                g.catalog,
                actor,
                org.name,
                form.get("email", ""),
                form.get("role", "member"),
                accept_link=lambda token: absolute_url("partners.invitation", token=token),
                org_link=lambda name: absolute_url("partners.organization", ref=name),
            )
            if outcome == "added":
                flash_message(
                    _("The account was added to the organization and told by e-mail."), "success"
                )
            else:
                flash_message(
                    _(
                        "There is no account with this address yet: an invitation was sent by e-mail."
                    ),
                    "success",
                )
        elif action == "role":
            partners.set_member_role(
                g.catalog, actor, org.name, form.get("user", ""), form.get("role", "")
            )
            flash_message(_("The member's role was changed."), "success")
        elif action == "remove":
            partners.remove_member(g.catalog, actor, org.name, form.get("user", ""))
            flash_message(_("The member was removed."), "success")
        elif action == "revoke":
            partners.revoke_invitation(
                g.catalog, actor, org.name, form.get("invitation", 0, type=int)
            )
            flash_message(_("The invitation was withdrawn."), "success")
        else:
            abort(400)
    except ValidationFailed as exc:
        return _members_page(org, field_errors(exc), values_of(form), 422)
    except Conflict:
        flash_message(_("An organization needs at least one admin."), "error")
        return _members_page(org, status=409)
    return redirect(url_for("partners.members", ref=org.name))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def invitation(token: str):
    info = partners.invitation_info(g.catalog, token)
    if info is None:
        return render_template(
            "error.html", code=404, message=_("This invitation is invalid, used or expired.")
        ), 404
    org, inv = info
    if request.method == "POST" and current_user.is_authenticated:
        try:
            partners.accept_invitation(g.catalog, current_actor(), token, current_user.email)
        except ValidationFailed as exc:
            return render_template(
                "partners/invitation.html", org=org, inv=inv, token=token, errors=field_errors(exc)
            ), 422
        flash_message(_("Welcome to %(org)s.", org=org.title), "success")
        return redirect(url_for("partners.organization", ref=org.name))
    return render_template("partners/invitation.html", org=org, inv=inv, token=token, errors={})
