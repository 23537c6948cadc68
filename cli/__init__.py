"""The ``catalog`` command: everything an operator does, from one entry point.

It lives above the packages it composes (catalog, harvesters, web), so that nothing in
``catalog`` imports the layers built on it."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click
from tqdm import tqdm

from catalog.context import open_catalog
from catalog.errors import CatalogError, ValidationFailed

if TYPE_CHECKING:
    from catalog.context import Catalog


def _cat():
    return open_catalog()


def _fail(exc: CatalogError) -> None:
    if isinstance(exc, ValidationFailed):
        raise click.ClickException(
            "invalid input:\n" + json.dumps(exc.localized("en"), ensure_ascii=False, indent=2)
        )
    raise click.ClickException(str(exc))


@click.group()
def main() -> None:
    """Data Partner Catalog: operator commands. Settings come from CATALOG_* variables."""


@main.command()
def init() -> None:
    """Create or migrate the database and create the search index if it is missing."""
    cat = _cat()
    cat.migrate()
    cat.create_index_if_missing()
    click.echo(f"database ready at {cat.engine.url.render_as_string(hide_password=True)}")
    health = cat.search.health()
    where = health.get("path") or health.get("index") or cat.settings.search_url
    click.echo(f"search backend {health.get('backend')} at {where}")


@main.command()
@click.option("--seed", default=7, show_default=True, help="Seed of the demo generator.")
def demo(seed: int) -> None:
    """Load the demo catalog (organizations, open-list entries, partner AI datasets)."""
    from catalog.demo import demo_records
    from catalog.loader import load_demo

    cat = _cat()
    cat.migrate()
    cat.create_index_if_missing()
    total = len(demo_records(seed)[1])
    with tqdm(total=total, desc="demo datasets", unit="ds", file=sys.stderr) as bar:
        added = load_demo(cat, progress=bar.update, seed=seed)
    click.echo(f"added {added['organizations']} organizations and {added['datasets']} datasets")
    if added.get("openlist_versions"):
        click.echo(f"published {added['openlist_versions']} versions of the open list")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=False,
    help="Also run harvest jobs queued from the pages, in a thread of this process.",
)
def serve(host: str, port: int, debug: bool, with_worker: bool) -> None:
    """Serve the web application (a threaded WSGI server; use gunicorn in production, with
    `catalog worker` beside it for harvest jobs)."""
    import threading

    from werkzeug.debug import DebuggedApplication
    from werkzeug.serving import make_server

    from web import create_app

    app = create_app()
    worker, thread = None, None
    if with_worker:
        from harvesters.jobs import Worker

        worker = Worker(app.extensions["catalog"], poll=2.0)
        thread = threading.Thread(target=worker.run, name="harvest-worker", daemon=True)
        thread.start()
    app.debug = debug
    # make_server, not app.run: run_simple prints Werkzeug's development-server banner
    wsgi = DebuggedApplication(app, evalex=True) if debug else app
    server = make_server(host, port, wsgi, threaded=True)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"Serving on http://{shown}:{server.port} (Ctrl-C stops)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None and thread is not None:
            worker.stop()  # the job in hand goes back to the queue at its next record
            thread.join(30)
        server.server_close()


@main.group()
def search() -> None:
    """Search index commands."""


@search.command("rebuild")
def search_rebuild() -> None:
    """Rebuild the search index from the store of record (repairs a missing or corrupt one)."""
    from catalog.services.indexing import count_indexable, rebuild_index

    cat = _cat()
    total = count_indexable(cat)
    with tqdm(total=total, desc="indexing", unit="ds", file=sys.stderr) as bar:
        n = rebuild_index(cat, progress=bar.update)
    click.echo(f"indexed {n} datasets into {cat.settings.index_path}")


@search.command("status")
def search_status() -> None:
    """Show the search backend's health, the published datasets the index lacks and the
    changes queued for it; exits 1 unless the state is ok (so a monitor can run it)."""
    from catalog.services.indexing import index_status

    status = index_status(_cat())
    click.echo(json.dumps(status, ensure_ascii=False))
    if status["state"] != "ok":
        sys.exit(1)


@main.group()
def users() -> None:
    """User accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["user", "curator", "sysadmin"]), default="user")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--org", "org", default=None, help="Organization name to join.")
