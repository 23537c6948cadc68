"""What a CKAN client's write means in our workflow (``package_create`` ... ``resource_delete``).

So that a partner's CKAN tooling (``ckanapi load datasets``, scripts written for any CKAN)
feeds this catalog through the same rules as the pages and the JSON API: every change is a
call of :mod:`catalog.services.datasets` (validation, permissions, review, audit, index),
and the choices here only say which calls a CKAN action makes:

* **create**: a curator's package is published at once; a partner's is created as a draft
  and submitted for review, as if they had pressed "submit" (``state: "draft"`` or
  ``private: true`` keeps it a draft). Nothing a partner sends is published unreviewed.
* **update / patch**: ``datasets.update_dataset`` (so partners' edits of published datasets
  follow whatever review that function asks). A dataset under review is taken back to draft,
  changed and submitted again, so a reviewer always sees what was last sent.
  ``state: "active"`` on a draft submits it (a curator's publishes it), ``"draft"`` keeps or
  takes it back to draft. ``package_update`` empties the CKAN fields it does not name;
  our own fields (openness, resource code, AI fields, ... carried in extras) change only
  when named, so a client that does not know them cannot reset openness by leaving it out.
* **delete**: a published dataset is withdrawn (its page stays and says so), a withdrawn one
  stays withdrawn; other states are refused: drafts are kept, nothing is erased.
* **resources**: the dataset's list of distributions with one added, changed or removed.
* **uploads** (``resource_create`` / ``resource_update`` / ``resource_patch`` with CKAN's
  multipart ``upload`` file): the file is kept as every upload is (``uploads.store``: size
  cap, file types, SHA-256, audit) and the resource links to our download of it, which
  answers only those who may see the distribution (a restricted one stays restricted).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import Dataset, Distribution, Organization
from catalog.services import authz, uploads
from catalog.services import datasets as dataset_service
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from catalog.services.uploads import StoredFile
from schemas.formats.ckan import package_input, resource_input

if TYPE_CHECKING:
    from catalog.context import Catalog

DELETE_NOTE = "deleted through the CKAN API (package_delete)"
TAKEN_BACK_NOTE = "taken back to draft to apply an update sent through the CKAN API"
RESUBMIT_NOTE = "submitted again with an update sent through the CKAN API"
# CKAN fields a ``package_update`` empties when it does not name them (our fields)
_REPLACED = (
    "description",
    "keywords",
    "themes",
    "license",
    "version",
    "landing_page",
    "contact_name",
    "contact_email",
    "source_department",
    "distributions",
)
_EMPTY: dict[str, object] = {"description": "", "keywords": [], "themes": [], "distributions": []}


def _wanted_status(actor: Actor, pkg: dict) -> str | None:
    """The workflow state a package dict asks for: ``active`` is published for curators and
    submitted for partners; ``draft`` (or ``private``) a draft; nothing said, no change."""
    state = pkg.get("state")
    if state == "draft" or pkg.get("private") is True:
        return "draft"
    if state == "active":
        return "published" if actor.is_curator else "submitted"
    return None


def _owner(cat: Catalog, actor: Actor, pkg: dict) -> str | None:
    """Our organization's name for the package's ``owner_org`` (our id or name), else its
    ``organization.name``; a package from another portal names an organization we do not
    know: it goes to the caller's organization when they belong to exactly one."""
    org_dict = pkg.get("organization")
    refs = [pkg.get("owner_org"), org_dict.get("name") if isinstance(org_dict, dict) else None]
    refs = [str(r) for r in refs if isinstance(r, str) and r.strip()]
    with cat.session() as s:
        for ref in refs:
            org = by_name_or_id(s, Organization, ref)
            if org is not None:
                return org.name
        if len(actor.org_roles) == 1 and not actor.is_curator:
            only = s.get(Organization, next(iter(actor.org_roles)))
            if only is not None:
                return only.name
    if refs:
        raise ValidationFailed({"organization": ["Organization does not exist"]})
    if not actor.is_curator:
        raise ValidationFailed({"organization": ["An organization must be provided"]})
    return None


def _distributions(resources: object, existing: list[dict]) -> tuple[list[dict], dict[int, str]]:
    """Our distributions from CKAN resources; a resource naming one of ``existing`` by id
    keeps what it does not say, and its uploaded file while its link stays."""
    if not isinstance(resources, list):
        raise ValidationFailed({"distributions": ["Must be a list of resources."]})
    by_id = {d["id"]: d for d in existing}
    dists: list[dict] = []
    files: dict[int, str] = {}
    for res in resources:
        if not isinstance(res, dict):
            raise ValidationFailed({"distributions": ["Each resource must be an object."]})
        was = by_id.get(str(res.get("id") or ""))
        dist = resource_input(res, was)
        if was and was.get("stored_file") and was.get("download_url") == dist.get("download_url"):
            files[len(dists)] = was["stored_file"]
        dists.append(dist)
    return dists, files


