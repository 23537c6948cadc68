"""Pinyin input as a fallback: ``tingchechang`` or ``ting che chang`` finds 停车场.

Titles are indexed with the toneless pinyin syllables of their Chinese characters, in order
(``title_py``); a query typed in Latin letters only that finds nothing as words is cut into
syllables and searched as a phrase there. Conversion is cached per jieba word, because
titles repeat words and pypinyin costs about 10 µs a word.
"""

from __future__ import annotations

import re
from functools import lru_cache

import rjieba
from pypinyin import lazy_pinyin

from catalog.search import text as ta

_LETTERS = re.compile(r"^[a-z ]+$")
_MAX_SYLLABLE = 6  # zhuang, shuang


@lru_cache(maxsize=200_000)
def _word_syllables(word: str) -> tuple[str, ...]:
    return tuple(s for s in lazy_pinyin(word) if s.isascii() and s.isalpha())


def title_syllables(title: str) -> list[str]:
    """The pinyin syllables of the Chinese characters of ``title``, in order."""
    out: list[str] = []
    for run in ta._CJK_RUN.findall(ta.fold(title)):
        for word in rjieba.cut(run):
            out.extend(_word_syllables(word))
    return out


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    return frozenset(s for s in lazy_pinyin(chars) if s.isascii() and s.isalpha())


def split_syllables(text: str) -> list[str] | None:
    """Latin-letter input cut into pinyin syllables (fewest syllables), or None when the
    input is not pinyin (other characters, or letters that no syllables spell)."""
    text = ta.normalize(text).strip()
    if not _LETTERS.match(text) or len(text.replace(" ", "")) < 2 or len(text) > 120:
        return None
    known = _syllables()
    out: list[str] = []
    for chunk in text.split():
        n = len(chunk)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for i in range(n):
            if best[i] is None:
                continue
            for j in range(i + 1, min(n, i + _MAX_SYLLABLE) + 1):
                if chunk[i:j] in known:
                    cand = best[i] + [chunk[i:j]]  # type: ignore[operator]
                    if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                        best[j] = cand
        if best[n] is None:
            return None
        out.extend(best[n])  # type: ignore[arg-type]
    return out or None
