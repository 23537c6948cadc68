"""The open list (开放清单) pages: the public list with filters, any published version, the
comparison of two versions and the exports; the curators' working copy and publishing."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import flash as flash_message
from flask_babel import gettext as _

from catalog.errors import CatalogError, NotFound, ValidationFailed
from catalog.services import harvest, openlist, openlist_fill, openlist_picker, organizations
from web.forms import field_errors, values_of
from web.i18n import label, localized
from web.logins import curator_required, current_actor

bp = Blueprint("openlist", __name__)

ENTRY_FORM = (
    "resource_code",
    "title",
    "source_department",
    "domain",
    "openness",
    "open_mode",
    "frequency",
    "data_formats",
    "dataset",
)


# A city's list runs to thousands of items; one page of them reads quickly and renders
# in a few milliseconds, and the filters, counts and exports still cover the whole list.
PUBLIC_PAGE_SIZE = 200


def _page_arg(value: str | None) -> int:
    """The page asked for; anything that is not a page number is the first page."""
    text = (value or "").strip()
    return (
        int(text)
        if text.isascii() and text.isdigit() and 0 < len(text) < 7 and int(text) > 0
        else 1
    )


def _public_page(number: int | str):
    versions = openlist.versions(g.catalog)
    if not versions:
        return render_template(
            "openlist/public.html", version=None, versions=[], entries=[], shown=[]
        )
    version, entries = openlist.version_entries(g.catalog, current_actor(), number)
    if version is None:  # the working copy has its own page
        abort(404)
    filters = {k: request.args.get(k, "").strip() for k in openlist.FILTERS}
    shown = openlist.filter_entries(entries, filters)
    pages = max(1, -(-len(shown) // PUBLIC_PAGE_SIZE))
    page = min(_page_arg(request.args.get("page")), pages)
    start = (page - 1) * PUBLIC_PAGE_SIZE
    previous = next((v["number"] for v in versions if v["number"] < version["number"]), None)
    return render_template(
        "openlist/public.html",
        version=version,
        versions=versions,
        entries=entries,
        shown=shown,
        page_entries=shown[start : start + PUBLIC_PAGE_SIZE],
        page=page,
        pages=pages,
        first_shown=start + 1,
        filters=filters,
        facets=openlist.facet_values(entries),
        previous=previous,
        is_latest=version["number"] == versions[0]["number"],
    )


@bp.get("/openlist")
def public():
    return _public_page("latest")


@bp.get("/openlist/v/<int:number>")
def version(number: int):
    return _public_page(number)


@bp.get("/openlist/v/<version>.<any(csv, xlsx, json):fmt>")
def export(version: str, fmt: str):
    if version != "latest" and not (version.isascii() and version.isdigit()):
        abort(404)
    out = openlist.export(g.catalog, version, fmt)
    resp = Response(out.body, mimetype=out.mimetype)
    resp.headers["Content-Disposition"] = f'attachment; filename="{out.filename}"'
    return resp


def _version_arg(value: str | None) -> int | str:
    if value in ("latest", openlist.WORKING):
        return value
    try:
        return int(value or "")
    except ValueError:
        abort(400)


@bp.get("/openlist/diff")
def diff():
    old = _version_arg(request.args.get("from"))
    new = _version_arg(request.args.get("to"))
    if openlist.WORKING in (old, new) and not current_actor().is_curator:
        abort(404)
    result = openlist.diff(g.catalog, current_actor(), old, new)
    return render_template(
        "openlist/diff.html", diff=result, versions=openlist.versions(g.catalog), old=old, new=new
    )


# -- the curators' working copy ------------------------------------------------------------
def _working_page(errors: dict | None = None, values: dict | None = None, status: int = 200):
    actor = current_actor()
    entries = openlist.working_entries(g.catalog, actor)
    versions = openlist.versions(g.catalog)
    pending = openlist.diff(g.catalog, actor, "latest", openlist.WORKING) if versions else None
    conflicts = openlist.conflicts(g.catalog, actor)
    disputed = {c.entry_id for c in conflicts}
    return (
        render_template(
            "openlist/working.html",
            entries=entries,
            versions=versions,
            pending=pending,
            conflicts=conflicts,
            disputed=disputed,
            errors=errors or {},
            values=values or {"openness": "unconditional"},
        ),
        status,
    )


def _entry_input(form) -> dict:
    data = {k: form.get(k, "") for k in ENTRY_FORM}
    data["data_formats"] = [
        x.strip() for x in data["data_formats"].replace("，", ",").split(",") if x.strip()
    ]
    return data


@bp.get("/curation/openlist")
@curator_required
def working():
    return _working_page()


@bp.post("/curation/openlist/add")
@curator_required
def add():
    try:
        if request.form.get("from_dataset"):
            openlist.add_from_dataset(
                g.catalog, current_actor(), request.form["from_dataset"].strip()
            )
        else:
            openlist.add_entry(g.catalog, current_actor(), _entry_input(request.form))
    except ValidationFailed as exc:
        return _working_page(field_errors(exc), values_of(request.form), 422)
    except NotFound:
        return _working_page(
            {"from_dataset": [_("No dataset has this name.")]}, values_of(request.form), 422
        )
    flash_message(_("Added to the working list."), "success")
    return redirect(url_for("openlist.working"))


@bp.route("/curation/openlist/<int:entry_id>/edit", methods=["GET", "POST"])
@curator_required
def edit(entry_id: int):
    entry = openlist.get_working_entry(g.catalog, current_actor(), entry_id)
    if request.method == "GET":
        values = {k: entry.get(k) or "" for k in ENTRY_FORM}
        values["data_formats"] = ", ".join(entry["data_formats"])
        values["dataset"] = entry.get("dataset") or ""
        return render_template("openlist/edit.html", entry=entry, values=values, errors={})
    try:
        openlist.update_entry(g.catalog, current_actor(), entry_id, _entry_input(request.form))
    except ValidationFailed as exc:
        return (
            render_template(
                "openlist/edit.html",
                entry=entry,
                values=values_of(request.form),
                errors=field_errors(exc),
            ),
            422,
        )
    flash_message(_("The item was saved."), "success")
    return redirect(url_for("openlist.working"))


@bp.post("/curation/openlist/<int:entry_id>/remove")
@curator_required
def remove(entry_id: int):
    openlist.remove_entry(g.catalog, current_actor(), entry_id)
    flash_message(_("Removed from the working list."), "success")
    return redirect(url_for("openlist.working"))


@bp.post("/curation/openlist/publish")
@curator_required
def publish():
    try:
        v = openlist.publish(g.catalog, current_actor(), request.form.get("note"))
    except ValidationFailed as exc:
        return _working_page(field_errors(exc), status=422)
    flash_message(_("Version %(n)s of the open list is published.", n=v["number"]), "success")
    return redirect(url_for("openlist.version", number=v["number"]))


@bp.post("/curation/openlist/<int:entry_id>/resolve")
@curator_required
def resolve(entry_id: int):
    """Settle an item that disagrees with its dataset: one openness for both."""
    try:
        openlist.resolve(g.catalog, current_actor(), entry_id, request.form.get("openness", ""))
    except ValidationFailed as exc:
        return _working_page(field_errors(exc), status=422)
    flash_message(_("The item and its dataset now have the same openness."), "success")
    return redirect(url_for("openlist.working") + "#conflicts")


# -- many datasets at once: the picker and a department's sheet ------------------------------
def _pick_filters(args) -> dict[str, str]:
    return {k: (args.get(k) or "").strip() for k in openlist_fill.FILTERS}


def _pick_page(filters: dict[str, str], errors: dict | None = None, status: int = 200):
    actor = current_actor()
    total, rows = 0, list[dict]()
    if any(filters.values()):
        try:
            total, rows = openlist_fill.candidates(g.catalog, actor, filters)
        except NotFound:
            errors = {"source": [_("No harvest source has this name.")]}
    orgs = [
        (o.name, o.title) for o, _n in organizations.list_organizations(g.catalog, "government")
    ]
    sources = [(s["name"], s["name"]) for s in harvest.source_records(g.catalog, actor)]
    return (
        render_template(
            "openlist/pick.html",
            filters=filters,
            total=total,
            rows=rows,
            orgs=orgs,
            sources=sources,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/curation/openlist/pick")
@curator_required
def pick():
    return _pick_page(_pick_filters(request.args))


@bp.get("/curation/openlist/pick/suggest")
@curator_required
def pick_suggest():
    """The picker's search as you type (static/js/openlist_pick.js): the listable datasets
    the text may mean, with department, openness and whether each is on the list."""
    text = request.args.get("q", "")
    try:
        limit = int(request.args.get("limit") or openlist_picker.DEFAULT_LIMIT)
    except ValueError:
        abort(400)
    rows = openlist_picker.suggest(g.catalog, current_actor(), text, limit)
    for r in rows:
        # what the option shows, in the page's language
        r["shown_title"] = localized(r, "title")
        r["shown_department"] = localized(r, "department")
        r["openness_label"] = (
            _("Not known (held for review)")
            if r["under_review"]
            else label(r["openness"], "openness")
        )
        r["url"] = url_for("pages.dataset", ref=r["name"])
    return jsonify({"query": text, "datasets": rows})


def _wants_json() -> bool:
    """The picker's script adds a dataset without leaving the page: it asks for JSON."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


