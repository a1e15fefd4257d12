"""One prepared INSERT per model, for rows written on every request.

``Model.save()`` rebuilds its INSERT through the query compiler on every call,
which costs about a millisecond of Python per row on a small server: more than
SQLite needs to store the row. Case intake writes three rows per case (the
case, its event, its audit event), so that cost decided the intake rate.
:func:`insert` writes one new instance with a statement built once per model
and database vendor, and the values converted by the model's own fields
(``pre_save`` for ``auto_now`` and friends, ``get_db_prep_save`` for the
database's types), so the stored row is the one ``save(force_insert=True)``
would have stored.

What it does not do: send ``pre_save``/``post_save`` signals, handle
multi-table inheritance, or update an existing row. It is for rows that are
only ever appended (case events, audit events) and for new rows of models no
signal receiver listens to; a model that starts to need signals must go back
to ``save()``.
"""

from __future__ import annotations

from django.db import connections, models, router
from django.utils import timezone

# Field classes whose conversion leaves a value of these exact types unchanged on every backend (the
# exact class: a subclass, such as an encrypted field, may convert), so it is passed as it is.
_PLAIN = {
    models.CharField: (str,), models.TextField: (str,), models.BooleanField: (bool,),
    models.FloatField: (float,), models.IntegerField: (int,), models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,), models.PositiveIntegerField: (int,), models.PositiveSmallIntegerField: (int,),
    models.PositiveBigIntegerField: (int,), models.AutoField: (int,), models.BigAutoField: (int,),
}

_statements: dict[tuple, tuple] = {}


def _plain_types(field) -> tuple:
    """The value types ``field`` stores unchanged, () when every value must go through the field."""
    if type(field) is models.ForeignKey:
        return _plain_types(field.target_field)
    if type(field) in (models.DateTimeField, models.DateField) and not (field.auto_now or field.auto_now_add):
        return (type(None),)  # NULL stays NULL; a date or time is converted by the field
    if type(field).pre_save is not models.Field.pre_save or type(field) not in _PLAIN:
        return ()
    return (*_PLAIN[type(field)], type(None))


def _statement(model, connection, with_pk: bool) -> tuple:
    """(sql, [(field, plain types)], returns_pk), built once per model, database and whether the pk is given."""
    key = (model, connection.alias, connection.vendor, with_pk)
    found = _statements.get(key)
    if found is None:
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{meta.label} inherits from another model; save() it instead")
        returns_pk = meta.auto_field is not None and not with_pk
        fields = [f for f in meta.local_concrete_fields
                  if not getattr(f, "generated", False) and not (returns_pk and f is meta.auto_field)]
        quote = connection.ops.quote_name
        sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
               f"VALUES ({', '.join(['%s'] * len(fields))})")
        if returns_pk and connection.features.can_return_columns_from_insert:
            sql += f" RETURNING {quote(meta.db_table)}.{quote(meta.pk.column)}"
        found = _statements[key] = (sql, [(f, f.attname, _plain_types(f)) for f in fields], returns_pk)
    return found


_native_sql: dict[tuple[str, str], str] = {}


def _native(sql: str, connection) -> str:
    """The statement in the driver's own placeholder style (``?`` for sqlite3, ``%s`` for psycopg)."""
    key = (sql, connection.vendor)
    found = _native_sql.get(key)
    if found is None:
        found = _native_sql[key] = sql.replace("%s", "?") if connection.vendor == "sqlite" else sql
    return found


def _params(obj, fields, connection) -> list:
    params = []
    for field, attname, plain in fields:
        value = getattr(obj, attname)
        if type(value) not in plain:
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        params.append(value)
    return params