def _current(cat: Catalog, actor: Actor, ref: str) -> tuple[Dataset, list[dict]]:
    ds = dataset_service.get_dataset(cat, actor, ref)  # others' drafts look missing: 404
    authz.require(authz.can_edit_dataset(actor, ds), "not allowed to edit this dataset")
    return ds, dataset_service.snapshot(ds)["distributions"]


def create_package(cat: Catalog, actor: Actor, pkg: dict, own_pages: str | None) -> Dataset:
    """``package_create``: see the module's note for the state it lands in."""
    authz.require_signed_in(actor)
    values = package_input(pkg, own_pages)
    files: dict[int, str] = {}
    if "resources" in pkg:
        values["distributions"], files = _distributions(pkg["resources"], [])
    values["organization"] = _owner(cat, actor, pkg)
    wanted = _wanted_status(actor, pkg) or ("published" if actor.is_curator else "submitted")
    status = "published" if wanted == "published" else "draft"
    values = {k: v for k, v in values.items() if v is not None}
    ds = dataset_service.create_dataset(cat, actor, values, status=status, files=files or None)
    if wanted == "submitted":
        ds = dataset_service.change_status(cat, actor, ds.id, "submitted")
    return ds


def _changes(
    cat: Catalog,
    actor: Actor,
    ds: Dataset,
    existing: list[dict],
    pkg: dict,
    own_pages: str | None,
    replace: bool,
) -> tuple[dict, dict[int, str]]:
    """Our fields to change from a package dict (``replace``: package_update's emptying)."""
    values = package_input(pkg, own_pages)
    files: dict[int, str] = {}
    if "resources" in pkg:
        values["distributions"], files = _distributions(pkg["resources"], existing)
    if "owner_org" in pkg or "organization" in pkg:
        org = _owner(cat, actor, pkg)
        if org is not None and (ds.organization is None or org != ds.organization.name):
            values["organization"] = org
    if "extras" in values and "extras" not in pkg:  # only top-level keys kept: added
        values["extras"] = {**(ds.extras or {}), **values["extras"]}
    if replace:
        for key in _REPLACED:
            values.setdefault(key, _EMPTY.get(key))
    if values.get("name") is None:
        values.pop("name", None)  # a name cannot be emptied
    return values, files


def write(
    cat: Catalog,
    actor: Actor,
    ds: Dataset,
    values: dict,
    files: dict[int, str] | None = None,
    wanted: str | None = None,
) -> Dataset:
    """Change a dataset the CKAN way: update it (taking a submission back to draft and
    submitting it again around the change), then move it to the ``wanted`` state when the
    workflow allows that move."""
    resubmit = ds.status in dataset_service.LOCKED_FOR_EDITORS and not actor.is_curator
    if resubmit:
        dataset_service.load_input(values, partial=True)  # bad input changes nothing
        dataset_service.change_status(cat, actor, ds.id, "draft", TAKEN_BACK_NOTE)
        try:
            ds = dataset_service.update_dataset(cat, actor, ds.id, values, files=files or None)
        except Exception:
            dataset_service.change_status(cat, actor, ds.id, "submitted", RESUBMIT_NOTE)
            raise
        wanted = wanted or "submitted"
    elif values or files:
        ds = dataset_service.update_dataset(cat, actor, ds.id, values, files=files or None)
    if wanted and wanted != ds.status and (ds.status, wanted) in dataset_service.TRANSITIONS:
        note = RESUBMIT_NOTE if resubmit and wanted == "submitted" else None
        ds = dataset_service.change_status(cat, actor, ds.id, wanted, note)
    return ds


def update_package(
    cat: Catalog, actor: Actor, ref: str, pkg: dict, own_pages: str | None, *, replace: bool
) -> Dataset:
    """``package_update`` (``replace``: CKAN fields not named are emptied) and
    ``package_patch`` (only what is named changes)."""
    ds, existing = _current(cat, actor, ref)
    values, files = _changes(cat, actor, ds, existing, pkg, own_pages, replace)
    return write(cat, actor, ds, values, files, _wanted_status(actor, pkg))


