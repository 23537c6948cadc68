"""Contamination warnings (issue 18, item 2): a training set that overlaps a benchmark's test
data makes scores on that benchmark meaningless, so both pages say so, with the evidence.

Three kinds of evidence, kept in ``contamination_findings`` and recomputed for a dataset
whenever it changes (``refresh``, called as every change closes; ``catalog benchmarks
check`` recomputes all), so a page reads rows instead of comparing texts on each view:

* ``file_hash``: a file of the training set has the sha256 of a benchmark file of the
  ``test`` or ``full`` split (a benchmark file whose split is not given counts as test data: what a
  benchmark publishes is there to be evaluated on);
* ``declared``: the training set says it was derived from the benchmark;
* ``text``: their titles and descriptions are near-identical: the Jaccard similarity of
  their token sets (Latin words and CJK character bigrams, NFKC-folded) is at least
  ``TEXT_THRESHOLD``, in Chinese or in English. Only datasets whose titles are at least
  ``TITLE_PREFILTER`` alike (as sets of characters) are read in full: titles are short, so a change compares
  against every dataset of the other kind in milliseconds, and descriptions (up to
  100,000 characters) are tokenised for the few candidates only.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from catalog.errors import ValidationFailed
from catalog.models import ContaminationFinding, Dataset, Distribution
from catalog.services import authz
from catalog.services.authz import Actor

if TYPE_CHECKING:
    from catalog.context import Catalog

TEXT_THRESHOLD = 0.8
TITLE_PREFILTER = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_SPACE = frozenset(" \t\n-_,.;:()（）、，。：；")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def tokens(*texts: str | None) -> frozenset[str]:
    """Latin words (two letters or more) and CJK character bigrams of ``texts``."""
    out: set[str] = set()
    for text in texts:
        folded = unicodedata.normalize("NFKC", text or "").lower()
        out.update(w for w in _WORD.findall(folded) if len(w) > 1)
        for run in _CJK.findall(folded):
            out.update(run[i : i + 2] for i in range(max(len(run) - 1, 1)))
    return frozenset(out)


def _letters(text: str | None) -> frozenset[str]:
    """The characters of a title: a cheap, lenient stand-in for its tokens (two texts
    with alike tokens have alike characters), to pick the candidates worth tokenising."""
    return frozenset(unicodedata.normalize("NFKC", text or "").lower()) - _SPACE


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def _texts(ds: Dataset | tuple) -> tuple[frozenset[str], frozenset[str]]:
    title, title_en, desc, desc_en = (
        (ds.title, ds.title_en, ds.description, ds.description_en)
        if isinstance(ds, Dataset)
        else ds
    )
    return tokens(title, desc), tokens(title_en, desc_en)


def similarity(a: Dataset | tuple, b: Dataset | tuple) -> float:
    """The higher of the Chinese and the English similarity of two datasets' texts."""
    (a_zh, a_en), (b_zh, b_en) = _texts(a), _texts(b)
    return max(jaccard(a_zh, b_zh), jaccard(a_en, b_en))


def check_derived_from(session: Session, ds: Dataset) -> None:
    """The datasets a training set names as its origin must exist (by name)."""
    names = list(ds.derived_from or [])
    if not names:
        return
    if ds.name in names:
        raise ValidationFailed({"derived_from": ["A dataset cannot be derived from itself."]})
    known = set(session.execute(select(Dataset.name).where(Dataset.name.in_(names))).scalars())
    missing = [n for n in names if n not in known]
    if missing:
        raise ValidationFailed({"derived_from": [f"No dataset named '{missing[0]}'."]})


def refresh(session: Session, ds: Dataset) -> int:
    """Recompute the findings that involve ``ds``; returns how many there are now."""
    session.execute(
        delete(ContaminationFinding).where(
            or_(
                ContaminationFinding.training_id == ds.id,
                ContaminationFinding.benchmark_id == ds.id,
            )
        )
    )
    if ds.kind not in ("training", "benchmark"):
        return 0
    findings = _hash_findings(session, ds) + _declared(session, ds) + _text_findings(session, ds)
    session.add_all(findings)
    return len(findings)


def _is_test(split: str | None) -> bool:
    return split in (None, "test", "full")


def _hash_findings(session: Session, ds: Dataset) -> list[ContaminationFinding]:
    mine = {
        d.sha256: d
        for d in ds.distributions
        if d.sha256 and (ds.kind == "training" or _is_test(d.split))
    }
    if not mine:
        return []
    other_kind = "benchmark" if ds.kind == "training" else "training"
    rows = session.execute(
        select(Distribution, Dataset.id)
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .where(Distribution.sha256.in_(list(mine)), Dataset.kind == other_kind, Dataset.id != ds.id)
    ).all()
    out, seen = [], set()
    for other, other_id in rows:
        if other_kind == "benchmark" and not _is_test(other.split):
            continue
        mine_d = mine[other.sha256 or ""]
        train_d, bench_d = (mine_d, other) if ds.kind == "training" else (other, mine_d)
        training_id, benchmark_id = (
            (ds.id, other_id) if ds.kind == "training" else (other_id, ds.id)
        )
        if (training_id, benchmark_id, other.sha256) in seen:
            continue
        seen.add((training_id, benchmark_id, other.sha256))
        out.append(
            ContaminationFinding(
                training_id=training_id,
                benchmark_id=benchmark_id,
                kind="file_hash",
                evidence_key=other.sha256,
                evidence={
                    "sha256": other.sha256,
                    "training_file": train_d.title,
                    "training_file_en": train_d.title_en,
                    "benchmark_file": bench_d.title,
                    "benchmark_file_en": bench_d.title_en,
                    "split": bench_d.split or "test",
                },
            )
        )
    return out