@bp.post("/curation/openlist/pick")
@curator_required
def pick_add():
    filters = _pick_filters(request.form)
    try:
        if request.form.get("all"):
            result = openlist_fill.add_matching(g.catalog, current_actor(), filters)
        else:
            chosen = request.form.getlist("dataset")
            if not chosen:
                raise ValidationFailed({"dataset": ["Choose at least one dataset."]})
            result = openlist_fill.add_datasets(g.catalog, current_actor(), chosen)
    except ValidationFailed as exc:
        if _wants_json():
            return jsonify({"errors": field_errors(exc)}), 422
        return _pick_page(filters, field_errors(exc), 422)
    if _wants_json():
        return jsonify(
            {
                "added": result.added,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped": len(result.skipped),
                "held": result.held,
                "message": _filled_message(result),
            }
        )
    _say_filled(result)
    return redirect(url_for("openlist.working"))


def _filled_message(result: openlist_fill.FillResult) -> str:
    return _(
        "Working list: %(a)s added, %(u)s updated, %(k)s already there, %(s)s skipped; "
        "%(h)s await an openness decision.",
        a=result.added,
        u=result.updated,
        k=result.unchanged,
        s=len(result.skipped),
        h=result.held,
    )


def _say_filled(result: openlist_fill.FillResult) -> None:
    flash_message(_filled_message(result), "success")


