"""What a search query means, decided once so that every backend means the same.

A query is read the way people expect of a modern engine:

* words combine as a scored disjunction with a minimum-should-match rule: all of one or two
  content words, then three quarters of them, rounded down (Elasticsearch's ``2<75%``);
  when that strict form finds fewer than ``RELAX_BELOW`` datasets (less than a page), the
  backends run the relaxed form (any one content word): the strict matches first, then the
  rest ranked by how many words match and where;
* function words (stopwords.py) neither gate nor score, unless nothing else was typed;
  a single Chinese character cut out of a longer query word scores but never gates;
* explicit syntax keeps its meaning: ``"a phrase"`` must occur as typed, ``-word`` and
  ``NOT word`` exclude, ``a OR b`` is one alternative counted once, ``a AND b`` makes both
  required. A query made only of operators is searched as text;
* every Chinese query word also matches through its character bigrams (and a single
  character through the bigrams that contain it), so a segmenter that cut a document
  differently cannot lose the match;
* words that occur together (in order, within a few positions) in a title or description
  rank higher.

Backends translate a :class:`QueryPlan` clause for clause (embedded.py, es_query.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from catalog.search import text as ta
from catalog.search.base import SearchQuery
from catalog.search.stopwords import is_stop, strip_generic

RELAX_BELOW = 10
MAX_TERMS = 32
_OPERATORS = {"OR": "or", "||": "or", "AND": "and", "&&": "and", "NOT": "not"}
_LEX = re.compile(r'"([^"]*)"|(\S+)')
_PUNCT = re.compile(r"[^\w\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff.+#-]+")
_CJK_CHAR = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]$")


@dataclass(frozen=True)
class Term:
    """One query word: any of its spellings (each a tuple of tokens that must all occur,
    in any text field), or its CJK character bigrams."""

    word: str
    variants: tuple[tuple[str, ...], ...]
    grams: tuple[str, ...] = ()

    @property
    def unigram(self) -> str | None:
        """The character, when the word is one CJK character (matched inside bigrams)."""
        return self.word if _CJK_CHAR.match(self.word) else None


@dataclass(frozen=True)
class Phrase:
    """Quoted words that must occur together and in order."""

    text: str
    tokens: tuple[str, ...]
    grams: tuple[str, ...] = ()


Clause = Term | Phrase


@dataclass(frozen=True)
class Group:
    """One unit of minimum-should-match: alternatives (``OR``), each all of its clauses."""

    options: tuple[tuple[Clause, ...], ...]
    required: bool = False


@dataclass(frozen=True)
class QueryPlan:
    groups: tuple[Group, ...] = ()
    optional: tuple[Term, ...] = ()
    excluded: tuple[tuple[Clause, ...], ...] = ()
    minimum_should_match: int = 0
    proximity: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    relaxed: bool = False
    # in a relaxed plan, the minimum of the strict form: records meeting it rank first
    strict_minimum: int = 0

    @property
    def has_text(self) -> bool:
        return bool(self.groups)

    @property
    def should(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if not g.required)

    @property
    def must(self) -> tuple[Group, ...]:
        return tuple(g for g in self.groups if g.required)

    def wants_relaxing(self, count: int) -> bool:
        """Whether a strict result of ``count`` records is too little (under a page)."""
        return self.has_text and self.minimum_should_match > 1 and count < RELAX_BELOW

    def relax(self) -> QueryPlan | None:
        """The same query asking for any one of its content words, the records of the
        strict form ranked first (then the rest, by score), or None when it already does."""
        if self.minimum_should_match <= 1:
            return None
        return replace(
            self,
            minimum_should_match=1,
            relaxed=True,
            strict_minimum=self.minimum_should_match,
        )


def minimum_should_match(n: int) -> int:
    """All of up to two words, then 75% rounded down (``2<75%``)."""
    return n if n <= 2 else max(1, (n * 3) // 4)


@dataclass
class _Unit:
    kind: str  # "word" or "phrase"
    text: str
    negated: bool = False
    required: bool = False
    options: list[list[Clause]] = field(default_factory=list)


def _lex(text: str) -> list[tuple[str, str]]:
    """(kind, text) items: phrases, operators (upper case only, as Lucene reads them) and
    words. Unbalanced quotes are plain characters."""
    text = unicodedata.normalize("NFKC", ta._CONTROL.sub(" ", text or ""))[: ta.MAX_QUERY_CHARS]
    items: list[tuple[str, str]] = []
    for m in _LEX.finditer(text):
        if m.group(1) is not None:
            items.append(("phrase", m.group(1)))
        elif m.group(2) in _OPERATORS:
            items.append(("op", _OPERATORS[m.group(2)]))
        else:
            items.append(("word", m.group(2)))
    if items and all(kind == "op" for kind, _ in items):
        items = [("word", t.lower()) for t in text.split()]
    return items


def _variants(token: str, synonyms: dict[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    out: list[tuple[str, ...]] = [(token,)]
    out += ta.hyphen_forms(token)
    for alt in synonyms.get(token, ()):
        if alt != token:
            parts = tuple(ta.segment_query(alt))
            if parts and parts not in out:
                out.append(parts)
    return tuple(out)


def _term(token: str, synonyms: dict[str, tuple[str, ...]]) -> Term:
    return Term(token, _variants(token, synonyms), tuple(ta.bigrams(token)))


def _word_terms(
    word: str, synonyms: dict[str, tuple[str, ...]]
) -> tuple[list[Term], list[Term], list[Term]]:
    """(content, optional, stop) terms of one typed word."""
    word = ta.fold(_PUNCT.sub(" ", word)).strip(" .-+")
    if not word:
        return [], [], []
    if word in synonyms:
        alts = tuple(p for a in synonyms[word] if (p := tuple(ta.segment_query(a))))
        return [Term(word, alts, tuple(ta.bigrams(word)))], [], []
    tokens = [strip_generic(t[: ta.MAX_WORD_CHARS]) for t in ta.segment_query(word)]
    content: list[Term] = []
    optional: list[Term] = []
    stop: list[Term] = []
    for t in tokens:
        term = _term(t, synonyms)
        if is_stop(t):
            stop.append(term)
        elif len(tokens) > 1 and term.unigram:
            optional.append(term)
        else:
            content.append(term)
    return content, optional, stop


def _join_synonym_words(
    items: list[tuple[str, str]], synonyms: dict[str, tuple[str, ...]]
) -> list[tuple[str, str]]:
    """Consecutive plain words that form a multi-word synonym become one word."""
    out: list[tuple[str, str]] = []
    run: list[str] = []
    for kind, raw in [*items, ("end", "")]:
        if kind == "word" and not raw.startswith("-"):
            run.append(ta.fold(raw))
            continue
        out += [("word", w) for w in ta.join_synonym_phrases(run, synonyms)]
        run = []
        if kind != "end":
            out.append((kind, raw))
    return out


def plan_query(text: str, synonyms: dict[str, tuple[str, ...]] | None = None) -> QueryPlan:
    """The meaning of a user's query (any string; nothing here raises)."""
    synonyms = synonyms or {}
    items = _join_synonym_words(_lex(text), synonyms)
    units: list[_Unit] = []
    ops: list[str | None] = []  # the operator before each unit
    pending_op: str | None = None
    negate = False
    optional: list[Term] = []
    stops: list[Term] = []
    for kind, raw in items:
        if kind == "op":
            if raw == "not":
                negate = True
            else:
                pending_op = raw
            continue
        neg = negate
        negate = False
        if kind == "word" and raw.startswith("-") and len(raw) > 1:
            neg, raw = True, raw[1:]
        unit = _Unit(kind, raw, negated=neg)
        if kind == "phrase":
            folded = ta.fold(raw)
            tokens = tuple(ta.segment_query(folded))
            if tokens:
                unit.options = [[Phrase(folded, tokens, tuple(ta.bigrams(folded)))]]
        else:
            # an exclusion is literal: -医学 drops records saying 医学, not its synonyms
            content, opt, stop = _word_terms(raw, {} if neg else synonyms)
            if content:
                unit.options = [list(content)]
            if not neg:
                optional += opt
                stops += stop
            if not content and stop and not neg:
                unit.options = [list(stop)]
                unit.kind = "stopword"
        if unit.options:
            units.append(unit)
            ops.append(pending_op)
        pending_op = None
    positive = [u for u in units if not u.negated]
    if not positive:  # "-x" alone: the minus is text
        for u in units:
            u.negated = False
        positive = units
    if any(u.kind != "stopword" for u in positive):
        keep = [
            (u, op) for u, op in zip(units, ops, strict=True) if u.kind != "stopword" or u.negated
        ]
        units, ops = [u for u, _ in keep], [op for _, op in keep]
    else:
        optional = []
    # combine: OR merges a unit into the alternatives of the one before; AND requires both
    groups: list[tuple[list[list[Clause]], bool]] = []
    excluded: list[tuple[Clause, ...]] = []
    last_positive: int | None = None
    for unit, op in zip(units, ops, strict=True):
        if unit.negated:
            excluded.extend(tuple(o) for o in unit.options)
            continue
        required = unit.kind == "phrase"
        if op == "or" and last_positive is not None:
            groups[last_positive][0].extend(unit.options)
            continue
        if op == "and" and last_positive is not None:
            groups[last_positive] = (groups[last_positive][0], True)
            required = True
        if op == "or" or len(unit.options) != 1 or len(unit.options[0]) == 1 or required:
            groups.append((unit.options, required))
        else:  # a word that segments into several: each token is its own unit
            for clause in unit.options[0]:
                groups.append(([[clause]], False))
        last_positive = len(groups) - 1
    seen: set[tuple] = set()
    final: list[Group] = []
    for options, required in groups:
        key = tuple(
            tuple(c.variants if isinstance(c, Term) else c.tokens for c in o) for o in options
        )
        if key in seen:
            continue
        seen.add(key)
        merged_options = tuple(tuple(o) for o in options)
        final.append(Group(merged_options, required))
    final = final[:MAX_TERMS]
    n_should = sum(1 for g in final if not g.required)
    proximity = tuple(
        g.options[0][0].word
        for g in final
        if len(g.options) == 1
        and len(g.options[0]) == 1
        and isinstance(g.options[0][0], Term)
        and len(g.options[0][0].variants[0]) == 1
    )
    hl: list[str] = []
    for g in final:
        for o in g.options:
            for c in o:
                if isinstance(c, Phrase):
                    hl.extend(c.tokens)
                else:
                    hl.append(c.word)
                    for v in c.variants:
                        hl.extend(v)
    hl.extend(t.word for t in optional)
    return QueryPlan(
        groups=tuple(final),
        optional=tuple(dict.fromkeys(optional))[:MAX_TERMS],
        excluded=tuple(excluded)[:MAX_TERMS],
        minimum_should_match=minimum_should_match(n_should),
        proximity=proximity if len(proximity) > 1 else (),
        highlight=tuple(dict.fromkeys(h for h in hl if h)),
    )


def plan_search(query: SearchQuery, synonyms_file: str | None) -> QueryPlan:
    """The plan of a search: with the query's own synonym list (a curator's draft being
    tried) or else the configured one."""
    synonyms = query.synonyms
    if synonyms is None:
        synonyms = ta.load_synonyms(synonyms_file)
    return plan_query(query.text, synonyms)
