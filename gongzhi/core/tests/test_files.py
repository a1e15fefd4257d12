"""Files stored in a transaction are deleted when it rolls back, kept when it commits."""

from datetime import date
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import DatabaseError, transaction

from gongzhi.core import files
from gongzhi.core.models import CalendarOverride


class FakeFieldFile:
    """What :func:`files.store` needs of a model's FieldFile: save(), storage, name."""

    def __init__(self, storage):
        self.storage, self.name = storage, None

    def save(self, name, content, save=True):
        self.name = self.storage.save(name, content)


@pytest.fixture
def storage(tmp_path):
    return FileSystemStorage(location=tmp_path)


def stored_files(storage):
    return sorted(p.name for p in Path(storage.location).rglob("*") if p.is_file())


def store(storage, name="a.txt"):
    return files.store(FakeFieldFile(storage), name, ContentFile(b"x"))


@pytest.mark.django_db
def test_a_committed_block_keeps_its_files(storage):
    with files.atomic():
        store(storage, "kept.txt")
    assert stored_files(storage) == ["kept.txt"]


@pytest.mark.django_db
def test_an_exception_deletes_the_files_of_the_block(storage):
    with pytest.raises(ValueError), files.atomic():
        store(storage)
        raise ValueError("a later field is invalid")
    assert stored_files(storage) == []


@pytest.mark.django_db
def test_a_nested_block_that_succeeded_goes_with_the_outer_rollback(storage):
    with pytest.raises(ValueError), files.atomic():
        with files.atomic():
            store(storage, "first.txt")
        store(storage, "second.txt")
        raise ValueError("the second photo is refused")
    assert stored_files(storage) == []


@pytest.mark.django_db
def test_a_caught_inner_failure_deletes_only_the_inner_files(storage):
    with files.atomic():
        store(storage, "outer.txt")
        try:
            with files.atomic():
                store(storage, "inner.txt")
                raise ValueError
        except ValueError:
            pass
    assert stored_files(storage) == ["outer.txt"]


@pytest.mark.django_db
def test_a_swallowed_database_error_rolls_back_and_deletes(storage):
    CalendarOverride.objects.create(date=date(2025, 5, 6), kind="holiday")
    with files.atomic():
        store(storage)
        try:
            with transaction.atomic(savepoint=False):
                CalendarOverride.objects.create(date=date(2025, 5, 6), kind="holiday")  # unique day and region
        except DatabaseError:
            pass  # the block is marked for rollback: nothing of it is committed
    assert stored_files(storage) == []


@pytest.mark.django_db
def test_storing_outside_a_files_block_or_under_a_plain_transaction_is_refused(storage):
    with pytest.raises(RuntimeError):
        store(storage)
    with pytest.raises(RuntimeError), transaction.atomic(), files.atomic():
        pass
    assert stored_files(storage) == []
