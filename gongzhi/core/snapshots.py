"""Configuration read on every request, kept in the process: :class:`Snapshot`.

Some rows are read by almost every write and change a few times a year: the
category tree (codes, deadlines, default unit kinds), for example, is read by
every case intake. Reading them again for each request costs more than the
write itself, so a :class:`Snapshot` keeps what its ``load`` function built
from them, shared by the threads of a process, and keeps it correct the way
the grid index (:mod:`gongzhi.regions.grid_index`) keeps its polygons:

- in this process, saving or deleting a row of one of its ``models`` drops the
  snapshot at once (and again when the transaction commits, so that another
  thread that loaded the uncommitted state in between does not keep it);
- changes made by another process (a second web worker, a command, a raw
  ``UPDATE``) are seen at the latest ``settings.CONFIG_SNAPSHOT_MAX_AGE``
  seconds (default 1) later: a snapshot older than that is loaded again.
  The rows concerned are few, so loading them again is the freshness check.

A snapshot holds model instances shared between threads: callers read them
and must not change or save them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

DEFAULT_MAX_AGE = 1.0

_all: list[Snapshot] = []


class Snapshot:
    def __init__(self, name: str, load: Callable[[], object], *, models: tuple):
        self.name = name
        self._load = load
        self._lock = threading.Lock()
        self._value = None
        self._loaded_at = 0.0
        self._generation = 0  # moved by every invalidation
        for model in models:
            post_save.connect(self._changed, sender=model, dispatch_uid=f"snapshot:{name}:saved:{model.__name__}",
                              weak=False)
            post_delete.connect(self._changed, sender=model,
                                dispatch_uid=f"snapshot:{name}:deleted:{model.__name__}", weak=False)
        _all.append(self)

    def get(self, *, max_age: float | None = None):
        """The current value: loaded again when older than ``max_age`` seconds (0: now)."""
        if max_age is None:
            max_age = float(getattr(settings, "CONFIG_SNAPSHOT_MAX_AGE", DEFAULT_MAX_AGE))
        value = self._value
        if value is not None and time.monotonic() - self._loaded_at <= max_age:
            return value
        with self._lock:
            generation = self._generation
            value = self._load()
            if generation == self._generation:  # not dropped while loading: keep it
                self._value, self._loaded_at = value, time.monotonic()
            return value

    def invalidate(self) -> None:
        """Forget the value; the next :meth:`get` loads it again."""
        self._generation += 1
        self._value = None
        self._loaded_at = 0.0

    def _changed(self, sender, using=None, **kwargs):
        self.invalidate()
        transaction.on_commit(self.invalidate, using=using)


def invalidate_all() -> None:
    """Forget every snapshot (tests start from the database they just set up)."""
    for snapshot in _all:
        snapshot.invalidate()
