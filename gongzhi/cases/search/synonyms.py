"""Synonyms of a search: groups of words that administrators keep as data (``SynonymGroup``).

A query word found in an active group stands for the whole group: 噪音 finds
texts with 噪音 or 噪声. A group's entry may be an expression of several
words (拖欠农民工工资): it is matched as its words, each present. The groups
are kept in the process (:class:`gongzhi.core.snapshots.Snapshot`), fresh
within a second of an edit.
"""

from __future__ import annotations

import re

from gongzhi.core.snapshots import Snapshot

from . import segment

_SEPARATORS = re.compile(r"[\s,，、;；/|]+")


def split_terms(text: str) -> list[str]:
    """The distinct entries of a group as typed (spaces, commas, 、, ; or / between them)."""
    terms = []
    for term in _SEPARATORS.split(text or ""):
        term = term.strip()
        if term and term not in terms:
            terms.append(term)
    return terms


def key(term: str) -> tuple[str, ...]:
    """How an entry is recognised in a query: its words, as the index cuts them."""
    return tuple(segment.words(term))


def _load() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    from gongzhi.cases.models import SynonymGroup

    groups: dict[tuple[str, ...], tuple[tuple[str, ...], ...]] = {}
    for words in SynonymGroup.objects.filter(is_active=True).order_by("id").values_list("words", flat=True):
        entries = tuple(dict.fromkeys(k for k in (key(t) for t in split_terms(words)) if k))
        if len(entries) < 2:
            continue
        for entry in entries:
            groups.setdefault(entry, entries)
    return groups


def _models():
    from gongzhi.cases.models import SynonymGroup

    return (SynonymGroup,)


# Made on first use: the models module imports this one, so the model is not there at import time.
GROUPS: Snapshot | None = None


def groups() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Entry (as words) → every entry of its group."""
    global GROUPS
    if GROUPS is None:
        GROUPS = Snapshot("cases.synonyms", _load, models=_models())
    return GROUPS.get()
