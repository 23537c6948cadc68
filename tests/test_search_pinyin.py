"""The pinyin fallback's syllable list (catalog/search/pinyin.py).

The list is written out in the module so that the first pinyin-looking query of a process
does not convert the whole CJK block (0.2-0.4 s; issue 17). It must stay what pypinyin
gives, or ``split_syllables`` would cut input that pypinyin's titles never hold (or refuse
input they do).
"""

from __future__ import annotations

from pypinyin import lazy_pinyin

from catalog.search import pinyin as py


def test_syllables_are_those_pypinyin_gives_the_cjk_block():
    chars = "".join(chr(c) for c in range(0x4E00, 0x9FA6))
    computed = frozenset(s for s in lazy_pinyin(chars) if s.isascii() and s.isalpha())
    assert computed == py.SYLLABLES


def test_every_title_syllable_is_one_the_query_side_knows():
    # the index side (title_syllables) and the query side (split_syllables) must agree
    for title in ("停车场", "绿化带", "女儿", "略", "嗯", "保定市交通运输局"):
        for s in py.title_syllables(title):
            assert s in py.SYLLABLES, (title, s)


def test_split_syllables_cuts_into_fewest_syllables():
    assert py.split_syllables("tingchechang") == ["ting", "che", "chang"]
    assert py.split_syllables("ting che chang") == ["ting", "che", "chang"]
    assert py.split_syllables("lvhua") == ["lv", "hua"]
    assert py.split_syllables("crop disease dataset") is None
    assert py.split_syllables("停车场") is None
