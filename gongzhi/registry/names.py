"""Pinyin of personal names, for search by full pinyin or initials (``zs`` → 张三).

Names are read character by character (a name is not a phrase, and reading
each character once and caching it makes the bulk import about fifty times
faster than converting whole names). A few common surnames are read
differently from the character's usual reading (单 shàn, 曾 zēng, 解 xiè …), so
the first character of a name is looked up in :data:`SURNAME_READINGS` first.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
# One Han character at a time, or a run of anything else (a Latin word).
_ALL_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CHUNKS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[^\u3400-\u9fff\uf900-\ufaff]+")

SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "乐": "yue",
    "盖": "ge", "尉": "yu", "覃": "qin", "翟": "zhai", "员": "yun", "缪": "miao", "繁": "po", "召": "shao",
    "种": "chong", "秘": "bi", "冼": "xian", "折": "she", "长": "chang", "沈": "shen", "石": "shi", "万": "wan",
}


@lru_cache(maxsize=50_000)
def _syllables(chunk: str) -> tuple[str, ...]:
    # Latin words (foreign names) count as one syllable each.
    return tuple(lazy_pinyin(chunk, style=Style.NORMAL, errors=lambda text: text.lower().split()))


# Reading of each Han character met so far (a plain dict: the set of characters
# in names is small, a few thousand, and a dict lookup is cheaper than lru_cache).
_HAN: dict[str, str] = {}


def _han(char: str) -> str:
    syllable = _HAN.get(char)
    if syllable is None:
        syllable = _HAN[char] = _NOT_LETTERS.sub("", lazy_pinyin(char, style=Style.NORMAL)[0].replace("ü", "v"))
    return syllable


@lru_cache(maxsize=100_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case without spaces: ``("zhangsan", "zs")``."""
    name = " ".join((name or "").split())
    if not name:
        return "", ""
    if _ALL_HAN.fullmatch(name):  # the common case, one cached lookup per character
        get = _HAN.get
        syllables = [get(char) or _han(char) for char in name]
    else:
        syllables = []
        for chunk in _CHUNKS.findall(name):
            syllables.extend(_syllables(chunk))
        syllables = [_NOT_LETTERS.sub("", s.replace("ü", "v")) for s in syllables]
    if name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [s for s in syllables if s]
    return "".join(syllables)[:200], "".join(s[0] for s in syllables)[:50]
