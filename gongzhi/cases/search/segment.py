"""THE segmentation of case text, for the index and for queries alike.

Chinese is written without spaces, so words are found with jieba (the standard
segmenter) in its dictionary mode without the HMM guesser: the same text is
always cut the same way, whatever the context, which is what matters for a
search (an index and a query cut differently would not meet). Text is first
NFKC-normalised (full-width Ａ１ → A1) and lower-cased; punctuation and the
few particles that carry no meaning alone (的, 了, 在 …) are dropped.
"""

from __future__ import annotations

import logging
import re
import unicodedata

import jieba

jieba.setLogLevel(logging.WARNING)

# Particles and pronouns that carry no meaning on their own in a search.
STOPWORDS = frozenset("的 了 在 是 和 与 及 或 有 也 就 都 而 被 把 吗 呢 啊 吧 请 我 我们 你 您".split())
_MEANINGFUL = re.compile(r"[^\W_]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def words(text: str) -> list[str]:
    """The meaningful words of ``text``, in order (repeats kept: positions matter to phrases)."""
    return [w for w in (w.strip() for w in jieba.cut(normalise(text), HMM=False))
            if w and _MEANINGFUL.search(w) and w not in STOPWORDS]


def parts(text: str, found: list[str]) -> list[str]:
    """Every other dictionary word of two or more characters in ``text`` (jieba's full mode), besides
    the ``found`` words: 农民 in 农民工, and 路灯 in 路灯不亮 (which the dictionary cuts 路 / 灯不亮),
    so that a query of any dictionary word finds a text that holds it."""
    found = set(found)
    inside = []
    for word in jieba.cut(normalise(text), cut_all=True):
        if len(word) > 1 and word not in found and word not in STOPWORDS and _CJK.search(word):
            inside.append(word)
    return inside


def pieces(word: str) -> list[str]:
    """The dictionary words of two or three characters inside a longer Chinese ``word`` (拖欠工资 →
    拖欠, 工资), for a query word to find texts holding its pieces apart; empty for other words."""
    if len(word) < 3 or not _CJK.search(word):
        return []
    return [w for w in dict.fromkeys(jieba.cut_for_search(word, HMM=False)) if w != word and len(w) > 1]


def is_single_character(word: str) -> bool:
    """A lone Chinese character: searched as the start of a word (噪 finds 噪声)."""
    return len(word) == 1 and bool(_CJK.match(word))
