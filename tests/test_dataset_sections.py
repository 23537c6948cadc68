"""The dataset page's registrations and badges (``catalog/services/dataset_sections.py``):
one statement asks whether there are any, and only then are they read, so the answer must be
what ``registrations.of_dataset`` and ``nominations.badges_of`` give for every visitor and
state -- none, a record the public sees, one only its holder sees, a nomination not (yet)
selected. SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import event

from catalog.services import dataset_sections, nominations, registrations
from catalog.services.authz import ANONYMOUS
from tests.portal import credit_code
from tests.test_nominations_service import nominate, open_round, w  # noqa: F401 -- fixture
from tests.test_registrations_service import entry

HOLDER = credit_code(11)  # the credit code of the nominations fixture's organization


def _both(world, who):
    """What the page reads, beside what the two services read on their own."""
    cat, ds = world.cat, world.ds
    sections = dataset_sections.registrations_and_badges(cat, who, ds)
    alone = (registrations.of_dataset(cat, who, ds), nominations.badges_of(cat, ds.id))
    ids = ([v.reg.id for v in sections[0]], sections[1])
    return ids, ([v.reg.id for v in alone[0]], alone[1])


def _selects(world, who) -> int:
    """The SELECT statements the page's sections cost (SQLite's BEGIN not counted)."""
    n = [0]

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        n[0] += statement.lstrip().upper().startswith("SELECT")

    event.listen(world.cat.engine, "before_cursor_execute", count)
    try:
        dataset_sections.registrations_and_badges(world.cat, who, world.ds)
    finally:
        event.remove(world.cat.engine, "before_cursor_execute", count)
    return n[0]


def test_sections_match_the_services_for_every_visitor_and_state(w):  # noqa: F811
    visitors = (ANONYMOUS, w.m, w.r, w.c)
    for who in visitors:
        got, want = _both(w, who)
        assert got == want == ([], [])
    assert _selects(w, ANONYMOUS) == 1  # nothing to show: one statement, no ORM reads

    returned = registrations.add_registration(
        w.cat, w.m, "weld-defects", entry(w, holder_credit_code=HOLDER, number="A-1")
    )
    registrations.decide(w.cat, w.c, returned.id, "returned", "证书扫描件不清晰")
    for who in visitors:  # only the holder and the bureau see a returned record
        got, want = _both(w, who)
        assert got == want
    assert _both(w, ANONYMOUS)[0] == ([], [])
    assert _both(w, w.m)[0][0] == [returned.id]

    public = registrations.add_registration(
        w.cat, w.m, "weld-defects", entry(w, holder_credit_code=HOLDER, number="B-2")
    )
    for who in visitors:
        got, want = _both(w, who)
        assert got == want
    assert _both(w, ANONYMOUS)[0][0] == [public.id]

    r = open_round(w)
    nom = nominations.nominate(w.cat, w.m, r.id, nominate(w))
    nominations.set_shortlisted(w.cat, w.c, nom.id, True)
    assert _both(w, ANONYMOUS)[0][1] == []  # shortlisted is not selected
    nominations.set_outcome(w.cat, w.c, nom.id, "city_selected")
    for who in visitors:
        got, want = _both(w, who)
        assert got == want
    assert _selects(w, ANONYMOUS) == 3  # there is something: the two reads follow
    assert [b["outcome"] for b in _both(w, ANONYMOUS)[0][1]] == ["city_selected"]
