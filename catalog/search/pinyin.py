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


# Every toneless syllable pypinyin gives a character of the CJK block U+4E00..U+9FA5 (its
# NORMAL style: 绿 is lv). Written out because computing it converts 20,902 characters,
# 0.2-0.4 s of CPU that the first pinyin-looking query of a process paid (issue 17: a
# zero-hit Latin query took 163 ms at a million datasets); tests/test_search_pinyin.py
# checks the list against pypinyin.
_SYLLABLE_TEXT = """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca
    cai can cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou
    chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai
    dan dang dao de den deng di dian diao die ding diu dong dou du duan dui dun duo e ei
    en eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen
    geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng
    hm hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing
    jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan
    kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin
    ling liu lo long lou lu luan lun luo lv lve m ma mai man mang mao me mei men meng mi
    mian miao mie min ming miu mo mou mu n na nai nan nang nao ne nei nen neng ni nian
    niang niao nie nin ning niu nong nou nu nuan nun nuo nv nve o ou pa pai pan pang pao
    pei pen peng pi pian piao pie pin ping po pou pu qi qia qian qiang qiao qie qin qing
    qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru rua ruan rui run
    ruo sa sai san sang sao se sen seng sha shai shan shang shao she shen sheng shi shou
    shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai
    tan tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan
    wang wei wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue
    xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao
    ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng zhi zhong zhou zhu zhua
    zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
SYLLABLES = frozenset(_SYLLABLE_TEXT.split())


def split_syllables(text: str) -> list[str] | None:
    """Latin-letter input cut into pinyin syllables (fewest syllables), or None when the
    input is not pinyin (other characters, or letters that no syllables spell)."""
    text = ta.normalize(text).strip()
    if not _LETTERS.match(text) or len(text.replace(" ", "")) < 2 or len(text) > 120:
        return None
    known = SYLLABLES
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
