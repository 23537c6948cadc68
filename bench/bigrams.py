"""Python-made or engine-made CJK bigrams on OpenSearch: which ranks better on the contract
corpus? ``python -m bench bigrams`` (starts an OpenSearch node, ~30 s).

The contract corpus (tests/test_search_contract.py) is loaded once through the services;
the same store is indexed by the embedded backend and by OpenSearch with ``bigrams=python``
and ``bigrams=engine``. Each query of the list below is judged on graded relevance read off
the corpus itself: 2 when every query word is in the title (Chinese or English), 1 when
every word is somewhere in the dataset's text (description, keywords, publisher), else 0;
the table gives NDCG@10 per backend and the share of result lists identical to embedded's.
"""

from __future__ import annotations

import math
import sys
import tempfile
from pathlib import Path

from catalog.context import open_catalog
from catalog.search import SearchQuery
from catalog.search import text as ta
from catalog.services.indexing import rebuild_index

QUERIES = [
    "湿地", "tracking", "交通", "医疗 imaging", "object detection", "保定", "公交", "水质",
    "影像", "名录", "统计", "气象", "景区", "语料", "充电", "遥感", "方言", "信用", "医疗影像",
    "医学影像", "目标检测", "交通运输", "土地利用", "空气质量", "卫星遥感", "行人检测",
    "监测", "数据集", "detection", "statistics", "quality", "企业", "保定市统计",
]  # fmt: skip


def _grade(rec: dict, org_title: str, query: str) -> int:
    words = [w for w in ta.normalize(query).split() if w]
    title = ta.normalize(f"{rec['title']} {rec['title_en']}")
    text = ta.normalize(
        " ".join(
            [
                title,
                rec["description"] or "",
                rec.get("description_en") or "",
                *rec["keywords"],
                org_title,
            ]
        )
    )
    if all(w in title for w in words):
        return 2
    return 1 if all(w in text for w in words) else 0


def _ndcg(grades: list[int], ideal: list[int], k: int = 10) -> float:
    def dcg(gs: list[int]) -> float:
        return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gs[:k]))

    best = dcg(sorted(ideal, reverse=True))
    return dcg(grades) / best if best else 1.0


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from catalogtest import build_search_catalog
    from search_corpus import CORPUS, ORG_TITLE, load_corpus

    from tests.opensearch.testnode import OpenSearchNode

    with tempfile.TemporaryDirectory() as d, OpenSearchNode() as node:
        src = Path(d) / "instance"
        cat = build_search_catalog(src, "embedded")
        ids = load_corpus(cat)
        names = {v: k for k, v in ids.items()}
        cats = {"embedded": cat}
        for mode in ("python", "engine"):
            c = open_catalog(
                instance_path=src,
                database_url=f"sqlite:///{src / 'catalog.db'}",
                search_url=f"{node.search_url_base}/bigrams-{mode}?bigrams={mode}",
            )
            c.create_index_if_missing()
            rebuild_index(c)
            cats[f"opensearch, {mode} bigrams"] = c
        by_name = {r["name"]: r for r in CORPUS}
        scores: dict[str, list[float]] = {k: [] for k in cats}
        same: dict[str, int] = dict.fromkeys(cats, 0)
        rows = []
        for q in QUERIES:
            ideal = [_grade(r, ORG_TITLE[r["organization"]], q) for r in CORPUS]
            lists = {}
            for label, c in cats.items():
                hits = c.search.search(SearchQuery(text=q, page_size=100)).hits
                found = [names[h.id] for h in hits]
                lists[label] = found
                grades = [
                    _grade(by_name[n], ORG_TITLE[by_name[n]["organization"]], q) for n in found
                ]
                scores[label].append(_ndcg(grades, ideal))
            for label in cats:
                same[label] += lists[label] == lists["embedded"]
            rows.append((q, *(f"{scores[k][-1]:.3f}" for k in cats)))
        head = ("query", *cats)
        rows.append(("mean NDCG@10", *(f"{sum(v) / len(v):.3f}" for v in scores.values())))
        rows.append(("same list as embedded", *(f"{same[k]}/{len(QUERIES)}" for k in cats)))
        widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
        for r in [head, tuple("-" * w for w in widths), *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        for c in cats.values():
            c.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
