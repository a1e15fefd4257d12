"""Work-order numbers (受理编号): the number staff read out on the phone.

A number is the local date of intake and that day's sequence number, zero-padded
to five digits: ``2026120500042`` is the 42nd case received on 5 December 2026.
It is unique in the deployment (a unique column) and given once, at intake,
inside the intake's transaction, from the day's counter
(:class:`~gongzhi.cases.models.WorkOrderDay`) incremented by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement (PostgreSQL and
SQLite ≥ 3.35 alike): concurrent intakes wait on the day's row (PostgreSQL) or
on the write lock (SQLite) and each gets the next number; a rolled-back intake
gives its number back with its transaction, so numbers have no gaps.

A sequence past 99999 simply grows a digit; the date part always has eight, so
two numbers of different days never collide. The hotline's own number
(``Case.hotline_id``, 工单编号) is another thing: it comes from the 12345
platform and is kept as given.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from django.db import connections, router
from django.utils import timezone

from .models import Case, WorkOrderDay

SEQUENCE_DIGITS = 5
# Eight digits of a date, then at least SEQUENCE_DIGITS of sequence.
NUMBER_PATTERN = re.compile(rf"^(\d{{8}})(\d{{{SEQUENCE_DIGITS},}})$")


def format_number(day: date, sequence: int) -> str:
    return f"{day:%Y%m%d}{sequence:0{SEQUENCE_DIGITS}d}"


def day_of(moment: datetime | None) -> date:
    """The local calendar day a case received at ``moment`` is numbered under."""
    return timezone.localdate(moment or timezone.now())


def reserve(day: date, count: int = 1, *, using: str | None = None) -> int:
    """Take ``count`` sequence numbers of ``day``; the first of them (the last is first + count - 1).

    Must run inside the transaction that stores the numbered cases, so that the
    counter and the cases commit or roll back together.
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    alias = using or router.db_for_write(WorkOrderDay)
    connection = connections[alias]
    quote = connection.ops.quote_name
    table = quote(WorkOrderDay._meta.db_table)
    day_column, last_column = quote("day"), quote("last")
    day_value = WorkOrderDay._meta.get_field("day").get_db_prep_save(day, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({day_column}, {last_column}) VALUES (%s, %s) "
            f"ON CONFLICT ({day_column}) DO UPDATE SET {last_column} = {table}.{last_column} + excluded.{last_column} "
            f"RETURNING {last_column}", [day_value, count])
        last = cursor.fetchone()[0]
    return last - count + 1


def next_number(moment: datetime | None = None, *, using: str | None = None) -> str:
    """The next work-order number of the day of ``moment`` (default: now)."""
    day = day_of(moment)
    return format_number(day, reserve(day, using=using))


def parse(text: str) -> str | None:
    """``text`` as a work-order number (spaces and dashes read out on the phone ignored), or None."""
    compact = re.sub(r"[\s\-]", "", text or "")
    match = NUMBER_PATTERN.match(compact)
    if match is None:
        return None
    try:
        datetime.strptime(match.group(1), "%Y%m%d")
    except ValueError:
        return None
    return compact


def number_case(case: Case, *, using: str | None = None) -> None:
    """Give a new ``case`` its number, from the day it was received (``created_at``), unless it has one."""
    if not case.number:
        case.number = next_number(case.created_at, using=using)
