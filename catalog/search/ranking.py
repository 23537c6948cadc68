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
