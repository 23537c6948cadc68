"""Names of new harvested datasets, as ``datasets.write_harvested`` gives them one by one
(the record's name when free, else ``base``, ``base-2``, ...), allocated per batch with the
counters of the run remembered in :class:`LoadState`."""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.models import Dataset, NameAlias
from catalog.services import names
from catalog.services.batching import chunks


class LoadState:
    """What the batches of one run share: the next free counter of each dataset name base
    (``traffic-data``, ``traffic-data-2``, ...), so that names earlier records took are not
    probed again one query at a time. Bounded: a base it forgot is probed again."""

    MAX_BASES = 50_000

    def __init__(self) -> None:
        self.next_n: OrderedDict[str, int] = OrderedDict()

    def remember(self, base: str, n: int) -> None:
        self.next_n[base] = n
        self.next_n.move_to_end(base)
        if len(self.next_n) > self.MAX_BASES:
            self.next_n.popitem(last=False)

    def forget(self) -> None:
        self.next_n.clear()


_PROBE = 64
# counters probed for every base of a batch in one query before any base is probed on its
# own: a base seen for the first time is nearly always free at ``-2``
_FIRST_WINDOW = 8


def allocate_names(s: Session, state: LoadState, batch: list[dict]) -> list[str]:
    """Names of new datasets, as ``datasets.write_harvested`` gives them one by one: the
    record's name when it is free, else the first free of ``base``, ``base-2``, ``base-3``
    ... (``datasets._unique_name``). Taken names are looked up per batch: the records'
    names, then their bases and the first counters of every base the run has not counted
    yet, in one query each; a base taken that far is probed in windows, and counters are
    remembered for the run."""
    wanted = [v.get("name") for v in batch]
    taken: set[str] = set()
    for chunk in chunks({w for w in wanted if w}):
        taken.update(s.execute(select(Dataset.name).where(Dataset.name.in_(chunk))).scalars())
    # the base of each record whose own name is missing or taken (computed once: an opaque
    # base carries a random suffix)
    bases: dict[int, str] = {}
    for i, (values, w) in enumerate(zip(batch, wanted, strict=True)):
        if not w or w in taken:
            bases[i] = _base(values, w)
    probed = {b for b in bases.values() if not names.OPAQUE_DATASET.match(b)}
    window = {
        f"{b}-{n}" for b in probed if b not in state.next_n for n in range(2, 2 + _FIRST_WINDOW)
    }
    known_taken = _taken_among(s, probed | window)
    used: set[str] = set()  # given to earlier records of this batch
    out = []
    for i, (values, w) in enumerate(zip(batch, wanted, strict=True)):
        if w and w not in taken and w not in used:
            name = w
        else:
            # the base datasets._unique_name counts from: a name taken, else the resource
            # code, the English title or the pinyin of the title (names.dataset_base)
            base = bases[i] if i in bases else _base(values, w)
            fresh = base not in used and base not in taken
            # an opaque base has a random suffix: it is new
            if names.OPAQUE_DATASET.match(base) or (
                fresh and not _taken(s, base, probed, known_taken)
            ):
                name = base
            else:
                name = _first_counter(state, base, used, known_taken, window)
                if name is None:
                    name = _counter_name(s, state, base, used)
        used.add(name)
        out.append(name)
    return out


def _base(values: dict, wanted: str | None) -> str:
    return names.dataset_base({**values, "resource_code": wanted or values.get("resource_code")})


def _taken_among(s: Session, candidates: set[str]) -> set[str]:
    """Which of these names a dataset has, or had (old addresses keep their records)."""
    out: set[str] = set()
    for chunk in chunks(candidates):
        out.update(s.execute(select(Dataset.name).where(Dataset.name.in_(chunk))).scalars())
        out.update(
            s.execute(
                select(NameAlias.old_name).where(
                    NameAlias.object_type == "dataset", NameAlias.old_name.in_(chunk)
                )
            ).scalars()
        )
    return out


def _first_counter(
    state: LoadState, base: str, used: set[str], known_taken: set[str], window: set[str]
) -> str | None:
    """``base-N`` from the batch's first window, when the run has not counted this base yet
    and a counter in that window is free (None: probe on)."""
    if base in state.next_n:
        return None
    for n in range(2, 2 + _FIRST_WINDOW):
        name = f"{base}-{n}"
        if name not in window:
            return None  # the base was not probed with the batch
        if name not in known_taken and name not in used:
            state.remember(base, n + 1)
            return name
    return None


def _taken(s: Session, base: str, probed: set[str], known_taken: set[str]) -> bool:
    """Whether a base is taken: known when the batch probed it, else asked."""
    return base in known_taken if base in probed else _name_taken(s, base)


def _name_taken(s: Session, name: str) -> bool:
    return names._taken(s, Dataset, name)


def _counter_name(s: Session, state: LoadState, base: str, used: set[str]) -> str:
    n = state.next_n.get(base)
    if n is not None:  # every counter below it is taken (by this run or before it)
        while f"{base}-{n}" in used:
            n += 1
        state.remember(base, n + 1)
        return f"{base}-{n}"
    n = 2
    while True:
        window = [f"{base}-{i}" for i in range(n, n + _PROBE)]
        exists = set(s.execute(select(Dataset.name).where(Dataset.name.in_(window))).scalars())
        exists |= set(  # old addresses keep pointing at their records
            s.execute(
                select(NameAlias.old_name).where(
                    NameAlias.object_type == "dataset", NameAlias.old_name.in_(window)
                )
            ).scalars()
        )
        for i, name in enumerate(window):
            if name not in exists and name not in used:
                state.remember(base, n + i + 1)
                return name
        n += _PROBE
