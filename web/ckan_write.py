"""The write actions of the CKAN-compatible API: package and resource create, update, patch
and delete, as CKAN 2.10+ answers them.

So that a partner's CKAN tooling (``ckanapi load datasets``, ``RemoteCKAN.action.*``) writes
into this catalog unchanged. Each action is POST only, needs a personal API token (sent as
CKAN clients send it: ``Authorization`` raw or ``Bearer``, or ``X-CKAN-API-Key``), turns the
package dict into our fields with ``schemas.formats.ckan`` and calls
``catalog.services.ckan_writes``, which says what each action means in our workflow (a
partner's package is submitted for review, never published unreviewed). Failures come in
CKAN's envelope: ``Validation Error`` 409 with CKAN's field names, ``Authorization Error``
403, ``Not Found Error`` 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO, cast

from flask import g, request
from werkzeug.datastructures import FileStorage

from catalog.errors import Conflict, PermissionDenied, ValidationFailed
from catalog.models import Dataset
from catalog.services import ckan_writes, published
from catalog.services import datasets as dataset_service
from catalog.services.authz import Actor
from catalog.services.uploads import StoredFile
from schemas.formats.ckan import ckan_error_fields, package_dict
from web.downloads import signer
from web.links import absolute_url, site_links

POST_ONLY = "Bad request: JSON Error: Invalid request. Please use POST method for your request"


class WriteRefused(Exception):
    """A write answered with CKAN's Validation Error (409): ``errors`` by CKAN field name."""

    def __init__(self, errors: dict):
        super().__init__("validation error")
        self.errors = errors


def _own_pages() -> str:
    return f"{site_links().base}/dataset/"


def _shown(actor: Actor, ds: Dataset) -> dict:
    ds = dataset_service.get_dataset(g.catalog, actor, ds.id)
    return package_dict(published.dataset_record(actor, ds, signer(actor)), site_links())


def _ref(params: dict, key: str = "id") -> str:
    value = params.get(key)
    if not isinstance(value, str | int) or str(value).strip() == "":
        raise WriteRefused({key: ["Missing value"]})
    return str(value).strip()


def _no_uploads() -> None:
    if request.files:
        raise WriteRefused(
            {
                "upload": [
                    "A package takes no file: create the package, then send the file to "
                    "resource_create as upload."
                ]
            }
        )


def _upload() -> FileStorage | None:
    """The file a CKAN client sent with a resource (multipart field ``upload``, as
    ``ckanapi action resource_create ... upload@file.csv`` sends it)."""
    others = sorted(k for k in request.files if k != "upload")
    if others:
        raise WriteRefused({others[0]: ["Only the field upload takes a file."]})
    file = request.files.get("upload")
    if file is None:
        return None
    if not file.filename:
        raise WriteRefused({"upload": ["The file has no name."]})
    return file


def _file_url(stored: StoredFile) -> str:
    return absolute_url("editor.file", sha=stored.sha256, name=stored.name)


def package_create(params: dict, actor: Actor) -> dict:
    _no_uploads()
    return _shown(actor, ckan_writes.create_package(g.catalog, actor, params, _own_pages()))


def package_update(params: dict, actor: Actor) -> dict:
    ref = _ref(params)
    ds = ckan_writes.update_package(g.catalog, actor, ref, params, _own_pages(), replace=True)
    return _shown(actor, ds)


def package_patch(params: dict, actor: Actor) -> dict:
    ref = _ref(params)
    ds = ckan_writes.update_package(g.catalog, actor, ref, params, _own_pages(), replace=False)
    return _shown(actor, ds)


def package_delete(params: dict, actor: Actor) -> None:
    ckan_writes.delete_package(g.catalog, actor, _ref(params))
    return None


def _resource_shown(actor: Actor, ds: Dataset, position: int) -> dict | None:
    ds = dataset_service.get_dataset(g.catalog, actor, ds.id)
    if position >= len(ds.distributions):
        return None
    wanted = ds.distributions[position].id
    pkg = package_dict(published.dataset_record(actor, ds, signer(actor)), site_links())
    return next((r for r in pkg["resources"] if r["id"] == wanted), None)


def resource_create(params: dict, actor: Actor) -> dict | None:
    ref = _ref(params, "package_id")
    file = _upload()
    if file is not None:
        stream = cast(BinaryIO, file.stream)
        ds, position = ckan_writes.upload_resource(
            g.catalog, actor, ref, stream, file.filename or "", _file_url, add=params
        )
    else:
        ds, position = ckan_writes.change_resources(g.catalog, actor, ref, add=params)
    return _resource_shown(actor, ds, position)


def _resource_change(params: dict, actor: Actor, keep: bool) -> dict | None:
    rid = _ref(params)
    file = _upload()
    ref = ckan_writes.dataset_of_resource(g.catalog, actor, rid)
    if file is not None:
        stream = cast(BinaryIO, file.stream)
        ds, position = ckan_writes.upload_resource(
            g.catalog,
            actor,
            ref,
            stream,
            file.filename or "",
            _file_url,
            replace=(rid, params, keep),
        )
    else:
        ds, position = ckan_writes.change_resources(
            g.catalog, actor, ref, replace=(rid, params, keep)
        )
    return _resource_shown(actor, ds, position)


def resource_update(params: dict, actor: Actor) -> dict | None:
    return _resource_change(params, actor, keep=False)


def resource_patch(params: dict, actor: Actor) -> dict | None:
    return _resource_change(params, actor, keep=True)


def resource_delete(params: dict, actor: Actor) -> None:
    rid = _ref(params)
    ref = ckan_writes.dataset_of_resource(g.catalog, actor, rid)
    ckan_writes.change_resources(g.catalog, actor, ref, remove=rid)
    return None


WRITE_ACTIONS: dict[str, Callable[[dict, Actor], object]] = {
    f.__name__: f
    for f in (
        package_create,
        package_update,
        package_patch,
        package_delete,
        resource_create,
        resource_update,
        resource_patch,
        resource_delete,
    )
}


def run_write(action: str, params: dict, actor: Actor) -> object:
    """One write action, with the service's refusals in CKAN's terms."""
    if not actor.is_authenticated:
        raise PermissionDenied(f"Action {action} requires an authenticated user")
    try:
        return WRITE_ACTIONS[action](params, actor)
    except ValidationFailed as exc:
        raise WriteRefused(ckan_error_fields(exc.messages)) from None
    except Conflict as exc:
        raise WriteRefused({"state": [str(exc)]}) from None
