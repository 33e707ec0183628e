"""Writing many rows at once, for the bulk paths (an import's people, history entries, search
documents, duplicate keys and report rows): ``fast_insert`` gives the rows ``bulk_create`` would
write at a fraction of the CPU, ``stand_in`` is a row that is not a model instance.

Generic over models (it knows no app): the domains' bulk services (``contacts.bulk``) and the
features (``dataio``) use it, and hand it to the engines that write rows for them
(``search.engine.index_new_documents(insert=fast_insert, make=stand_in)``).
"""

from __future__ import annotations

import operator
import sqlite3
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

from django.db import connection, models
from django.utils import timezone

_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_PLAIN_TYPES = (str, int, bool)


_MISSING = object()


def stand_in(**values: Any) -> Any:
    """A row for ``fast_insert`` that is not a model instance: the attributes given (by
    attname: ``contact_id``), the other columns take their field's default. For rows nobody
    reads back (history entries, search documents, duplicate keys, tag links): a model's
    ``__init__`` costs ~15 µs, and an import made a dozen of them a person."""
    return SimpleNamespace(**values)


def fast_insert(model: type[models.Model], objs: Sequence[Any], *, returning: bool = False) -> None:
    """``model.objects.bulk_create(objs)`` for rows whose primary key nobody needs back, with
    the same column values, at a fraction of the CPU.

    Why: ``bulk_create`` compiles every value through each field's ``get_db_prep_save`` (about
    3 µs a value: half of an import's write time). Here a value already of a plain type (str,
    int, bool, None) for a character, text, integer, boolean or foreign-key column goes as is,
    which is what those methods return for it; anything else (JSON, dates, UUIDs, a
    ``TextChoices`` member, a lazy string) takes the field's own path. A ``stand_in`` row
    without a column gets the field's default (prepared once per call unless the default is
    a function other than ``dict``/``list``). ``auto_now``/``auto_now_add`` columns take one
    ``timezone.now()`` per call, set on every object as ``pre_save`` would. Rows go in
    multi-row INSERTs within the database's parameter limit. With ``returning`` each object
    gets its primary key (``RETURNING``, in the order of the rows, as ``bulk_create`` relies
    on) and is marked saved; else primary keys are not set."""
    if not objs:
        return
    fields = [
        f
        for f in model._meta.local_concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    attnames = [f.attname for f in fields]
    auto = [
        i
        for i, f in enumerate(fields)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    # a sealable column (core.models.SealedTextField) always takes its own path: it may seal
    plain = [isinstance(f, _PLAIN_FIELDS) and not getattr(f, "seals", False) for f in fields]
    convert = [(i, f, plain[i]) for i, f in enumerate(fields) if i not in auto]
    # a column sealed row by row (ADR 0052) asks the row first, as ``pre_save`` would, when
    # any row may be sealed now (else each row would be asked for nothing: ~10 µs a phone)
    row_sealed: list[tuple[int, Any]] = [
        (i, f)
        for i, f in enumerate(fields)
        if getattr(f, "per_row", False) and f.sealing_now()  # type: ignore[attr-defined]
    ]
    defaults: list[Any] = []
    for f in fields:
        fixed = not f.has_default() or not callable(f.default) or f.default in (dict, list)
        defaults.append(f.get_db_prep_save(f.get_default(), connection) if fixed else _MISSING)
    # Empty JSON values (most of a person's lists) are prepared once.
    empty_json = {
        i: (f.get_db_prep_save([], connection), f.get_db_prep_save({}, connection))
        for i, f in enumerate(fields)
        if isinstance(f, models.JSONField)
    }
    now = timezone.now()
    now_values = {i: fields[i].get_db_prep_save(now, connection) for i in auto}
    auto_names = [attnames[i] for i in auto]
    read_model = operator.attrgetter(*attnames)
    rows: list[Any] = []
    for obj in objs:
        for name in auto_names:
            setattr(obj, name, now)
        if type(obj) is SimpleNamespace:
            held = obj.__dict__
            values = [held.get(name, _MISSING) for name in attnames]
        else:
            got = read_model(obj)
            values = list(got) if len(attnames) > 1 else [got]
        for i, f in row_sealed:
            values[i] = f.value_for_row(obj, values[i])
        for i, f, is_plain in convert:
            value = values[i]
            if value is _MISSING:
                value = defaults[i]
                if value is _MISSING:
                    value = f.get_db_prep_save(f.get_default(), connection)
                values[i] = value
            elif not (is_plain and (value is None or type(value) in _PLAIN_TYPES)):
                if not value and i in empty_json and type(value) in (list, dict):
                    values[i] = empty_json[i][type(value) is dict]
                else:
                    values[i] = f.get_db_prep_save(value, connection)
        for i, value in now_values.items():
            values[i] = value
        rows.extend(values)
    if connection.vendor == "postgresql":
        _copy_rows(model, fields, objs, rows, returning=returning)
        return
    quote = connection.ops.quote_name
    # Table and column names come from the model, quoted; every value is a parameter.
    head = (
        f"INSERT INTO {quote(model._meta.db_table)} "  # noqa: S608
        f"({', '.join(quote(f.column) for f in fields)}) VALUES "
    )
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 30000
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 32):
        limit = 32766  # Django assumes the pre-3.32 limit of 999
    width = len(fields)
    tail = f" RETURNING {quote(model._meta.pk.column)}" if returning else ""
    with connection.cursor() as cursor:
        for start, count in _statement_sizes(len(objs), max(1, limit // width)):
            cursor.execute(
                head + ", ".join([one] * count) + tail,
                rows[start * width : (start + count) * width],
            )
            if returning:
                ids = [row[0] for row in cursor.fetchall()]
                for obj, pk in zip(objs[start : start + count], ids, strict=True):
                    obj.pk = pk
                    obj._state.adding = False
                    obj._state.db = connection.alias


#: Rows per INSERT statement, at most (fewer when the columns would pass the parameter limit).
ROWS_PER_STATEMENT = 128


def _statement_sizes(total: int, most: int) -> Iterator[tuple[int, int]]:
    """(first row, rows) of each INSERT for ``total`` rows: full statements of
    ``ROWS_PER_STATEMENT`` rows, the rest in powers of two. So a table is written with at most
    eight distinct statements, which the driver prepares once and keeps (a statement of any
    other size was prepared afresh for each batch, and SQLite's prepared statements of
    thousands of parameters, a hundred of them cached, made most of the growth of an import's
    memory)."""
    size = ROWS_PER_STATEMENT
    while size > most:
        size //= 2
    start = 0
    while start < total:
        while size > total - start:
            size //= 2
        yield start, size
        start += size


def _copy_rows(
    model: type[models.Model],
    fields: list[Any],
    objs: Sequence[Any],
    rows: list[Any],
    *,
    returning: bool,
) -> None:
    """PostgreSQL: the rows through ``COPY ... FROM STDIN`` (psycopg's ``write_row``), the bulk
    path DESIGN.md names. A multi-row INSERT of thousands of parameters cost about three
    times the server's own work in building and sending the statement. With ``returning``,
    primary keys are taken from the table's sequence first (in ascending order, one per row,
    as the INSERT would have drawn them) and written with the rows."""
    quote = connection.ops.quote_name
    width = len(fields)
    columns = [f.column for f in fields]
    table = model._meta.db_table
    with connection.cursor() as cursor:
        ids: list[int] = []
        if returning:
            pk = model._meta.pk
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, len(objs)],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
            columns.insert(0, pk.column)
        # Table and column names come from the model, quoted; values go as COPY data.
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for n in range(len(objs)):
                row = rows[n * width : (n + 1) * width]
                copy.write_row([ids[n], *row] if returning else row)
    if returning:
        for obj, pk_value in zip(objs, ids, strict=True):
            obj.pk = pk_value
            obj._state.adding = False
            obj._state.db = connection.alias