@click.option("--org-role", type=click.Choice(["member", "admin"]), default="member")
def users_create(
    email: str, name: str, role: str, password: str, org: str | None, org_role: str
) -> None:
    """Create an account (and optionally add it to an organization)."""
    from catalog.services.authz import SYSTEM
    from catalog.services.users import add_member, create_user

    cat = _cat()
    try:
        user = create_user(cat, SYSTEM, email, name, password, role)
        if org:
            add_member(cat, SYSTEM, org, user.id, org_role)
    except CatalogError as exc:
        _fail(exc)
    click.echo(f"created {role} {user.email}")


@main.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_cmd(path: str) -> None:
    """Write organizations and datasets (with distributions) to a JSON Lines file."""
    from catalog.services.records import export_records, write_jsonl

    cat = _cat()
    with open(path, "w", encoding="utf-8") as out:
        n = write_jsonl(
            tqdm(export_records(cat), desc="exporting", unit="rec", file=sys.stderr), out
        )
    click.echo(f"wrote {n} records to {path}")


@main.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_cmd(path: str) -> None:
    """Read a JSON Lines export into this catalog (records with the same id are replaced)."""
    from catalog.services.records import import_jsonl

    cat = _cat()
    cat.migrate()
    cat.create_index_if_missing()
    with (
        open(path, encoding="utf-8") as lines,
        tqdm(desc="importing", unit="rec", file=sys.stderr) as bar,
    ):
        try:
            counts = import_jsonl(cat, lines, progress=bar.update)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(f"imported {counts['organization']} organizations and {counts['dataset']} datasets")


# -- harvesting ----------------------------------------------------------------------------
def _harvest_cat():
    """The catalog, migrated (harvest commands may be the first an operator runs)."""
    cat = _cat()
    cat.migrate()
    cat.create_index_if_missing()
    return cat


