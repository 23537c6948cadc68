"""The data bureau's review pages: the queue of submissions and partner applications, the
review of one dataset (what changed since the bureau last sent it back), the decision on a
partner. Curators only; the services check again."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import flash as flash_message
from flask_babel import gettext as _

from catalog.errors import ValidationFailed
from catalog.quality import score_dataset
from catalog.search import SearchUnavailable
from catalog.services import curation, datasets, organizations, partners, revisions, versions
from catalog.services import synonyms as synonym_service
from schemas import vocab
from web.forms import field_errors
from web.i18n import locale
from web.links import absolute_url
from web.logins import curator_required, current_actor

bp = Blueprint("curation", __name__, url_prefix="/curation")


@bp.get("")
@curator_required
def queue():
    actor = current_actor()
    return render_template(
        "curation/queue.html",
        rows=curation.review_queue(g.catalog, actor),
        revisions=revisions.queue(g.catalog, actor),
        applications=partners.pending_applications(g.catalog, actor),
    )


def _changes_since_review(ds) -> tuple[int | None, list]:
    """What the partner changed since the bureau last decided on this dataset."""
    rows = versions.list_versions(g.catalog, current_actor(), ds.id)
    if len(rows) < 2:
        return None, []
    current = rows[0].number
    decided = ("changes_requested", "rejected", "published")
    base = None
    for i in range(1, len(rows)):  # newest first: the snapshot the last decision made
        older = rows[i + 1] if i + 1 < len(rows) else None
        if rows[i].status in decided and (older is None or older.status != rows[i].status):
            base = rows[i].number
            break
    if base is None:
        return None, []
    return base, versions.compare(g.catalog, current_actor(), ds.id, base, current)


def _review_page(ds, errors: dict | None = None, note: str = "", status: int = 200):
    base, changes = _changes_since_review(ds)
    return (
        render_template(
            "curation/review.html",
            ds=ds,
            quality=score_dataset(ds),
            base=base,
            changes=changes,
            errors=errors or {},
            note=note,
            last_note=curation.last_note(g.catalog, ds)[0],
        ),
        status,
    )


@bp.route("/dataset/<ref>", methods=["GET", "POST"])
@curator_required
def review(ref: str):
    ds = datasets.get_dataset(g.catalog, current_actor(), ref)
    if request.method == "GET":
        return _review_page(ds)
    decision = request.form.get("decision", "")
    note = request.form.get("note", "")
    try:
        ds, sent = curation.review(
            g.catalog,
            current_actor(),
            ds.id,
            decision,
            note,
            link=lambda name: absolute_url("pages.dataset", ref=name),
        )
    except ValidationFailed as exc:
        return _review_page(ds, field_errors(exc), note, 422)
    messages = {
        "published": _("Published."),
        "changes_requested": _("Sent back to the partner with your note."),
        "rejected": _("Rejected with your reason."),
    }
    flash_message(
        messages[decision] + ("" if sent else " " + _("The e-mail could not be sent.")), "success"
    )
    return redirect(url_for("curation.queue"))


def _revision_page(rev, errors: dict | None = None, note: str = "", status: int = 200):
    ds = datasets.get_dataset(g.catalog, current_actor(), rev.dataset_id)
    return (
        render_template("curation/revision.html", rev=rev, ds=ds, errors=errors or {}, note=note),
        status,
    )


@bp.route("/revision/<int:revision_id>", methods=["GET", "POST"])
@curator_required
def revision(revision_id: int):
    """A partner's change to a published dataset: the field diff, approve or return."""
    actor = current_actor()
    rev = revisions.get(g.catalog, actor, revision_id)
    if request.method == "GET":
        return _revision_page(rev)
    decision = request.form.get("decision", "")
    note = request.form.get("note", "")
    link = lambda name: absolute_url("pages.dataset", ref=name)  # noqa: E731
    try:
        if decision == "approve":
            revisions.approve(g.catalog, actor, revision_id, note, link=link)
            flash_message(_("The change is published."), "success")
        elif decision == "return":
            revisions.send_back(g.catalog, actor, revision_id, note, link=link)
            flash_message(_("The change was returned to the partner with your note."), "success")
        else:
            return _revision_page(rev, {"decision": [_("Choose a decision.")]}, note, 422)
    except ValidationFailed as exc:
        return _revision_page(rev, field_errors(exc), note, 422)
    return redirect(url_for("curation.queue"))


@bp.route("/partner/<ref>", methods=["GET", "POST"])
@curator_required
def partner(ref: str):
    org = organizations.get_organization(g.catalog, ref)
    errors: dict = {}
    note = ""
    if request.method == "POST":
        note = request.form.get("note", "")
        try:
            org, sent = partners.decide(
                g.catalog,
                current_actor(),
                org.name,
                request.form.get("status", ""),
                note,
                link=lambda name: absolute_url("partners.organization", ref=name),
            )
        except ValidationFailed as exc:
            errors = field_errors(exc)
        else:
            flash_message(
                _(
                    "Decision recorded: %(status)s.",
                    status=vocab.label("partner_status", org.partner_status, locale()),
                )
                if sent
                else _("Decision recorded, but the e-mail could not be sent."),
                "success",
            )
            return redirect(url_for("curation.queue"))
    rows, _invites = partners.members(g.catalog, current_actor(), org.name)
    return (
        render_template("curation/partner.html", org=org, members=rows, errors=errors, note=note),
        422 if errors else 200,
    )


@bp.route("/synonyms", methods=["GET", "POST"])
@curator_required
def synonyms():
    """The synonym list of search: edit it, try a query against the draft, save it."""
    current, source = synonym_service.current_text(g.catalog)
    values = {"synonyms": current, "query": ""}
    errors: dict = {}
    tried = None
    if request.method == "POST":
        values = {
            "synonyms": request.form.get("synonyms", ""),
            "query": request.form.get("query", "").strip(),
            "note": request.form.get("note", ""),
        }
        try:
            if request.form.get("action") == "save":
                n = synonym_service.save(
                    g.catalog, current_actor(), values["synonyms"], values["note"] or None
                )
                flash_message(_("Synonym list saved: %(n)s groups, in use now.", n=n), "success")
                return redirect(url_for("curation.synonyms"))
            if values["query"]:
                tried = synonym_service.preview(
                    g.catalog, current_actor(), values["synonyms"], values["query"]
                )
            else:
                errors = {"query": [_("Type a search to try the list with.")]}
        except ValidationFailed as exc:
            errors = field_errors(exc)
        except SearchUnavailable:
            errors = {"query": [_("Search is unavailable; the list can still be saved.")]}
    return (
        render_template(
            "curation/synonyms.html", values=values, errors=errors, tried=tried, source=source
        ),
        422 if errors else 200,
    )
