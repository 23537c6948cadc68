"""Relevance measures of ``python -m bench relevance``: TREC qrels and runs, nDCG@10 and friends.

Definitions (trec_eval conventions, every query of the qrels counts):

* nDCG@10: linear gain (gain = grade), discount 1/log2(rank + 1); the ideal ranking is made
  of every judged grade of the query (trec_eval ``ndcg_cut.10``); 0 when the query has no
  relevant document or the system returned nothing for it.
* P@10: documents of grade >= 1 in the top 10, divided by 10 however many were returned.
* MRR: 1/rank of the first document of grade >= 1 (0 if there is none).
* zero: share of queries for which the system returned nothing.
* unjudged@10: documents of the top 10 with no judgment (they count as not relevant).

A run read from a file is ordered as trec_eval orders it: score descending, ties by docno
descending (the rank column is ignored); a document listed twice keeps its first place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

Qrels = dict[str, dict[str, int]]  # qid -> docid -> grade
Run = dict[str, list[str]]  # qid -> ranked docids

MEASURES = ("ndcg_cut_10", "P_10", "recip_rank", "zero", "unjudged_10")


def read_qrels(path: Path | str) -> Qrels:
    """``qid iteration docid grade`` lines."""
    qrels: Qrels = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 4:
                continue
            qrels.setdefault(parts[0], {})[parts[2]] = int(parts[3])
    return qrels


def order_scored(scored: Iterable[tuple[str, float]]) -> list[str]:
    """Docids of ``(docid, score)`` pairs in trec_eval's order, each once."""
    ranked = sorted(scored, key=lambda x: (x[1], x[0]), reverse=True)
    seen: set[str] = set()
    out = []
    for doc, _score in ranked:
        if doc not in seen:
            seen.add(doc)
            out.append(doc)
    return out


def read_run(path: Path | str) -> Run:
    """``qid Q0 docid rank score tag`` lines, each query's documents in trec_eval's order."""
    scored: dict[str, list[tuple[str, float]]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 6:
                continue
            scored.setdefault(parts[0], []).append((parts[2], float(parts[4])))
    return {q: order_scored(pairs) for q, pairs in scored.items()}


def write_run(path: Path | str, run: Mapping[str, Sequence[tuple[str, float]]], tag: str) -> None:
    """Write ``qid -> [(docid, score), ...]`` (already in rank order) as a TREC run."""
    with open(path, "w", encoding="utf-8") as out:
        for qid, hits in run.items():
            for rank, (doc, score) in enumerate(hits, 1):
                out.write(f"{qid} Q0 {doc} {rank} {score:.4f} {tag}\n")


def read_queries(path: Path | str) -> list[tuple[str, str]]:
    """``qid<TAB>query[<TAB>...]`` lines; a header line (qid / query_id) is skipped."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or (n == 0 and parts[0].strip().lower() in ("qid", "query_id")):
                continue
            out.append((parts[0].strip(), parts[1]))
    return out


def ndcg_at(docs: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    dcg = sum(judged.get(d, 0) / math.log2(i + 2) for i, d in enumerate(docs[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def precision_at(docs: Sequence[str], judged: Mapping[str, int], k: int = 10) -> float:
    return sum(1 for d in docs[:k] if judged.get(d, 0) >= 1) / k


def reciprocal_rank(docs: Sequence[str], judged: Mapping[str, int]) -> float:
    for i, d in enumerate(docs):
        if judged.get(d, 0) >= 1:
            return 1.0 / (i + 1)
    return 0.0


def score_query(docs: Sequence[str], judged: Mapping[str, int]) -> dict[str, float]:
    return {
        "ndcg_cut_10": ndcg_at(docs, judged),
        "P_10": precision_at(docs, judged),
        "recip_rank": reciprocal_rank(docs, judged),
        "zero": 0.0 if docs else 1.0,
        "unjudged_10": float(sum(1 for d in docs[:10] if d not in judged)),
    }


def evaluate(qrels: Qrels, run: Mapping[str, Sequence[str]]) -> dict[str, dict[str, float]]:
    """Per-query figures for every query of ``qrels`` (a query missing from the run: 0)."""
    return {q: score_query(run.get(q, []), qrels[q]) for q in sorted(qrels)}


def mean(per: Mapping[str, Mapping[str, float]], qids: Iterable[str] | None = None) -> dict:
    """The mean of each measure over ``qids`` (default: every query of ``per``)."""
    keep = list(per) if qids is None else [q for q in qids if q in per]
    n = len(keep)
    out: dict[str, float] = {m: (sum(per[q][m] for q in keep) / n if n else 0.0) for m in MEASURES}
    out["num_q"] = n
    return out


def qid_number(qid: str) -> int | None:
    """The trailing number of a qid (``ZH-07`` -> 7), for query groups given as ranges."""
    m = re.search(r"(\d+)$", qid)
    return int(m.group(1)) if m else None