def _config_option(value: str | None) -> dict | None:
    """``--config '{"batch_size": 50}'`` or ``--config @settings.json``."""
    if not value:
        return None
    try:
        if value.startswith("@"):
            with open(value[1:], encoding="utf-8") as fh:
                value = fh.read()
        data = json.loads(value)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"not a JSON object: {exc}", param_hint="--config") from None
    if not isinstance(data, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--config")
    return data


def _progress_bar(label: str):
    """A tqdm bar on stderr and the callback the pipeline reports to."""
    bar = tqdm(desc=label, unit="rec", file=sys.stderr, dynamic_ncols=True)

    def update(n: int, counts) -> None:
        bar.update(n)
        bar.set_postfix_str(
            f"{counts.new} new, {counts.updated} upd, {counts.unchanged} same, {counts.errors} err",
            refresh=False,
        )

    return bar, update


def _run_claimed(cat: Catalog, job, label: str) -> None:
    """Run a job this process claimed, with a progress bar; print the summary line."""
    import signal

    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM
    from harvesters.pipeline import run_job

    interrupted = []
    previous = signal.signal(signal.SIGINT, lambda *_: interrupted.append(True))
    bar, update = _progress_bar(label)
    try:
        outcome = run_job(cat, job, progress=update, should_stop=lambda: bool(interrupted))
    finally:
        bar.close()
        signal.signal(signal.SIGINT, previous)
    if outcome.state == "queued":  # interrupted here: do not leave it for a worker
        svc.cancel_job(cat, SYSTEM, job.id)
        click.echo(f"cancelled: {outcome.counts.summary()}")
        sys.exit(130)
    if outcome.message and outcome.state == "failed":
        click.echo(f"job {job.id} failed: {outcome.message}", err=True)
    elif outcome.counts.errors:
        click.echo(f"job {job.id}: see the errors with `catalog harvest show {job.id}`", err=True)
    click.echo(outcome.message if job.job_type == "linkcheck" else outcome.summary)
    if outcome.state in ("failed", "cancelled"):
        sys.exit(1)


@main.group()
def harvest() -> None:
    """Harvest sources and jobs: CKAN, DCAT, data.json, open lists, Croissant, cards."""


@harvest.command("kinds")
def harvest_kinds() -> None:
    """List the installed source kinds."""
    from harvesters.registry import kinds

    for name, doc in kinds().items():
        click.echo(f"{name:12} {doc}")


def _register(
    cat: Catalog,
    name: str | None,
    kind: str,
    url: str,
    org: str | None,
    config: str | None,
    trusted: bool,
    schedule: str | None,
):
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    return svc.register_source(
        cat,
        SYSTEM,
        name=name or svc.default_source_name(kind, url),
        kind=kind,
        url=url,
        organization=org,
        config=_config_option(config),
        trusted=trusted,
        schedule=schedule,
    )


_source_options = [
    click.option("--org", default=None, help="Owner organization (name)."),
    click.option("--config", default=None, help="JSON object, or @file.json, of options."),
    click.option(
        "--trusted/--review",
        default=False,
        help="Publish records directly, or send them to review (default).",
    ),
    click.option("--schedule", default=None, help="hourly, daily, weekly, monthly, 6h, 30m..."),
]


def _with_source_options(fn):
    for opt in reversed(_source_options):
        fn = opt(fn)
    return fn


@harvest.command("add")
@click.argument("name")
@click.option("--kind", required=True)
@click.option("--url", required=True, help="URL, folder or file of the source.")
@_with_source_options
def harvest_add(
    name: str,
    kind: str,
    url: str,
    org: str | None,
    config: str | None,
    trusted: bool,
    schedule: str | None,
) -> None:
    """Register a harvest source."""
    cat = _harvest_cat()
    try:
        src = _register(cat, name, kind, url, org, config, trusted, schedule)
    except CatalogError as exc:
        _fail(exc)
    click.echo(f"added source {src.name} ({src.kind}) #{src.id}")


@harvest.command("run")
@click.argument("name", required=False)
@click.option("--kind", default=None, help="With --url: register the source and run it.")
@click.option("--url", default=None)
@click.option("--name", "new_name", default=None, help="Name for a source registered here.")
@_with_source_options
@click.option("--full", is_flag=True, help="Ignore watermark and hashes: re-read everything.")
@click.option("--force-withdraw", is_flag=True, help="Withdraw even if most records vanished.")
@click.option("--queue", "queue_only", is_flag=True, help="Queue it for `catalog worker`.")
@click.option(
    "--to-openlist",
    is_flag=True,
    help="Then put the source's datasets on the working open list (a department's sheet).",
)
def harvest_run(
    name: str | None,
    kind: str | None,
    url: str | None,
    new_name: str | None,
    org: str | None,
    config: str | None,
    trusted: bool,
    schedule: str | None,
    full: bool,
    force_withdraw: bool,
    queue_only: bool,
    to_openlist: bool,
) -> None:
    """Run a source now: `harvest run NAME`, or `harvest run --kind KIND --url URL`."""
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    if bool(name) == bool(kind and url) or bool(kind) != bool(url):
        raise click.UsageError("give a source NAME, or --kind and --url")
    cat = _harvest_cat()
    try:
        if name:
            src = svc.get_source(cat, name)
        elif kind and url:
            src = svc.find_source(cat, kind, url) or _register(
                cat, new_name, kind, url, org, config, trusted, schedule
            )
        else:  # ruled out above
            raise click.UsageError("give a source NAME, or --kind and --url")
        flags = (("full", full), ("force_withdraw", force_withdraw), ("to_openlist", to_openlist))
        options = {k: True for k, v in flags if v}
        job = svc.enqueue_job(cat, SYSTEM, src.id, options=options)
        if queue_only:
            click.echo(f"queued job {job.id} for source {src.name}")
            return
        job = svc.start_job(cat, job.id)
    except CatalogError as exc:
        _fail(exc)
    _run_claimed(cat, job, src.name)


@harvest.command("preview")
@click.argument("name", required=False)
@click.option("--kind", default=None, help="With --url: preview a source not registered yet.")
@click.option("--url", default=None, help="URL, folder or file of the source.")
@click.option("--config", default=None, help="JSON object, or @file.json, of options.")
@click.option("--trusted/--review", default=False, help="As the source would be registered.")
@click.option("--rows", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--scan",
    default=None,
    type=click.IntRange(1),
    help="Records read to find refused and held ones [spreadsheets 10,000, others --rows].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the preview as JSON.")
def harvest_preview(
    name: str | None,
    kind: str | None,
    url: str | None,
    config: str | None,
    trusted: bool,
    rows: int,
    scan: int | None,
    as_json: bool,
) -> None:
    """What a run would store, hold or refuse, writing nothing: the header row found, where
    each column goes, the first rows as they would be stored, every row refused or held."""
    from catalog.services import harvest_preview as previews
    from catalog.services.authz import SYSTEM

    if bool(name) == bool(kind and url) or bool(kind) != bool(url):
        raise click.UsageError("give a source NAME, or --kind and --url")
    cat = _cat()  # reads only: no migration, nothing written
    try:
        if name:
            result = previews.preview_source(cat, SYSTEM, name, limit=rows, scan=scan)
        else:
            result = previews.preview(
                cat,
                SYSTEM,
                kind=kind or "",
                url=url or "",
                config=_config_option(config),
                trusted=trusted,
                limit=rows,
                scan=scan,
            )
    except CatalogError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(previews.as_dict(result), ensure_ascii=False, indent=2, default=str))
    else:
        for line in previews.as_text(result):
            click.echo(line)
    if result.error:
        sys.exit(1)


