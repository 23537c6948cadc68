"""The ``catalog`` command: everything an operator does, from one entry point."""

from __future__ import annotations

import json
import sys

import click
from tqdm import tqdm

from catalog.context import open_catalog
from catalog.errors import CatalogError, ValidationFailed


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
    click.echo(f"search index at {cat.settings.index_path}")


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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--debug/--no-debug", default=False)
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the web application (development server; use gunicorn in production)."""
    from web import create_app

    app = create_app()
    app.run(host=host, port=port, debug=debug, threaded=True, use_reloader=False)


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
    """Show the search backend's health and document count."""
    cat = _cat()
    click.echo(json.dumps(cat.search.health(), ensure_ascii=False))


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


if __name__ == "__main__":
    main()
