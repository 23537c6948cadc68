"""Text analysis for search: Chinese segmentation, CJK bigrams, synonyms, snippets.

Chinese has no spaces, so text is segmented with jieba (its Rust port jieba-rs through
``rjieba``: the same dictionary and output as Python jieba, about 50 times faster, which is
what makes a million-dataset rebuild fit in minutes) before it reaches the engine; the
engine then only splits on whitespace, lowercases and stems English. Because a segmenter
may cut the same compound differently in a query and in a document, CJK character
bigrams go into a second field and either field can match (as Lucene's CJK analyzer does).
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc
import rjieba

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORDISH = re.compile(rf"[{_CJK}]|[0-9a-z]", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
MAX_QUERY_CHARS = 500
MAX_WORD_CHARS = 50


_T2S = opencc.OpenCC("t2s")
_HYPHENATED = re.compile(r"^[0-9a-z]+(?:-[0-9a-z]+)+$")


def normalize(text: str) -> str:
    """NFKC (full-width to half-width), lowercase, control characters and lone surrogates dropped."""
    text = _CONTROL.sub(" ", text or "")
    return unicodedata.normalize("NFKC", text).lower()


def to_simplified(text: str) -> str:
    """Traditional characters as Simplified (OpenCC t2s): 臺北 資料 finds 台北 资料."""
    return _T2S.convert(text) if has_cjk(text) else text


def fold(text: str) -> str:
    """What analysis works on: normalised, and in Simplified script, at index and query time
    alike, so a Traditional record and a Simplified query (or the reverse) meet. jieba's
    dictionary is Simplified, so folding first also segments Traditional text better."""
    return to_simplified(normalize(text))


def segment(text: str) -> list[str]:
    """Index-time tokens: jieba's search mode, which also emits the parts of long words;
    hyphenated words are also indexed joined (e-commerce: ecommerce, e-commerce, commerce)."""
    out: list[str] = []
    for t in rjieba.cut_for_search(fold(text)):
        if _WORDISH.search(t):
            out.append(t)
            if "-" in t and _HYPHENATED.match(t):
                out.append(t.replace("-", ""))
    return out


def segment_query(text: str) -> list[str]:
    """Query-time tokens: jieba's precise mode, so a query word is not split needlessly."""
    return [t.strip() for t in rjieba.cut(fold(text)) if _WORDISH.search(t)]


def hyphen_forms(token: str) -> list[tuple[str, ...]]:
    """Other spellings of a hyphenated token: joined, and as separate words
    (question-answering = questionanswering = question answering)."""
    if "-" not in token or not _HYPHENATED.match(token):
        return []
    parts = tuple(p for p in token.split("-") if p)
    return [(token.replace("-", ""),), parts]


def bigrams(text: str) -> list[str]:
    """Overlapping CJK character bigrams (a lone CJK character stays a unigram)."""
    out: list[str] = []
    for run in _CJK_RUN.findall(fold(text)):
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


SUGGEST_SEPARATOR = "\x1f"  # a control character: normalize() removes it from any input


def suggest_terms(*titles: str | None) -> list[str]:
    """Suggestion entries of a record: the folded title (what a typed prefix is matched
    against, so 臺北 and 台北, Lung and lung meet) and, after a separator, the title as
    written (what the search box offers)."""
    return [f"{fold(t)}{SUGGEST_SEPARATOR}{t}" for t in titles if t]


def suggestions(terms: list[tuple[str, int]], limit: int) -> list[str]:
    """Titles as written, most frequent first, then shortest, each once."""
    terms = sorted(terms, key=lambda t: (-t[1], len(t[0])))
    out: list[str] = []
    for term, _n in terms:
        title = term.split(SUGGEST_SEPARATOR, 1)[-1]
        if title not in out:
            out.append(title)
    return out[:limit]


def has_cjk(text: str) -> bool:
    return bool(_CJK_RUN.search(text))


PACKAGED_SYNONYMS = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"