@harvest.command("linkcheck")
@click.argument("name", required=False)
@click.option("--allow-private", is_flag=True, help="Also check private/loopback addresses.")
@click.option("--timeout", default=10.0, show_default=True, type=float)
@click.option("--queue", "queue_only", is_flag=True, help="Queue it for `catalog worker`.")
def harvest_linkcheck(
    name: str | None, allow_private: bool, timeout: float, queue_only: bool
) -> None:
    """Check the distribution links of one source's datasets (or of all datasets)."""
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    cat = _harvest_cat()
    options = {"allow_private": allow_private, "timeout": timeout}
    try:
        job = svc.enqueue_job(cat, SYSTEM, name, job_type="linkcheck", options=options)
        if queue_only:
            click.echo(f"queued link check job {job.id}")
            return
        job = svc.start_job(cat, job.id)
    except CatalogError as exc:
        _fail(exc)
    _run_claimed(cat, job, "links")
    from catalog.services.link_status import broken_links_by_publisher

    for publisher, n in broken_links_by_publisher(cat).items():
        click.echo(f"  {publisher}: {n} broken")


@harvest.command("list")
def harvest_list() -> None:
    """Sources with their latest job."""
    from catalog.services import harvest as svc

    cat = _harvest_cat()
    for src, last, n in svc.list_sources(cat):
        state = f"job {last.id} {last.state}" if last else "never run"
        flags = ("trusted" if src.trusted else "review") + ("" if src.active else ", inactive")
        click.echo(
            f"{src.name}  [{src.kind}] {src.url}\n"
            f"    {n} datasets, {flags}, schedule {src.schedule or 'manual'}, {state}"
        )


@harvest.command("jobs")
@click.option("--source", default=None)
@click.option("--limit", default=20, show_default=True)
def harvest_jobs(source: str | None, limit: int) -> None:
    """Recent jobs, newest first (dead workers' jobs are shown failed, not running)."""
    from catalog.services import harvest as svc

    cat = _harvest_cat()
    try:
        jobs = svc.list_jobs(cat, source, limit)
    except CatalogError as exc:
        _fail(exc)
    for j in jobs:
        when = j.started_at or j.created_at
        click.echo(
            f"#{j.id} {j.job_type} source={j.source_id or '-'} {j.state} "
            f"{when:%Y-%m-%d %H:%M:%S}  {j.count_new} new, {j.count_updated} updated, "
            f"{j.count_unchanged} unchanged, {j.count_withdrawn} withdrawn, {j.count_errors} errors"
        )


