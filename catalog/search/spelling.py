"""“Did you mean”: a correction for Latin-letter words that match nothing.

When a search finds nothing at all (not even relaxed, not as pinyin), each Latin word of
four letters or more is looked up with the engine's fuzzy term query (edit distance 1, or 2
from six letters) over titles; the correction is the closest word of the titles found,
ties going to the word found in more of them. The page offers the corrected query as a
link; nothing is searched in the user's place.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from catalog.search import query_plan as qp
from catalog.search import text as ta

_WORD = re.compile(r"[a-z]{4,}")
_TITLE_WORDS = re.compile(r"[a-z]+")


def distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions counted once."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def max_edits(word: str) -> int:
    return 2 if len(word) >= 6 else 1


def candidates(plan: qp.QueryPlan) -> list[str]:
    """The query's Latin content words that a correction may replace."""
    out = []
    for group in plan.groups:
        for option in group.options:
            for clause in option:
                if isinstance(clause, qp.Term) and _WORD.fullmatch(clause.word):
                    out.append(clause.word)
    return list(dict.fromkeys(out))


def closest(word: str, titles: list[str]) -> str | None:
    """The word of ``titles`` nearest to ``word`` within its edit budget, or None."""
    counts: Counter[str] = Counter()
    for title in titles:
        counts.update(set(_TITLE_WORDS.findall(ta.normalize(title))))
    best: tuple[int, int, str] | None = None
    for w, n in counts.items():
        if w == word or abs(len(w) - len(word)) > max_edits(word):
            continue
        d = distance(word, w)
        if d <= max_edits(word) and (best is None or (d, -n, w) < best):
            best = (d, -n, w)
    return best[2] if best else None


def corrected(text: str, corrections: dict[str, str]) -> str | None:
    """``text`` with each corrected word replaced (case-insensitively), or None."""
    if not corrections:
        return None
    out = ta.normalize(text)
    for wrong, right in corrections.items():
        out = re.sub(rf"(?<![a-z]){re.escape(wrong)}(?![a-z])", right, out)
    return " ".join(out.split())


def did_you_mean(
    text: str, plan: qp.QueryPlan, titles_near: Callable[[str, int], list[dict]]
) -> str | None:
    """The corrected query, from the titles (payloads) the backend's fuzzy query finds for
    each candidate word within ``max_edits`` of it, or None."""
    corrections = {}
    for word in candidates(plan):
        docs = titles_near(word, max_edits(word))
        titles = [t for d in docs for t in (d["title"], d.get("title_en") or "")]
        if (fix := closest(word, titles)) is not None:
            corrections[word] = fix
    return corrected(text, corrections)
