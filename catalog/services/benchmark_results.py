"""The "evaluated on" register of benchmarks (issue 18, item 2): signed-in users enter a
model's score, curators verify or reject it (audited), and the benchmark page shows the
entries as a leaderboard (verified first), also exported as CSV and JSON.

Per metric, higher is better unless the metric is an error or distance (``LOWER_IS_BETTER``
words: MAE, RMSE, WER, CER, loss, ...). Rejected entries are shown to curators only.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from marshmallow import ValidationError
from sqlalchemy import select

from catalog.errors import Conflict, NotFound, ValidationFailed
from catalog.models import BenchmarkResult, Dataset, User, utcnow
from catalog.services import audit, authz
from catalog.services.authz import Actor
from catalog.services.records import by_name_or_id
from schemas.benchmark_result import BenchmarkResultSchema

if TYPE_CHECKING:
    from catalog.context import Catalog

STATES = ("submitted", "verified", "rejected")
LOWER_IS_BETTER = re.compile(
    r"\b(mae|mse|rmse|mape|smape|wer|cer|ter|error|loss|perplexity|ppl|fid|ade|fde|eer|"
    r"latency)\b|错误率|误差",
    re.IGNORECASE,
)
EXPORT_COLUMNS = (
    "rank",
    "model",
    "organization",
    "metric",
    "score",
    "evaluated_on",
    "benchmark_version",
    "link",
    "submitted_by",
    "verified",
    "state",
)


def lower_is_better(metric: str) -> bool:
    return bool(LOWER_IS_BETTER.search(metric))


def _benchmark(session, actor: Actor, ref: str) -> Dataset:
    ds = by_name_or_id(session, Dataset, ref)
    if ds is None or not authz.can_view_dataset(actor, ds) or ds.kind != "benchmark":
        raise NotFound(f"benchmark {ref!r} not found")
    return ds


def submit(cat: Catalog, actor: Actor, ref: str, data: dict) -> BenchmarkResult:
    """A signed-in user's entry; it waits for a curator's verification."""
    authz.require_signed_in(actor)
    try:
        values = BenchmarkResultSchema().load(data)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages_dict) from None
    with cat.session() as s:
        ds = _benchmark(s, actor, ref)
        if ds.status != "published":
            raise ValidationFailed({"model": ["Results are entered on published benchmarks only."]})
        values["benchmark_version"] = values.get("benchmark_version") or ds.version
        result = BenchmarkResult(dataset_id=ds.id, submitted_by=actor.id, **values)
        s.add(result)
        s.flush()
        audit.record(
            s,
            actor,
            "benchmark_result.submit",
            "benchmark_result",
            str(result.id),
            data={"dataset": ds.id, "model": result.model, "metric": result.metric},
        )
        return result


def decide(
    cat: Catalog, actor: Actor, result_id: int, to: str, note: str | None = None
) -> BenchmarkResult:
    """A curator verifies or rejects an entry (a rejection says why); both are audited."""
    authz.require_curator(actor)
    if to not in ("verified", "rejected"):
        raise Conflict(f"cannot decide {to}")
    if to == "rejected" and not (note or "").strip():
        raise ValidationFailed({"note": ["Give a reason."]})
    with cat.session() as s:
        result = s.get(BenchmarkResult, result_id)
        if result is None:
            raise NotFound(f"result {result_id} not found")
        if result.state == to:
            raise Conflict(f"the entry is already {to}")
        before = result.state
        result.state = to
        result.verified_by = actor.id
        result.decided_at = utcnow()
        result.decision_note = (note or "").strip() or None
        audit.record(
            s,
            actor,
            f"benchmark_result.{to}",
            "benchmark_result",
            str(result.id),
            note=result.decision_note,
            data={"dataset": result.dataset_id, "from": before, "to": to},
        )
        return result


@dataclass
class Entry:
    """A leaderboard row: the entry, its rank within its metric and the submitter's name."""

    result: BenchmarkResult
    rank: int | None
    submitted_by: str


@dataclass
class Board:
    """Entries per metric, verified first, then by score."""

    metrics: list[tuple[str, bool, list[Entry]]]  # (metric, lower is better, entries)

    @property
    def count(self) -> int:
        return sum(len(e) for _m, _l, e in self.metrics)


def leaderboard(cat: Catalog, actor: Actor, ds: Dataset) -> Board:
    with cat.read_session() as s:
        states = STATES if actor.is_curator else ("submitted", "verified")
        rows = list(
            s.execute(
                select(BenchmarkResult).where(
                    BenchmarkResult.dataset_id == ds.id, BenchmarkResult.state.in_(states)
                )
            ).scalars()
        )
        ids = {r.submitted_by for r in rows if r.submitted_by}
        names = (
            dict(s.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}
        )
    by_metric: dict[str, list[BenchmarkResult]] = {}
    for r in rows:
        by_metric.setdefault(r.metric, []).append(r)
    order = {m: i for i, m in enumerate(ds.metrics or [])}
    metrics = []
    for metric in sorted(by_metric, key=lambda m: (order.get(m, len(order)), m)):
        lower = lower_is_better(metric)
        state_order = {"verified": 0, "submitted": 1, "rejected": 2}
        results = sorted(
            by_metric[metric],
            key=lambda r: (state_order[r.state], r.score if lower else -r.score, r.id),
        )
        entries, rank = [], 0
        for r in results:
            if r.state == "verified":
                rank += 1
            entries.append(
                Entry(
                    result=r,
                    rank=rank if r.state == "verified" else None,
                    submitted_by=names.get(r.submitted_by or "", ""),
                )
            )
        metrics.append((metric, lower, entries))
    return Board(metrics)


def get_benchmark(cat: Catalog, actor: Actor, ref: str) -> Dataset:
    with cat.read_session() as s:
        return _benchmark(s, actor, ref)


def _row(e: Entry) -> dict:
    r = e.result
    return {
        "rank": e.rank,
        "model": r.model,
        "organization": r.organization,
        "metric": r.metric,
        "score": r.score,
        "evaluated_on": r.evaluated_on.isoformat() if isinstance(r.evaluated_on, date) else None,
        "benchmark_version": r.benchmark_version,
        "link": r.link,
        "submitted_by": e.submitted_by,
        "verified": r.state == "verified",
        "state": r.state,
    }


def export_rows(board: Board) -> list[dict]:
    return [_row(e) for _m, _l, entries in board.metrics for e in entries]


def _cell(value: object) -> str:
    """Text as a spreadsheet keeps it: never a formula (=, +, -, @, tab, CR first)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | int):
        return repr(value) if isinstance(value, float) else str(value)
    text = value.isoformat() if isinstance(value, datetime | date) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(board: Board) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    for row in export_rows(board):
        writer.writerow([_cell(row[c]) for c in EXPORT_COLUMNS])
    return out.getvalue()
