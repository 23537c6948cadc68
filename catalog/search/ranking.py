"""Field weights of search ranking, in one place so both backends rank alike.

The embedded backend (``embedded.py``, tantivy ``boost_query``) and the cluster backend
(``es_query.py``, ``multi_match`` / ``match`` boosts) read these same numbers; change a
weight here and both change, and the contract suite checks they still agree.
"""

from __future__ import annotations

# Segmented text fields a query word may match in, and how much a match there counts:
# a word in the title counts three times a word in the description, keywords twice,
# the publisher's name a little more than the description; ``meta`` holds the labels a
# record is filed under (open-list domain 所属领域, theme and region names in both
# languages, modality and task names): short, so BM25 rates a match there highly; a
# lower weight keeps a label below the same words written in the text.
TEXT_FIELDS: dict[str, float] = {
    "title": 3.0,
    "keywords": 2.0,
    "org": 1.2,
    "meta": 0.6,
    "body": 1.0,
}

# CJK character-bigram fields (see text.py), matched when the segmenter cut a query word
# differently from the document: a bigram phrase in the title counts 1.5, bigrams in the
# description (long, so many chance matches) only 0.4.
BIGRAM_FIELDS: dict[str, float] = {"title_bg": 1.5, "body_bg": 0.4}

# Query words found near each other, in order (a phrase with this many positions of slop
# per word), add this much: a title that holds the whole request outranks one that holds
# its words far apart.
PROXIMITY_FIELDS: dict[str, float] = {"title": 2.0, "body": 0.5}
PROXIMITY_SLOP = 2

# A single Chinese character cut out of a longer query word (各, 年 in 2023年) scores this
# share of a content word and never decides whether a record matches.
OPTIONAL_WEIGHT = 0.3

# In a relaxed search (too few records held enough of the words), a record that does hold
# enough gets this constant on top, so every strict match ranks before every partial one.
STRICT_BONUS = 1000.0

# Related datasets ("more like this", issue 16 item 5): each shared task adds 4, each shared
# modality 2 and each shared theme 0.5 (constants: what matters is sharing, not how rare the
# value is), and the engine's more-like-this query adds the text similarity of title,
# keywords and description (the source's most telling words, by tf-idf). So a dataset of the
# same task and modality outranks one that merely shares a theme.
RELATED_FACETS: dict[str, float] = {"task": 4.0, "modality": 2.0, "theme": 0.5}
RELATED_MAX_TERMS = 25
# the more-like-this score is a BM25 sum over up to RELATED_MAX_TERMS words, often 5-15 on a
# small catalog: halved, a dataset that merely shares many words (the same street corner, the
# same publisher's phrasing) stays below one of the same task and modality
RELATED_TEXT_WEIGHT = 0.5
