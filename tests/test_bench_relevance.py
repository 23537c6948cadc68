"""The relevance benchmark's measures (bench/relevance_metrics.py), on a hand-made qrels/run.

The expected figures are worked out by hand below (trec_eval ``ndcg_cut.10`` with linear
gain, P@10, MRR, zero-result share, unjudged@10; every query of the qrels counts). The same
code reproduces the kit's eval.py on the kit's baseline runs to 4 decimals (checked when the
benchmark was written; the kit is not needed here)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench import relevance_metrics as rm

QRELS = """\
Q1 0 a 2
Q1 0 b 1
Q1 0 c 0
Q1 0 d 2
Q2 0 x 1
Q3 0 y 0
Q4 0 z 2
"""

# Q1: c (judged 0), a (2), e (unjudged), b (1); d (2) is never found.
# Q2: the only relevant document first. Q3: nothing relevant exists. Q4: not in the run.
# Q5: in the run but not judged, so it does not count.
RUN = """\
Q1 Q0 c 1 9.0 t
Q1 Q0 a 2 8.0 t
Q1 Q0 e 3 7.0 t
Q1 Q0 b 4 6.0 t
Q2 Q0 x 1 5.0 t
Q3 Q0 y 1 2.0 t
Q3 Q0 w 2 1.0 t
Q5 Q0 q 1 1.0 t
"""


@pytest.fixture
def figures(tmp_path: Path) -> dict:
    (tmp_path / "qrels.txt").write_text(QRELS, encoding="utf-8")
    (tmp_path / "x.run").write_text(RUN, encoding="utf-8")
    qrels = rm.read_qrels(tmp_path / "qrels.txt")
    run = rm.read_run(tmp_path / "x.run")
    return rm.evaluate(qrels, run)


def test_ndcg_at_10_is_linear_gain_with_the_ideal_of_every_judged_grade(figures: dict) -> None:
    # DCG = 0/log2(2) + 2/log2(3) + 0/log2(4) + 1/log2(5)
    dcg = 2 / math.log2(3) + 1 / math.log2(5)
    # ideal: grades 2, 2, 1 (the 0 adds nothing) = 2/1 + 2/log2(3) + 1/log2(4)
    idcg = 2 + 2 / math.log2(3) + 0.5
    assert figures["Q1"]["ndcg_cut_10"] == pytest.approx(dcg / idcg)
    assert round(figures["Q1"]["ndcg_cut_10"], 4) == 0.4499  # 1.6925 / 3.7619
    assert figures["Q2"]["ndcg_cut_10"] == 1.0
    assert figures["Q3"]["ndcg_cut_10"] == 0.0  # no relevant document: 0, and still counted
    assert figures["Q4"]["ndcg_cut_10"] == 0.0  # nothing returned


def test_per_query_precision_rank_zero_and_unjudged(figures: dict) -> None:
    assert set(figures) == {"Q1", "Q2", "Q3", "Q4"}  # Q5 has no judgments: not scored
    assert figures["Q1"] == pytest.approx(
        {"ndcg_cut_10": 0.44992, "P_10": 0.2, "recip_rank": 0.5, "zero": 0.0, "unjudged_10": 1.0},
        abs=1e-5,
    )
    assert figures["Q2"] == {
        "ndcg_cut_10": 1.0,
        "P_10": 0.1,  # one relevant of 10 places, though only one document came back
        "recip_rank": 1.0,
        "zero": 0.0,
        "unjudged_10": 0.0,
    }
    assert figures["Q3"]["P_10"] == 0.0 and figures["Q3"]["recip_rank"] == 0.0
    assert figures["Q3"]["unjudged_10"] == 1.0  # w
    assert figures["Q4"] == {
        "ndcg_cut_10": 0.0,
        "P_10": 0.0,
        "recip_rank": 0.0,
        "zero": 1.0,
        "unjudged_10": 0.0,
    }


def test_means_count_every_query_of_the_qrels(figures: dict) -> None:
    m = rm.mean(figures)
    assert m["num_q"] == 4
    assert round(m["ndcg_cut_10"], 4) == 0.3625  # (0.4499 + 1 + 0 + 0) / 4
    assert m["P_10"] == pytest.approx(0.075)  # (0.2 + 0.1) / 4
    assert m["recip_rank"] == pytest.approx(0.375)  # (0.5 + 1) / 4
    assert m["zero"] == pytest.approx(0.25)  # Q4
    assert m["unjudged_10"] == pytest.approx(0.5)  # (1 + 0 + 1 + 0) / 4
    group = rm.mean(figures, ["Q1", "Q2"])
    assert group["num_q"] == 2 and group["recip_rank"] == pytest.approx(0.75)


def test_a_run_file_is_ordered_like_trec_eval(tmp_path: Path) -> None:
    # the rank column is ignored: score descending, ties by docno descending, first place kept
    (tmp_path / "r.run").write_text(
        "Q1 Q0 a 1 1.0 t\nQ1 Q0 c 2 1.0 t\nQ1 Q0 b 3 2.0 t\nQ1 Q0 b 4 0.5 t\n", encoding="utf-8"
    )
    assert rm.read_run(tmp_path / "r.run") == {"Q1": ["b", "c", "a"]}


def test_written_runs_read_back_in_the_same_order(tmp_path: Path) -> None:
    run = {"Q1": [("d2", 3.0), ("d1", 2.0), ("d3", 1.0)], "Q2": [("x", 1.0)]}
    rm.write_run(tmp_path / "w.run", run, "sys")
    lines = (tmp_path / "w.run").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Q1 Q0 d2 1 3.0000 sys"
    assert rm.read_run(tmp_path / "w.run") == {"Q1": ["d2", "d1", "d3"], "Q2": ["x"]}


def test_queries_file_header_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "q.tsv").write_text(
        "qid\tquery\tintent\nZH-01\t停車場\t位置\nZH-13\t交通事故 死亡\t...\n", encoding="utf-8"
    )
    assert rm.read_queries(tmp_path / "q.tsv") == [("ZH-01", "停車場"), ("ZH-13", "交通事故 死亡")]
    assert rm.qid_number("ZH-13") == 13 and rm.qid_number("DS1-E-0096") == 96


# -- the benchmark end to end, on a kit of five records -------------------------------------------
CORPUS = [
    {"id": "bike-1", "title": "Bicycle counts on city bridges, 2019"},
    {"id": "bike-2", "title": "Bicycle lanes of the county"},
    {"id": "fish-1", "title": "Oyster harvest by bay, 2012"},
    {"id": "fish-2", "title": "Salmon runs in coastal rivers"},
    {"id": "road-1", "title": "Road length by state over the years"},
]


def _tiny_kit(root: Path) -> Path:
    folder = root / "kit" / "en-ntcir"
    folder.mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in CORPUS), encoding="utf-8"
    )
    for suffix in ("", "-dsebench"):
        (folder / f"queries{suffix}.tsv").write_text(
            "Q1\tbicycle\nQ2\toyster\nQ3\tzzzqqq\n", encoding="utf-8"
        )
        (folder / f"qrels{suffix}.txt").write_text(
            "Q1 0 bike-1 2\nQ1 0 bike-2 1\nQ2 0 fish-1 2\nQ3 0 road-1 1\n", encoding="utf-8"
        )
    return folder.parent


def test_without_the_kit_the_benchmark_is_skipped(tmp_path: Path, capsys) -> None:
    from bench import relevance

    assert relevance.main(["--kit-dir", str(tmp_path / "absent")]) == 0
    assert "skipped: kit not found" in capsys.readouterr().out


def test_the_benchmark_runs_a_tiny_kit_through_the_api_and_bm25s(tmp_path: Path, capsys) -> None:
    from bench import relevance

    kit = _tiny_kit(tmp_path)
    runs = tmp_path / "runs"
    argv = ["--kit-dir", str(kit), "--collections", "en-ntcir", "--run-out", str(runs)]
    argv += ["--out", str(tmp_path / "out"), "--tmp", str(tmp_path)]
    assert relevance.main(argv) == 0
    printed = capsys.readouterr().out
    assert "### en-ntcir / queries.tsv + qrels.txt: 3 queries" in printed
    assert "### en-ntcir / queries-dsebench.tsv + qrels-dsebench.txt" in printed
    assert (tmp_path / "out" / "relevance.txt").exists()
    base = rm.read_run(runs / "en-ntcir.queries.bm25s.run")
    assert set(base["Q1"]) == {"bike-1", "bike-2"} and base["Q2"] == ["fish-1"]
    assert "Q3" not in base  # no term of the query is in the corpus
    m = rm.mean(rm.evaluate(rm.read_qrels(kit / "en-ntcir" / "qrels.txt"), base))
    assert m["zero"] == pytest.approx(1 / 3)
    catalog = rm.read_run(runs / "en-ntcir.queries.catalog.run")
    # every hit maps back to a corpus id through the dataset's name
    assert all(d in {r["id"] for r in CORPUS} for docs in catalog.values() for d in docs)
    assert catalog["Q2"][0] == "fish-1"  # the catalog finds the one oyster record