class SynonymError(ValueError):
    """A line of a synonym list that cannot be used; ``line`` is 1-based."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


def parse_synonyms(text: str) -> dict[str, tuple[str, ...]]:
    """A synonym list (one comma-separated group per line, ``#`` comments): each word maps
    to its whole group. Raises SynonymError naming the first line that cannot be used."""
    groups: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        words = tuple(
            dict.fromkeys(fold(w).strip() for w in re.split(r"[,，、]", line) if w.strip())
        )
        if len(words) < 2:
            raise SynonymError(number, "a group needs at least two words, separated by commas")
        long = [w for w in words if len(w) > MAX_WORD_CHARS]
        if long:
            raise SynonymError(
                number, f"“{long[0][:20]}…” is longer than {MAX_WORD_CHARS} characters"
            )
        for w in words:
            groups[w] = tuple(dict.fromkeys(groups.get(w, ()) + words))
    return groups


def synonyms_source(path: str | None) -> Path:
    """The list in use: the configured file when it exists, else the packaged one."""
    if path and Path(path).exists():
        return Path(path)
    return PACKAGED_SYNONYMS


def load_synonyms(path: str | None = None) -> dict[str, tuple[str, ...]]:
    """The curated synonym list, re-read when its file changes (curators edit it in the
    web UI, and every process of the server must see the edit at once)."""
    src = synonyms_source(path)
    try:
        stamp = src.stat().st_mtime_ns
    except OSError:
        return {}
    return _load_synonyms(str(src), stamp)


@lru_cache(maxsize=8)
def _load_synonyms(path: str, _stamp: int) -> dict[str, tuple[str, ...]]:
    try:
        return parse_synonyms(Path(path).read_text(encoding="utf-8"))
    except (SynonymError, OSError, UnicodeDecodeError) as exc:
        logging.getLogger(__name__).warning("synonym list %s not used: %s", path, exc)
        return {}


def join_synonym_phrases(words: list[str], synonyms: dict[str, tuple[str, ...]]) -> list[str]:
    """Consecutive query words that form a multi-word synonym ("object detection") become
    one word, so that the synonym list works from both sides."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(4, len(words) - i), 1, -1):
            candidate = " ".join(words[i : i + n])
            if candidate in synonyms:
                out.append(candidate)
                i += n
                break
        else:
            out.append(words[i])
            i += 1
    return out


_MD_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\((?:[^)(]|\([^)]*\))*\)")
_MD_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_MD_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_MD_LINE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+|\|)", re.MULTILINE)
_MD_RULE = re.compile(
    r"^\s*(?:[-*_]\s*){3,}$|^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE
)
_MD_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~|`+)(?=\S)(.+?)(?<=\S)\1")
_SPACES = re.compile(r"\s+")


def plain_text(markdown: str) -> str:
    """Markdown (descriptions are written in it) as the plain words a reader sees: links and
    images keep their text, markup and HTML tags go, table pipes become spaces."""
    text = _CONTROL.sub(" ", markdown or "")
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_AUTOLINK.sub(r"\1", text)
    text = _MD_TAG.sub(" ", text)
    text = _MD_RULE.sub(" ", text)
    text = _MD_LINE.sub("", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    text = text.replace("|", " ")
    return _SPACES.sub(" ", text).strip()


def _word_start(text: str, pos: int, limit: int = 20) -> int:
    """``pos`` moved forward past a Latin word it falls inside (at most ``limit`` chars)."""
    if pos <= 0 or not text[pos - 1].isalnum() or not text[pos].isascii():
        return pos
    for i in range(pos, min(len(text), pos + limit)):
        if not text[i].isalnum():
            return i + 1 if text[i] == " " else i
    return pos


def _word_end(text: str, pos: int, limit: int = 20) -> int:
    """``pos`` moved back to the end of the last whole Latin word before it."""
    if pos >= len(text) or not text[pos].isalnum() or not text[pos - 1].isascii():
        return pos
    for i in range(pos, max(0, pos - limit), -1):
        if not text[i - 1].isalnum():
            return i
    return pos


def highlight(text: str, terms: list[str], width: int = 160) -> str:
    """An HTML-escaped plain-text excerpt of ``text`` around the first match, matches in <mark>.

    Terms come folded (Simplified, lower case); a Traditional text is matched through its
    folded form, character for character, and the marks go around the original characters.
    Excerpts are cut between words, never inside a Latin word.
    """
    if not text:
        return ""
    plain = plain_text(text)
    terms = sorted({t for t in terms if t}, key=len, reverse=True)
    if not terms:
        end = _word_end(plain, width) if len(plain) > width else len(plain)
        return html.escape(plain[:end]) + ("…" if len(plain) > end else "")
    folded = to_simplified(plain)
    haystack = folded if len(folded) == len(plain) else plain
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    first = pattern.search(haystack)
    start = 0
    if first and first.start() > width // 3:
        start = _word_start(plain, first.start() - width // 3)
    end = min(len(plain), start + width)
    if end < len(plain):
        end = max(_word_end(plain, end), start + 1)
    out: list[str] = []
    pos = start
    for m in pattern.finditer(haystack, start, end):
        if m.end() > end:
            break
        out.append(html.escape(plain[pos : m.start()]))
        out.append("<mark>" + html.escape(plain[m.start() : m.end()]) + "</mark>")
        pos = m.end()
    out.append(html.escape(plain[pos:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(plain) else ""
    return prefix + "".join(out) + suffix