def delete_package(cat: Catalog, actor: Actor, ref: str) -> Dataset:
    """``package_delete``: a published dataset is withdrawn; nothing is erased."""
    ds, _existing = _current(cat, actor, ref)
    if ds.status == "withdrawn":
        return ds
    if ds.status != "published":
        raise Conflict(
            f"only a published dataset can be deleted (it is then withdrawn); this one is "
            f"{ds.status}, and drafts are kept"
        )
    return dataset_service.withdraw_dataset(cat, actor, ds.id, DELETE_NOTE)


def dataset_of_resource(cat: Catalog, actor: Actor, resource_id: str) -> str:
    """The id of the dataset holding distribution ``resource_id`` (404 when none)."""
    with cat.session() as s:
        dataset_id = s.execute(
            select(Distribution.dataset_id).where(Distribution.id == resource_id)
        ).scalar()
    if dataset_id is None:
        raise NotFound(f"resource {resource_id!r} not found")
    return dataset_id


def change_resources(
    cat: Catalog,
    actor: Actor,
    ref: str,
    *,
    add: dict | None = None,
    replace: tuple[str, dict, bool] | None = None,
    remove: str | None = None,
    new_file: StoredFile | None = None,
) -> tuple[Dataset, int]:
    """``resource_create`` (``add``), ``resource_update``/``resource_patch`` (``replace``:
    resource id, the resource, whether fields it does not name are kept) and
    ``resource_delete`` (``remove``); the dataset and the position of the resource.
    ``new_file``: an uploaded file the added or replaced resource holds now (its hash and
    size replace what the resource had)."""
    ds, existing = _current(cat, actor, ref)
    resources: list[dict] = [{"id": d["id"]} for d in existing]  # each kept as it is
    position = len(resources)
    if add is not None:
        resources.append({k: v for k, v in add.items() if k != "id"})
    target = replace[0] if replace else remove
    if target is not None:
        position = next((i for i, d in enumerate(existing) if d["id"] == target), -1)
        if position < 0:
            raise NotFound(f"resource {target!r} not found")
        if replace:
            _rid, res, keep = replace
            if not keep:  # CKAN's resource_update: what the resource does not say is emptied
                was = existing[position]
                res = {
                    "restricted": was.get("restricted"),
                    "access_url": was.get("access_url"),
                    "download_url": was.get("download_url"),
                    "hash": "",
                    "size": None,
                    "description": "",
                    "format": "",
                    "mimetype": "",
                    **res,
                }
            resources[position] = {**res, "id": target}
        else:
            del resources[position]
    dists, files = _distributions(resources, existing)
    if new_file is not None and (add is not None or replace is not None):
        files[position] = new_file.key
        dists[position].update(sha256=new_file.sha256, byte_size=new_file.byte_size)
    ds = write(cat, actor, ds, {"distributions": dists}, files)
    return ds, position


def upload_resource(
    cat: Catalog,
    actor: Actor,
    ref: str,
    stream: BinaryIO,
    filename: str,
    file_url: Callable[[StoredFile], str],
    *,
    add: dict | None = None,
    replace: tuple[str, dict, bool] | None = None,
) -> tuple[Dataset, int]:
    """``resource_create`` / ``resource_update`` / ``resource_patch`` with a file (CKAN's
    ``upload``): as :func:`change_resources`, the resource being the stored file at our
    download URL (``file_url``, made by the web layer), its size and SHA-256 the file's.

    Whether the caller may edit the dataset is checked before a byte is stored; a refused
    file (too large, a type not taken, empty) is a Validation Error on ``upload``, CKAN's
    field, with our message."""
    _current(cat, actor, ref)
    try:
        stored = uploads.store(cat, actor, stream, filename)
    except ValidationFailed as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {}
        raise ValidationFailed({"upload": messages.get("file") or [str(exc)]}) from None
    link = file_url(stored)
    sent = dict(add if add is not None else replace[1] if replace else {})
    res = {
        **sent,
        "url": link,
        "download_url": link,
        "access_url": None,
        "size": stored.byte_size,
        "hash": f"sha256:{stored.sha256}",
        "format": sent.get("format") or stored.format,
        "mimetype": sent.get("mimetype") or stored.media_type,
    }
    if sent.get("name") or not (replace and replace[2]):  # a patch keeps the name it had
        res["name"] = sent.get("name") or stored.name
    if replace is not None:
        return change_resources(
            cat, actor, ref, replace=(replace[0], res, replace[2]), new_file=stored
        )
    return change_resources(cat, actor, ref, add=res, new_file=stored)
