"""What a search query means, and how each engine is asked for it.

The language, for people who type into a search box:

- words separated by spaces must all be found, anywhere, apart or together
  (拖欠 工资 finds 拖欠了三个月的工资); a run of Chinese is cut into its words
  the way the index cuts texts, and a long word also stands for its pieces
  apart (拖欠工资 finds 拖欠 … 工资 as well);
- ``OR`` (or ``|``) between two words or phrases finds either;
  it binds closer than the spaces: 噪音 OR 油烟 夜间 = (噪音 or 油烟) and 夜间;
- quotes ("…" or “…”) ask for the words in that order, next to each other;
- a word of a synonym group stands for its group (噪音 finds 噪声 too);
- a lone Chinese character is the start of a word (噪 finds 噪声).

:func:`parse` builds a small tree; :func:`fts5` and :func:`tsquery` write it
in the query syntax of SQLite FTS5 and of PostgreSQL. Every word goes to the
engine quoted, so nothing a person types is read as the engine's own syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import segment, synonyms

MAX_TERMS = 16  # words and phrases a query may hold; the rest is ignored
_TOKEN = re.compile(r'"([^"]*)"?|“([^”]*)”?|(\S+)')
_OR = frozenset({"OR", "|", "或者"})


@dataclass(frozen=True)
class Word:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any:
    items: tuple


def _simplify(node):
    if isinstance(node, (All, Any)):
        items = tuple(dict.fromkeys(_simplify(i) for i in node.items if i is not None))
        if not items:
            return None
        return items[0] if len(items) == 1 else type(node)(items)
    return node


def _word(word: str):
    """One query word: itself, or (for a long Chinese word) its pieces apart (拖欠工资: 拖欠 … 工资)."""
    pieces = segment.pieces(word)
    if pieces:
        return Any((Word(word), All(tuple(Word(p) for p in pieces))))
    return Word(word, prefix=segment.is_single_character(word))


def _words_node(found: tuple[str, ...]):
    return All(tuple(_word(w) for w in found))


def _chunk(text: str, groups) -> object | None:
    """An unquoted chunk: the chunk itself when it is a synonym entry, else its words, each with its group."""
    found = tuple(segment.words(text))
    if not found:
        return None
    if found in groups:
        return Any(tuple(_words_node(entry) for entry in groups[found]))
    items = []
    for word in found:
        group = groups.get((word,))
        items.append(Any(tuple(_words_node(entry) for entry in group)) if group else _words_node((word,)))
    return All(tuple(items))


def _phrase(text: str):
    found = tuple(segment.words(text))
    if not found:
        return None
    return Phrase(found) if len(found) > 1 else Word(found[0])


def parse(text: str):
    """The tree of ``text``, or None when it holds no word to search for."""
    groups = synonyms.groups()
    alternatives: list[list] = []  # AND of (OR of items)
    pending_or = False
    count = 0
    for match in _TOKEN.finditer(text or ""):
        quoted = match.group(1) if match.group(1) is not None else match.group(2)
        bare = match.group(3)
        if bare is not None and bare.upper() in _OR:
            pending_or = bool(alternatives)
            continue
        if count >= MAX_TERMS:
            break
        node = _phrase(quoted) if quoted is not None else _chunk(bare, groups)
        if node is None:
            continue
        count += 1
        if pending_or:
            alternatives[-1].append(node)
        else:
            alternatives.append([node])
        pending_or = False
    return _simplify(All(tuple(Any(tuple(a)) for a in alternatives)))


# --- SQLite FTS5 ------------------------------------------------------------------

def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts5(node) -> str:
    """The FTS5 MATCH expression; a phrase is looked for in the real word order only (not in ``parts``)."""
    if isinstance(node, Word):
        return _fts_string(node.text) + ("*" if node.prefix else "")
    if isinstance(node, Phrase):
        return "{title place body} : " + _fts_string(" ".join(node.words))
    joiner = " AND " if isinstance(node, All) else " OR "
    return "(" + joiner.join(fts5(item) for item in node.items) + ")"


# --- PostgreSQL ---------------------------------------------------------------------

def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def tsquery(node) -> str:
    """The argument of ``to_tsquery('simple', …)``."""
    if isinstance(node, Word):
        return _lexeme(node.text) + (":*" if node.prefix else "")
    if isinstance(node, Phrase):  # in the real word order only: weights A-C (D is ``parts``)
        return "(" + " <-> ".join(_lexeme(w) + ":ABC" for w in node.words) + ")"
    joiner = " & " if isinstance(node, All) else " | "
    return "(" + joiner.join(tsquery(item) for item in node.items) + ")"
