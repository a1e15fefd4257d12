"""The search's own cutter gives exactly jieba's words (dictionary mode without HMM, and full mode), so the
index and every query cut alike whichever path segmented them, and an index built before it stays valid."""

import random

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.cases.search import index, segment


def jieba_words(text):
    return [w for w in (w.strip() for w in jieba.cut(segment.normalise(text), HMM=False))
            if w and segment._MEANINGFUL.search(w) and w not in segment.STOPWORDS]


def jieba_parts(text, found):
    found = set(found)
    return [w for w in jieba.cut(segment.normalise(text), cut_all=True)
            if len(w) > 1 and w not in found and w not in segment.STOPWORDS and segment._CJK.search(w)]


def jieba_entry(title, description, address):
    """The entry as the index computed it before the cutter: jieba called once per text and mode."""
    t, p, b = (jieba_words(x) for x in (title, address, description))
    inside = jieba_parts(" ".join((title, address, description)), t + p + b)
    return {"title": " ".join(t), "place": " ".join(p), "body": " ".join(b), "parts": " ".join(inside)}


LETTERS = [
    "小区东侧工地每晚十点以后仍在施工，噪声很大，影响休息。", "路灯不亮", "拖欠农民工工资三个月",
    "中华人民共和国国务院办公厅", "12345热线转来：2019年2月28日 11时25分", "iPhone15 T恤 3.5元 A股 a-b_c %20 #1",
    "Ｔ恤ＡＢＣ１２３　全角", "㐀㐁 扩展区汉字 豈 龥", "楼道内长期堆放杂物，存在消防安全隐患！！", "",
    "永安里3号楼2单元501室\r\n漏水\t严重", "的了在是和", "GD20190228001 工单 No.7 ７号",
]
ALPHABET = "的了在是和与 ，。、！？：；“”（）abcXYZ019+#&._%-\n\r\t　㐀豈龥é"


def _corpus(seed=14, n=400):
    jieba.dt.check_initialized()
    rng = random.Random(seed)
    words = list(jieba.dt.FREQ)[::97]
    texts = list(LETTERS)
    for _ in range(n):
        texts.append("".join(rng.choice(words) if rng.random() < 0.75 else rng.choice(ALPHABET)
                             for _ in range(rng.randint(0, 40))))
    return texts


def test_the_cutter_gives_jiebas_words_and_parts():
    for text in _corpus():
        found = jieba_words(text)
        assert segment.words(text) == found, text
        assert segment.parts(text, found) == jieba_parts(text, found), text


def test_an_entry_is_what_jieba_gave_it():
    texts = _corpus(seed=15, n=150)
    for title, description, address in zip(texts, texts[1:], texts[2:]):
        assert index.entry_values(title, description, address) == jieba_entry(title, description, address)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(ALPHABET + "路灯不亮拖欠工资噪声扰民小区工地施工农民工中华人民共和国")),
               max_size=60))
def test_the_cutter_agrees_with_jieba_on_any_text(text):
    found = jieba_words(text)
    assert segment.words(text) == found
    assert segment.parts(text, found) == jieba_parts(text, found)