@harvest.command("show")
@click.argument("job_id", type=int)
@click.option("--errors", "max_errors", default=50, show_default=True)
def harvest_show(job_id: int, max_errors: int) -> None:
    """A job's log and its per-record errors."""
    from catalog.services import harvest as svc

    cat = _harvest_cat()
    try:
        job = svc.get_job(cat, job_id)
    except CatalogError as exc:
        _fail(exc)
    click.echo(f"job {job.id}: {job.state} (worker {job.worker or '-'})")
    click.echo(job.log.rstrip())
    for e in svc.job_errors(cat, job_id, max_errors):
        click.echo(f"  [{e.stage}] {e.remote_id or '-'}: {e.reason}")


@harvest.command("cancel")
@click.argument("job_id", type=int)
def harvest_cancel(job_id: int) -> None:
    """Cancel a queued job or stop a running one at its next heartbeat."""
    from catalog.services import harvest as svc
    from catalog.services.authz import SYSTEM

    try:
        job = svc.cancel_job(_harvest_cat(), SYSTEM, job_id)
    except CatalogError as exc:
        _fail(exc)
    click.echo(f"job {job.id} cancelled")


@harvest.command("release")
@click.argument("dataset")
@click.argument("field")
def harvest_release(dataset: str, field: str) -> None:
    """Give a field a person edited back to the harvest (the next run sets it)."""
    from catalog.services.authz import SYSTEM
    from catalog.services.datasets import release_field

    try:
        release_field(_harvest_cat(), SYSTEM, dataset, field)
    except CatalogError as exc:
        _fail(exc)
    click.echo(f"{field} of {dataset} follows its harvest source again")


@main.command()
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between queue checks.")
@click.option("--max-jobs", default=None, type=int, help="Exit after this many jobs.")
def worker(once: bool, poll: float, max_jobs: int | None) -> None:
    """Run queued and scheduled harvest jobs until stopped (SIGTERM/Ctrl-C)."""
    import logging

    from harvesters.jobs import Worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    cat = _harvest_cat()
    w = Worker(cat, poll=poll, on_job=lambda o: click.echo(f"job {o.job_id} {o.summary}"))
    w.install_signal_handlers()
    click.echo(f"worker {w.name} started", err=True)
    n = w.run(max_jobs=max_jobs, idle_exit=once)
    click.echo(f"worker {w.name} stopped after {n} jobs", err=True)


# -- content hashes ------------------------------------------------------------------------
@main.group("files")
def files_group() -> None:
    """Content hashes and previews of linked files (run from cron, never on a request)."""


@files_group.command("check")
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=200 * 1024 * 1024,
    show_default=True,
    help="Largest file fetched; a larger one is refused by its Content-Length or cut off.",
)
@click.option(
    "--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Files per run."
)
@click.option(
    "--recheck-days",
    type=click.IntRange(min=0),
    default=None,
    help="Also fetch again files hashed more than this many days ago (a change is recorded).",
)
@click.option("--delay", type=float, default=0.0, help="Seconds between two requests.")
def files_check(max_bytes: int, limit: int, recheck_days: int | None, delay: float) -> None:
    """Fetch URL distributions without a hash, within a size cap: store sha256, size and a
    preview of tabular files; a changed hash is a new version and an audit event. The
    URLs of restricted distributions are never printed."""
    from datetime import timedelta

    from catalog.models import utcnow
    from catalog.services.content import pending
    from harvesters.filecheck import check_files

    cat = _harvest_cat()
    before = utcnow() - timedelta(days=recheck_days) if recheck_days is not None else None
    total = len(pending(cat, limit, before))
    with tqdm(total=total, desc="files", unit="file", file=sys.stderr) as bar:
        report = check_files(
            cat,
            max_bytes=max_bytes,
            limit=limit,
            recheck_before=before,
            config={"crawl_delay": delay},
            on_file=lambda _t, _o: bar.update(1),
        )
    for line in report.errors or []:
        click.echo(f"failed: {line}", err=True)
    click.echo(report.summary())