def insert(obj, *, using: str | None = None):
    """Store the new ``obj`` with one INSERT; set its primary key; return it."""
    model = type(obj)
    using = using or router.db_for_write(model, instance=obj)
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save")
    sql, fields, returns_pk = _statement(model, connection, obj.pk is not None)
    params = _params(obj, fields, connection)
    if connection.queries_logged or connection.execute_wrappers:
        cursor = connection.cursor()  # DEBUG logging and execute wrappers see the statement
    else:
        # Django's cursor wrapper would only convert the placeholders (done once, in _native) and
        # translate errors (done here), at a third of the statement's cost.
        connection.validate_no_broken_transaction()
        connection.ensure_connection()
        connection.validate_thread_sharing()
        cursor, sql = connection.connection.cursor(), _native(sql, connection)
    with connection.wrap_database_errors:
        try:
            cursor.execute(sql, params)
            if returns_pk:
                meta = model._meta
                if connection.features.can_return_columns_from_insert:
                    value = cursor.fetchone()[0]
                else:
                    value = connection.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
                obj.pk = meta.pk.to_python(value)
        finally:
            cursor.close()
    obj._state.adding = False
    obj._state.db = using
    return obj


def insert_many(objs: list, *, using: str | None = None, with_pks: bool = False) -> list:
    """Store the new ``objs`` (of one model) with one prepared INSERT run by ``executemany``; return them.

    For a batch of an import: ``bulk_create`` compiles a multi-row statement
    and prepares every value through the query compiler (most of an import's
    time); this converts each value once, as :func:`insert` does. With
    ``with_pks`` each object gets its primary key first, reserved from the
    table's sequence (PostgreSQL) or past the highest key ever given (SQLite,
    whose write lock the caller's transaction holds), for rows that others
    point to. Foreign keys must carry their keys already (``case_id`` set,
    or the related object saved before it was assigned). Runs inside the
    caller's transaction.
    """
    if not objs:
        return objs
    model = type(objs[0])
    using = using or router.db_for_write(model)
    connection = connections[using]
    if with_pks:
        for obj, pk in zip(objs, _reserve_keys(model, connection, len(objs)), strict=True):
            obj.pk = pk
    sql, fields, _returns_pk = _statement(model, connection, with_pks)
    sql = sql.split(" RETURNING ")[0]  # executemany returns nothing; keys are reserved above when needed
    with connection.cursor() as cursor:
        cursor.executemany(sql, [_params(obj, fields, connection) for obj in objs])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using
    return objs


def insert_rows(model, rows: list[dict], *, using: str | None = None) -> int:
    """Store new rows of ``model`` given as ``{attname: value}`` dicts, with one prepared INSERT; how many.

    :func:`insert_many` without the model instances: for the rows a batch
    appends and nobody reads back (case events, audit events, search entries),
    building an instance per row cost more than converting its values. A
    field a row leaves out gets its default (evaluated once for the call:
    ``timezone.now`` gives the whole batch one time; ``auto_now`` fields too).
    Values are converted by the fields as :func:`insert` converts them; the
    primary key is the database's unless the rows give it. No signals.
    Runs inside the caller's transaction.
    """
    if not rows:
        return 0
    using = using or router.db_for_write(model)
    connection = connections[using]
    with_pk = model._meta.pk.attname in rows[0]
    sql, fields, _returns_pk = _statement(model, connection, with_pk)
    sql = sql.split(" RETURNING ")[0]
    missing = object()
    columns = []
    for field, attname, plain in fields:
        if attname in rows[0]:
            columns.append((attname, field, plain, missing))
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            default = timezone.now()
        else:
            default = field.get_default()
        columns.append((attname, None, (), field.get_db_prep_save(default, connection)))
    params = []
    for row in rows:
        values = []
        for attname, field, plain, default in columns:
            if field is None:
                values.append(default)
                continue
            value = row[attname]
            values.append(value if type(value) in plain else field.get_db_prep_save(value, connection))
        params.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _reserve_keys(model, connection, count: int) -> list[int]:
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [table, column, count])
            return [row[0] for row in cursor.fetchall()]
        if connection.vendor != "sqlite" or not connection.in_atomic_block:
            raise RuntimeError("insert_many(with_pks=True) needs PostgreSQL or SQLite inside a transaction")
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT max({quote(column)}) FROM {quote(table)}")
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        highest = max(highest, row[0] if row else 0)
    return list(range(highest + 1, highest + 1 + count))
