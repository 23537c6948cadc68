"""The sections of a dataset's page kept in other tables (its property-rights registrations
and the programme badges it earned), read together.

Each was a session of its own (a ``BEGIN IMMEDIATE`` on SQLite, a commit, a close) for what
is nearly always an empty answer: about 1.2 ms of a dataset page's 6-7 ms of CPU (issue 17,
item 5). Then one read-only session with two ORM queries, still about 1 ms of a first
render. Now one Core statement on a pooled connection asks whether the dataset has any row
in either table (both answered from the ``dataset_id`` indexes); only a dataset that has one
pays the ORM queries. The connection is the read-only engine's: on SQLite a plain
``engine.connect()`` begins ``IMMEDIATE``, taking the write lock every reader of every
worker then waits for. The rules stay in ``registrations`` and ``nominations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, select

from catalog.models import DataRegistration, Dataset, Nomination
from catalog.services import nominations, registrations
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog


def _any_rows(cat: Catalog, dataset_id: str) -> tuple[bool, bool]:
    """(whether the dataset has registrations of any state, whether it has a selection)."""
    query = select(
        exists().where(DataRegistration.dataset_id == dataset_id),
        exists().where(
            Nomination.dataset_id == dataset_id, Nomination.outcome.in_(nominations.SELECTED)
        ),
    )
    with cat.read_engine.connect() as conn:
        regs, badges = conn.execute(query).one()
    return bool(regs), bool(badges)


def registrations_and_badges(
    cat: Catalog, actor: Actor, ds: Dataset
) -> tuple[list[registrations.RegistrationView], list[dict]]:
    """(the registrations ``actor`` may see, the dataset's programme badges)."""
    any_regs, any_badges = _any_rows(cat, ds.id)
    if not (any_regs or any_badges):
        return [], []
    with cat.read_session() as s:
        regs = registrations.of_dataset_in(s, actor, ds) if any_regs else []
        return regs, nominations.badges_in(s, ds.id) if any_badges else []
