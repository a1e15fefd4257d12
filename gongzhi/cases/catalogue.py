"""The category tree, kept in the process for the writes that read it on every call.

Case intake looks its category up by code for every case; the tree changes a
few times a year. :data:`CATEGORIES` is a :class:`gongzhi.core.snapshots.Snapshot`
of it: dropped at once in this process when a category is saved or deleted,
loaded again at most ``settings.CONFIG_SNAPSHOT_MAX_AGE`` seconds (default 1)
after a change made by another process. A code the snapshot does not know
yet is looked up in the database, so a category just created elsewhere is
usable at once.

The instances are shared between threads (parents linked, so walking up the
tree reads nothing): read them, never change or save them.
"""

from __future__ import annotations

from gongzhi.core.snapshots import Snapshot

from .models import Category


def _load() -> dict[str, Category]:
    categories = list(Category.objects.all())
    by_pk = {c.pk: c for c in categories}
    for category in categories:
        if category.parent_id in by_pk:
            category.parent = by_pk[category.parent_id]
    return {c.code: c for c in categories}


CATEGORIES = Snapshot("cases.categories", _load, models=(Category,))


def by_code(code: str) -> Category | None:
    """The category with ``code`` (active or not), or None when there is none."""
    category = CATEGORIES.get().get(code)
    if category is None:
        category = Category.objects.select_related("parent").filter(code=code).first()
    return category
