"""Pinyin of personal names, for search by full pinyin or initials (``zs`` → 张三).

pypinyin reads characters as they are read in words; a few common surnames are
read differently (单 shàn, 曾 zēng, 解 xiè …), so the first character of a name
is looked up in :data:`SURNAME_READINGS` first.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")

SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "解": "xie", "区": "ou", "仇": "qiu", "朴": "piao", "查": "zha", "乐": "yue",
    "盖": "ge", "尉": "yu", "覃": "qin", "翟": "zhai", "员": "yun", "缪": "miao", "繁": "po", "召": "shao",
    "种": "chong", "秘": "bi", "冼": "xian", "折": "she", "长": "chang", "沈": "shen", "石": "shi", "万": "wan",
}


@lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, str]:
    """(full pinyin, initials) in lower case without spaces: ``("zhangsan", "zs")``."""
    name = " ".join((name or "").split())
    if not name:
        return "", ""
    # Latin words (foreign names) count as one syllable each.
    syllables = lazy_pinyin(name, style=Style.NORMAL, errors=lambda chunk: chunk.lower().split())
    if name[0] in SURNAME_READINGS and syllables:
        syllables[0] = SURNAME_READINGS[name[0]]
    syllables = [_NOT_LETTERS.sub("", s.replace("ü", "v")) for s in syllables]
    syllables = [s for s in syllables if s]
    return "".join(syllables)[:200], "".join(s[0] for s in syllables)[:50]
