"""Public HTML pages: home, search, dataset."""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from catalog.quality import score_dataset
from catalog.search import FACETS, BadQuery, SearchQuery, SearchUnavailable
from catalog.services import (
    access,
    authz,
    curation,
    dataset_sections,
    registrations,
    revisions,
    search_analytics,
)
from catalog.services import datasets as dataset_service
from catalog.services import organizations as org_service
from schemas import vocab
from web import page_cache
from web.dataset_rows import metadata_rows
from web.downloads import signer
from web.logins import current_actor
from web.searchargs import CONTROL_ARGS, query_from_args

bp = Blueprint("pages", __name__)

FACET_VOCAB = {
    "theme": "theme",
    "openness": "openness",
    "kind": "kind",
    "license": "license",
    "region": "region",
    "modality": "modality",
    "task": "task",
    "registration": "registration",
    "annotation_type": "annotation_type",
    "annotation_method": "annotation_method",
    "accuracy": "accuracy",
    "samples": "samples",
    "split": "split",
    "license_family": "license_family",
    "updated": "updated",
}
# facets shown in their vocabulary's order (bands, sizes, windows) rather than by count
ORDERED_FACETS = ("accuracy", "samples", "split", "updated")


def _facet_titles() -> dict[str, str]:
    return {f: str(t) for f, t in FACET_TITLES.items()}


FACET_TITLES = {
    "theme": _l("Theme"),
    "publisher": _l("Publisher"),
    "openness": _l("Openness"),
    "kind": _l("Kind"),
    "format": _l("Format"),
    "license": _l("Licence"),
    "region": _l("Region"),
    "modality": _l("Modality"),
    "task": _l("Task"),
    "registration": _l("Property rights"),
    "annotation_type": _l("Annotation type"),
    "annotation_method": _l("Annotation method"),
    "accuracy": _l("Annotation accuracy"),
    "samples": _l("Samples"),
    "split": _l("Has split"),
    "license_family": _l("Commercial use"),
    "updated": _l("Updated"),
    "coverage": _l("Covers year"),
}


def _ordered_facets(facets: dict[str, list[tuple[str, int]]]) -> dict:
    """Bands and windows in their own order, years newest first; others by count."""
    out = dict(facets)
    for f in ORDERED_FACETS:
        if f in out:
            order = list(vocab.VOCABS[f])
            out[f] = sorted(out[f], key=lambda b: order.index(b[0]) if b[0] in order else 99)
    if "coverage" in out:
        out["coverage"] = sorted(out["coverage"], key=lambda b: b[0], reverse=True)
    return out


UNAVAILABLE = _l(
    "Search is temporarily unavailable. The catalog's pages still work; an operator can repair the index with `catalog search rebuild`."
)


def _publisher_labels(query: SearchQuery, result: Any) -> dict[str, tuple[str, str]]:
    """Titles of the publishers the page names: its facet's values and the chosen filters
    (loading every organization cost the search page more than the search)."""
    names = set(query.filters.get("publisher", []))
    if result is not None:
        names.update(v for v, _n in result.facets.get("publisher", []))
    return org_service.titles_of(g.catalog, names)


@bp.route("/lang/<code>")
def switch_language(code: str):
    if code in g.catalog.settings.locales:
        session["lang"] = code
    target = request.args.get("next") or url_for("pages.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("pages.home")
    return redirect(target)


@bp.route("/")
def home():
    cat = g.catalog
    notice = None
    facets: dict = {}
    newest: list = []
    total = 0
    try:
        res = cat.search.search(SearchQuery(facets=("theme", "kind"), sort="modified", page_size=6))
        facets, newest, total = res.facets, [h.doc for h in res.hits], res.total
    except SearchUnavailable:
        notice = str(UNAVAILABLE)
        page_cache.skip()
    featured = dataset_service.featured_datasets(cat)
    return render_template(
        "index.html", facets=facets, newest=newest, featured=featured, total=total, notice=notice
    )


@bp.route("/search")
def search():
    cat = g.catalog
    notice = None
    result = None
    try:
        query = query_from_args(request.args, cat.settings.page_size)
    except BadQuery as exc:
        notice = _(
            "Some search options were not understood and were ignored: %(reason)s", reason=str(exc)
        )
        known = request.args.copy()
        for key in [k for k in known if k not in FACETS and k not in CONTROL_ARGS]:
            known.poplist(key)
        try:  # keep what was understood: dropping every filter would widen the search
            query = query_from_args(known, cat.settings.page_size)
        except BadQuery:
            query = SearchQuery(text=request.args.get("q", ""))
    try:
        started = time.perf_counter()
        result = search_analytics.run(cat, query, "page")
        took = int((time.perf_counter() - started) * 1000)
        total = result.total
        page_cache.on_read(lambda: search_analytics.record(cat, query, total, took, "page"))
        result.facets = _ordered_facets(result.facets)
    except SearchUnavailable:
        notice = str(UNAVAILABLE)
        page_cache.skip()
    pages = 0
    if result:
        pages = max(1, -(-min(result.total, 10_000) // query.page_size))
    return render_template(
        "search.html",
        query=query,
        result=result,
        notice=notice,
        pages=pages,
        facet_order=FACETS,
        facet_titles=_facet_titles(),
        facet_vocab=FACET_VOCAB,
        publishers=_publisher_labels(query, result),
    )


@bp.route("/dataset/<ref>")
def dataset(ref: str):
    """A dataset as the visitor may see it: the public record, or for its editors and the
    bureau also a draft or a submission, with the actions their role allows."""
    cat = g.catalog
    actor = current_actor()
    ds = dataset_service.get_dataset(cat, actor, ref)
    if ref not in (ds.name, ds.id):  # an old address: one answer, the current one
        return redirect(
            url_for("pages.dataset", ref=ds.name, **dict[str, Any](request.args.to_dict())), 301
        )
    dists = dataset_service.visible_distributions(actor, ds)
    hidden = len(ds.distributions) - len(dists)
    try:
        related = dataset_service.related_datasets(cat, ds) if ds.status == "published" else []
    except SearchUnavailable:
        related = []
        page_cache.skip()
    editor = authz.can_edit_dataset(actor, ds)
    # a grant holder reaches restricted resources only through signed, expiring links (never
    # their URL); the dataset's editors see their own links as in the edit form
    sign = signer(actor)
    needs = [d for d in dists if dataset_service.needs_signed_link(actor, ds, d)]
    signed = {d.id: sign(d.id) for d in needs if sign is not None}
    dists = [d for d in dists if d not in needs or d.id in signed]
    requests_here = (
        access.my_requests(cat, actor, ds.id)
        if actor.id is not None and ds.access_rights == "conditional"
        else []
    )
    regs, badges = dataset_sections.registrations_and_badges(cat, actor, ds)
    note = None
    if editor and ds.status in ("changes_requested", "rejected"):
        note = curation.last_note(cat, ds)[0]
    return render_template(
        "dataset.html",
        ds=ds,
        dists=dists,
        hidden=hidden,
        quality=score_dataset(ds),
        metadata=metadata_rows(ds),
        regs={"rows": regs, "may_add": registrations.may_enter(actor, ds)},
        badges=badges,
        related=related,
        is_editor=editor,
        review_note=note,
        revision=revisions.latest(cat, actor, ds.id) if editor else None,
        signed=signed,
        requests_here=requests_here,
        may_review_access=ds.access_rights == "conditional" and access.can_review(actor, ds),
    )