def _declared(session: Session, ds: Dataset) -> list[ContaminationFinding]:
    if ds.kind == "training":
        names = list(ds.derived_from or [])
        pairs = (
            session.execute(
                select(Dataset.id, Dataset.name).where(
                    Dataset.name.in_(names), Dataset.kind == "benchmark"
                )
            ).all()
            if names
            else []
        )
        return [_declared_finding(ds.id, bid, name) for bid, name in pairs]
    rows = session.execute(
        select(Dataset.id, Dataset.derived_from).where(Dataset.kind == "training")
    ).all()
    return [
        _declared_finding(tid, ds.id, ds.name)
        for tid, derived in rows
        if ds.name in (derived or [])
    ]


def _declared_finding(training_id: str, benchmark_id: str, name: str) -> ContaminationFinding:
    return ContaminationFinding(
        training_id=training_id,
        benchmark_id=benchmark_id,
        kind="declared",
        evidence_key="derived_from",
        evidence={"derived_from": name},
    )


def _text_findings(session: Session, ds: Dataset) -> list[ContaminationFinding]:
    """Titles first (short: thousands compare in milliseconds), then the whole text of the
    few whose titles are at least ``TITLE_PREFILTER`` alike."""
    other_kind = "benchmark" if ds.kind == "training" else "training"
    titles = session.execute(
        select(Dataset.id, Dataset.title, Dataset.title_en).where(
            Dataset.kind == other_kind, Dataset.id != ds.id
        )
    ).all()
    mine_titles = (_letters(ds.title), _letters(ds.title_en))
    candidates = [
        row.id
        for row in titles
        if max(
            jaccard(mine_titles[0], _letters(row.title)),
            jaccard(mine_titles[1], _letters(row.title_en)),
        )
        >= TITLE_PREFILTER
    ]
    if not candidates:
        return []
    rows = session.execute(
        select(
            Dataset.id,
            Dataset.title,
            Dataset.title_en,
            Dataset.description,
            Dataset.description_en,
        ).where(Dataset.id.in_(candidates))
    ).all()
    mine = _texts(ds)
    out = []
    for row in rows:
        zh, en = _texts(tuple(row[1:]))
        score = max(jaccard(mine[0], zh), jaccard(mine[1], en))
        if score < TEXT_THRESHOLD:
            continue
        training, benchmark = (ds, row) if ds.kind == "training" else (row, ds)
        out.append(
            ContaminationFinding(
                training_id=training.id,
                benchmark_id=benchmark.id,
                kind="text",
                evidence_key="title_description",
                evidence={
                    "similarity": round(score, 3),
                    "training_title": training.title,
                    "training_title_en": training.title_en,
                    "benchmark_title": benchmark.title,
                    "benchmark_title_en": benchmark.title_en,
                },
            )
        )
    return out


@dataclass
class Warning:
    """One contamination warning as a page shows it: the other dataset and the evidence."""

    other: Dataset
    kind: str
    evidence: dict


def warnings_for(cat: Catalog, actor: Actor, ds: Dataset) -> list[Warning]:
    """The findings of ``ds`` whose other dataset the visitor may see (a draft training set
    of another organization is not named on a public benchmark page)."""
    if ds.kind not in ("training", "benchmark"):
        return []
    with cat.read_session() as s:
        mine = (
            ContaminationFinding.training_id
            if ds.kind == "training"
            else ContaminationFinding.benchmark_id
        )
        theirs = (
            ContaminationFinding.benchmark_id
            if ds.kind == "training"
            else ContaminationFinding.training_id
        )
        rows = s.execute(
            select(ContaminationFinding, Dataset)
            .join(Dataset, Dataset.id == theirs)
            .where(mine == ds.id)
            .order_by(Dataset.name, ContaminationFinding.kind, ContaminationFinding.evidence_key)
        ).all()
        return [
            Warning(other=other, kind=f.kind, evidence=dict(f.evidence))
            for f, other in rows
            if authz.can_view_dataset(actor, other)
        ]


def refresh_all(cat: Catalog) -> int:
    """Recompute every finding (``catalog benchmarks check``): datasets written by a
    harvest's bulk inserts, or a change of ``TEXT_THRESHOLD``."""
    with cat.session() as s:
        s.execute(delete(ContaminationFinding))
        count = 0
        ids = s.execute(select(Dataset.id).where(Dataset.kind == "training")).scalars().all()
        for dataset_id in ids:
            ds = s.get(Dataset, dataset_id)
            assert ds is not None
            findings = _hash_findings(s, ds) + _declared(s, ds) + _text_findings(s, ds)
            s.add_all(findings)
            count += len(findings)
        return count