# -- access requests -----------------------------------------------------------------------
@main.group("access")
def access_group() -> None:
    """Access requests: reminders of overdue reviews, expiry of grants (run daily, e.g. cron)."""


def _request_link(cat: Catalog):
    base = (cat.settings.extra.get("base_url") or "").rstrip("/")
    return lambda rid: f"{base}/access/request/{rid}"


@access_group.command("remind")
def access_remind() -> None:
    """E-mail the reviewers of requests past their due date (at most once a day each)."""
    from catalog.services import access

    cat = _harvest_cat()
    n = access.remind_overdue(cat, link=_request_link(cat))
    click.echo(f"{n} reminders sent")


@access_group.command("expire")
def access_expire() -> None:
    """Mark approved requests whose end date has passed as expired."""
    from catalog.services import access

    cat = _harvest_cat()
    n = access.expire_due(cat, link=_request_link(cat))
    click.echo(f"{n} grants expired")


# -- benchmarks (issue 18) -----------------------------------------------------------------
@main.group("benchmarks")
def benchmarks_group() -> None:
    """Benchmark integrity: pinned versions and contamination evidence."""


@benchmarks_group.command("check")
def benchmarks_check() -> None:
    """Pin published benchmarks not pinned yet and recompute every contamination finding
    (to start over, e.g. after a change of the thresholds); each change and each harvest
    batch already does it for the datasets it wrote."""
    import time

    from catalog.services import benchmarks, contamination
    from catalog.services.authz import SYSTEM

    cat = _harvest_cat()
    started = time.perf_counter()
    pinned = benchmarks.pin_all(cat, SYSTEM)
    found = contamination.refresh_all(cat)
    took = time.perf_counter() - started
    click.echo(f"{pinned} benchmarks pinned, {found} contamination findings ({took:.2f} s)")


# -- follow and notify ----------------------------------------------------------------------
@main.group("notices")
def notices_group() -> None:
    """Notices of what users follow (run e.g. hourly or daily from cron)."""


@notices_group.command("send")
def notices_send() -> None:
    """Look for news of every follow (changed datasets, new datasets of followed
    organizations, new matches of saved searches), then e-mail each user one digest of
    what is pending, with a one-click unsubscribe link."""
    from catalog.services import notifications

    cat = _harvest_cat()
    made = notifications.collect(cat)
    base = cat.settings.extra.get("base_url") or ""
    sent = notifications.send_digests(cat, base)
    click.echo(f"{made} new notices, {sent} digests sent")


@main.group("curation")
def curation_group() -> None:
    """The bureau's review work: the curators' daily e-mail of what waits for them."""


@curation_group.command("digest")
@click.option("--force", is_flag=True, help="Send even when notices are not set to daily.")
def curation_digest(force: bool) -> None:
    """E-mail the curators the submissions and changes waiting for review (run daily when
    extra.curator_notices is "daily"); nothing is sent when nothing waits."""
    from catalog.services import revisions

    cat = _harvest_cat()
    base = (cat.settings.extra.get("base_url") or "").rstrip("/")
    sent = revisions.send_digest(cat, lambda: f"{base}/curation", force=force)
    click.echo("digest sent" if sent else "no digest sent")


@main.group("names")
def names_group() -> None:
    """Addresses of datasets and organizations."""


@names_group.command("readable")
@click.option("--dry-run", is_flag=True, help="Print the renames without making them.")
def names_readable(dry_run: bool) -> None:
    """Give records with an opaque name (dataset-2b2a78899d, org-1a2b3c4d) a readable one
    (resource code, English title or pinyin); the old addresses redirect."""
    from catalog.services import names
    from catalog.services.authz import SYSTEM

    cat = _harvest_cat()
    renamed = names.readable_names(cat, SYSTEM, dry_run=dry_run)
    for r in renamed:
        click.echo(f"{r.object_type}\t{r.old}\t{r.new}")
    click.echo(f"{len(renamed)} {'to rename' if dry_run else 'renamed'}")


if __name__ == "__main__":
    main()
