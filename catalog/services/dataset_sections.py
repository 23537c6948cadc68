"""The sections of a dataset's page kept in other tables (its property-rights registrations
and the programme badges it earned), read in one read-only session.

Each was a session of its own (a ``BEGIN IMMEDIATE`` on SQLite, a commit, a close) for what
is nearly always an empty answer: about 1.2 ms of a dataset page's 6-7 ms of CPU (issue 17,
item 5). The rules stay in ``registrations`` and ``nominations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from catalog.models import Dataset
from catalog.services import nominations, registrations
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog


def registrations_and_badges(
    cat: Catalog, actor: Actor, ds: Dataset
) -> tuple[list[registrations.RegistrationView], list[dict]]:
    """(the registrations ``actor`` may see, the dataset's programme badges)."""
    with cat.read_session() as s:
        return registrations.of_dataset_in(s, actor, ds), nominations.badges_in(s, ds.id)
