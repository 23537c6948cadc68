"""Names of a batch's new datasets (``harvest_names.allocate_names``, issue 17: looked up per
batch): as ``datasets.write_harvested`` gives them one by one -- the base, then the first
free counter, never an old address -- whether the counter lies in the first window probed
for the whole batch or beyond it. SQLite and PostgreSQL."""

from __future__ import annotations

from catalog.models import Dataset, NameAlias, new_id
from catalog.services.harvest_names import LoadState, allocate_names


def _taken(s, *names: str) -> None:
    for name in names:
        s.add(Dataset(id=new_id(), name=name, title=name))


def test_counters_skip_names_and_old_addresses_within_and_beyond_the_first_window(db):
    with db.session() as s:
        _taken(s, "bus-lines", "bus-lines-2", "parks", "schools")
        _taken(s, *(f"parks-{n}" for n in range(2, 12)))  # beyond the first window
        s.add(NameAlias(object_type="dataset", old_name="bus-lines-3", object_id="gone"))
    state = LoadState()
    batch = [
        {"title_en": "Bus lines", "title": "公交线路"},
        {"title_en": "Parks", "title": "公园"},
        {"name": "schools", "title_en": "Schools", "title": "学校"},
        {"title_en": "Bus lines", "title": "公交线路"},
        {"title_en": "Libraries", "title": "图书馆"},  # free: its base
        {"title_en": "Libraries", "title": "图书馆"},
        {"title_en": "Parks", "title": "公园"},
    ]
    with db.session() as s:
        got = allocate_names(s, state, batch)
    assert got == [
        "bus-lines-4",  # -2 taken, -3 an old address
        "parks-12",
        "schools-2",
        "bus-lines-5",
        "libraries",
        "libraries-2",
        "parks-13",
    ]
    # the next batch goes on from the run's counters
    with db.session() as s:
        again = allocate_names(s, state, [{"title_en": "Bus lines"}, {"title_en": "Parks"}])
    assert again == ["bus-lines-6", "parks-14"]
