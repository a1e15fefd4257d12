"""Files stored during a transaction leave with it when it rolls back.

A stored file (a case photo) lives in the storage, its row in the database.
When the transaction that wrote the row rolls back — a later field is
invalid, the audit event cannot be written, the case moved on, a second photo
of the same report is refused — the row is gone but the file would stay, an
orphan nobody can see or delete through the product.

Django has no on-rollback hook, so the rule is kept here in two parts:

- :func:`store` saves the file and notes it with the innermost open
  :func:`atomic` block; it refuses to run outside one.
- :func:`atomic` is ``transaction.atomic()`` that deletes the files noted in
  it when the block does not commit its work: it left with an exception, or
  an inner error was swallowed so the block rolls back anyway
  (``needs_rollback``). A nested block that succeeds hands its files to the
  enclosing one, because that one may still roll back; only the outermost
  block's success means the files are kept.

Why not "store on commit" (write the file in ``transaction.on_commit``)?
Then a crash or a full disk between the commit and the write leaves a row
whose file never arrives: a photo lost that the user was told was saved.
Storing first and deleting on rollback can only err the other way (a crash
inside the transaction leaves an orphan file, never a row without its file),
and orphans are harmless: names are unique and no row points to them.

So that no rollback escapes, the outermost ``atomic()`` refuses to open
inside a plain ``transaction.atomic()`` (whose rollback it could not see);
a face that groups several writes with stored files uses this ``atomic()``.
The transactions that wrap each test (pytest-django / TestCase) are not
counted, as they are not part of the code under test.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, transaction

logger = logging.getLogger(__name__)

_local = threading.local()


def _stack(using: str) -> list[list]:
    stacks = getattr(_local, "stacks", None)
    if stacks is None:
        stacks = _local.stacks = {}
    return stacks.setdefault(using, [])


def _plain_blocks(using: str) -> int:
    """Open atomic blocks of the connection that are not a test's wrapper."""
    connection = transaction.get_connection(using)
    return sum(1 for block in connection.atomic_blocks if not getattr(block, "_from_testcase", False))


def _delete(stored: list) -> None:
    for storage, name in reversed(stored):
        try:
            storage.delete(name)
        except Exception:  # noqa: BLE001 - never hide the error that caused the rollback
            logger.warning("could not delete %s after a rollback", name, exc_info=True)


@contextmanager
def atomic(using: str | None = None):
    """``transaction.atomic()`` whose rollback also deletes the files :func:`store` saved inside it."""
    using = using or DEFAULT_DB_ALIAS
    stack = _stack(using)
    if not stack and _plain_blocks(using):
        raise RuntimeError("gongzhi.core.files.atomic() inside a plain transaction.atomic(): its rollback would "
                           "leave the stored files behind; open the outer block with files.atomic() instead")
    stored: list = []
    stack.append(stored)
    try:
        with transaction.atomic(using=using):
            yield
            rolled_back = transaction.get_connection(using).needs_rollback
    except BaseException:
        stack.pop()
        _delete(stored)
        raise
    stack.pop()
    if rolled_back:
        _delete(stored)
    elif stack:
        stack[-1].extend(stored)  # the enclosing block may still roll back


def store(field_file, name: str, content) -> str:
    """Save ``content`` into ``field_file`` (a ``FieldFile``, not saving its row) inside :func:`atomic`.

    Returns the name the storage chose. Deleted again if the transaction rolls back.
    """
    stack = _stack(DEFAULT_DB_ALIAS)
    if not stack:
        raise RuntimeError("gongzhi.core.files.store() outside gongzhi.core.files.atomic()")
    field_file.save(name, content, save=False)
    stack[-1].append((field_file.storage, field_file.name))
    return field_file.name
