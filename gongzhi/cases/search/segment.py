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
from math import log

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
    return _meaningful(_cut(normalise(text))[0])


def parts(text: str, found: list[str]) -> list[str]:
    """Every other dictionary word of two or more characters in ``text`` (jieba's full mode), besides
    the ``found`` words: 农民 in 农民工, and 路灯 in 路灯不亮 (which the dictionary cuts 路 / 灯不亮),
    so that a query of any dictionary word finds a text that holds it."""
    return _inside(_cut(normalise(text), full=True)[1], found)


def analyse(*texts: str) -> tuple[list[list[str]], list[str]]:
    """(:func:`words` of each text, :func:`parts` of the texts joined by spaces), cutting each text once.

    What the index stores for a case (title, address, description): one pass over each text serves
    both of jieba's modes, since both walk the same graph of dictionary words.
    """
    found, tokens = [], []
    for text in texts:
        precise, full = _cut(normalise(text), full=True)
        found.append(_meaningful(precise))
        tokens.extend(full)
    return found, _inside(tokens, [w for ws in found for w in ws])


def _meaningful(tokens) -> list[str]:
    return [w for w in (w.strip() for w in tokens) if w and _MEANINGFUL.search(w) and w not in STOPWORDS]


def _inside(tokens, found) -> list[str]:
    found = set(found)
    return [w for w in tokens if len(w) > 1 and w not in found and w not in STOPWORDS and _CJK.search(w)]


# --- the cutter ---------------------------------------------------------------------------
# jieba's dictionary mode without the HMM (``jieba.cut(text, HMM=False)``) and its full mode
# (``cut_all=True``), token for token, from one graph of dictionary words per block of text instead
# of one per mode, and with the route's weights taken while the graph is built: the index cuts
# every case's letter in both modes, which was most of an import's time. The tests compare it with
# jieba itself.

_BLOCK, _SKIP, _ENG = jieba.re_han_default, jieba.re_skip_default, jieba.re_eng


def _cut(text: str, full: bool = False) -> tuple[list[str], list[str]]:
    """(the tokens of jieba's dictionary mode, those of its full mode when ``full``) of ``text``."""
    dictionary = jieba.dt
    dictionary.check_initialized()
    freq, logtotal = dictionary.FREQ, log(dictionary.total)
    precise: list[str] = []
    complete: list[str] = []
    for block in _BLOCK.split(text):
        if not block:
            continue
        if _BLOCK.match(block):
            _cut_block(block, freq, logtotal, precise, complete if full else None)
            continue
        for piece in _SKIP.split(block):
            if _SKIP.match(piece):
                precise.append(piece)
                if full:
                    complete.append(piece)
            else:
                precise.extend(piece)
                if full:
                    complete.append(piece)
    return precise, complete


def _cut_block(block: str, freq: dict, logtotal: float, precise: list, complete: list | None) -> None:
    n = len(block)
    get = freq.get
    # Per position, the ends of its dictionary words (jieba.Tokenizer.get_DAG), each with the word's
    # log(frequency) - log(total); the dictionary also holds every prefix of a word, with frequency 0.
    dag = [None] * n
    for k in range(n):
        found = []
        i = k
        f = get(block[k])
        while f is not None:
            if f:
                found.append((i, log(f) - logtotal))
            i += 1
            if i == n:
                break
            f = get(block[k:i + 1])
        dag[k] = found or [(k, -logtotal)]  # log(1): a character the dictionary does not hold as a word
    # The best route from the end backwards (jieba.Tokenizer.calc): the highest score, and on a tie
    # the longest word, exactly as max() over (score, end) pairs chooses.
    best = [0.0] * (n + 1)
    step = [0] * n
    for k in range(n - 1, -1, -1):
        candidates = dag[k]
        if len(candidates) == 1:
            end, weight = candidates[0]
            best[k], step[k] = weight + best[end + 1], end
            continue
        top, top_end = None, 0
        for end, weight in candidates:
            score = weight + best[end + 1]
            if top is None or score > top or (score == top and end > top_end):
                top, top_end = score, end
        best[k], step[k] = top, top_end
    x, buffer = 0, ""
    while x < n:  # jieba.Tokenizer.__cut_DAG_NO_HMM: single letters and digits run together
        y = step[x] + 1
        word = block[x:y]
        if y - x == 1 and _ENG.match(word):
            buffer += word
        else:
            if buffer:
                precise.append(buffer)
                buffer = ""
            precise.append(word)
        x = y
    if buffer:
        precise.append(buffer)
    if complete is None:
        return
    old_j, eng_scan, eng_buffer = -1, False, ""  # jieba.Tokenizer.__cut_all
    for k, candidates in enumerate(dag):
        ends = [end for end, _weight in candidates]
        if eng_scan and not _ENG.match(block[k]):
            eng_scan = False
            complete.append(eng_buffer)
        if len(ends) == 1 and k > old_j:
            word = block[k:ends[0] + 1]
            if _ENG.match(word):
                if not eng_scan:
                    eng_scan, eng_buffer = True, word
                else:
                    eng_buffer += word
            if not eng_scan:
                complete.append(word)
            old_j = ends[0]
        else:
            for j in ends:
                if j > k:
                    complete.append(block[k:j + 1])
                    old_j = j
    if eng_scan:
        complete.append(eng_buffer)


def pieces(word: str) -> list[str]:
    """The dictionary words of two or three characters inside a longer Chinese ``word`` (拖欠工资 →
    拖欠, 工资), for a query word to find texts holding its pieces apart; empty for other words."""
    if len(word) < 3 or not _CJK.search(word):
        return []
    return [w for w in dict.fromkeys(jieba.cut_for_search(word, HMM=False)) if w != word and len(w) > 1]


def is_single_character(word: str) -> bool:
    """A lone Chinese character: searched as the start of a word (噪 finds 噪声)."""
    return len(word) == 1 and bool(_CJK.match(word))