@bp.post("/curation/openlist/import")
@curator_required
def import_sheet():
    """A department's sheet straight onto the working list: kept as a spreadsheet source
    (``to_openlist``), harvested now in this request (a sheet of a few thousand rows takes
    seconds), its rows' datasets put on the list."""
    from harvesters.pipeline import run_job

    upload = request.files.get("sheet")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed({"sheet": ["The file is empty."]})
        job = openlist_fill.register_sheet(
            g.catalog,
            current_actor(),
            filename=upload.filename,
            data=upload.read(),
            region=request.form.get("region"),
        )
        job = harvest.start_job(g.catalog, job.id)
    except ValidationFailed as exc:
        errors = field_errors(exc)
        if "file" in errors:
            errors["sheet"] = errors.pop("file")
        return _working_page(errors, status=422)
    except CatalogError as exc:
        return _working_page({"sheet": [str(exc)]}, status=409)
    outcome = run_job(g.catalog, job)
    log = harvest.get_job(g.catalog, job.id).log or ""
    flash_message(
        _(
            "Sheet read (job %(job)s, %(state)s): %(new)s new, %(upd)s updated, "
            "%(same)s unchanged, %(err)s errors.",
            job=job.id,
            state=label(outcome.state, "job_state"),
            new=outcome.counts.new,
            upd=outcome.counts.updated,
            same=outcome.counts.unchanged,
            err=outcome.counts.errors,
        ),
        "success" if outcome.state == "done" else "warning",
    )
    if "NO OPENNESS COLUMN" in log:
        flash_message(
            _("The sheet has no openness column: its rows await an openness decision."),
            "warning",
        )
    if outcome.state == "failed":
        flash_message(_("The sheet could not be read: %(why)s", why=outcome.message), "error")
    return redirect(url_for("openlist.working"))
