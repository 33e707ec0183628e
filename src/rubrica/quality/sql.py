"""Small SQL building blocks that keep the quality scans in C inside the database.

Django's ``__regex`` on SQLite calls back into Python for every row, and a dozen ``__contains``
per text column multiply the passes over each value; at a million people that was seconds per
figure (measured on the 1M-person benchmark database). ``LIKE`` with raw patterns, ``TRIM`` and
``INSTR`` are cheap tests the database runs without leaving C.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, F, Func, Lookup, Q, Value
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan

#: White space ``normalize.single_line`` removes at the ends of a value.
EDGE_SPACE = " \t\n\r\u00a0"


class TrimChars(Func):
    """The value without any of ``EDGE_SPACE`` at either end (SQL ``TRIM(x, chars)`` on SQLite,
    ``BTRIM(x, chars)`` on PostgreSQL)."""

    function = "TRIM"
    output_field = CharField()

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, Value(EDGE_SPACE))

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, function="BTRIM", **extra)


class Like(Lookup[str]):
    """``lhs LIKE 'pattern'`` with the pattern as written (``%`` wildcards, no escaping): only
    for fixed patterns in this module, never for user input."""

    lookup_name = "quality_like"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


def like(field: str | Any, pattern: str) -> Q:
    lhs = F(field) if isinstance(field, str) else field
    return Q(Like(lhs, pattern))


def untidy(fields: tuple[str, ...] | list[str]) -> Q:
    """Some value of ``fields`` (single-line text) has white space at an end, or two spaces in a
    row, which the services would fold. Two cheap tests per column (``TRIM`` and ``INSTR``): a
    test per kind of white space, or one test over all columns joined, made the scan of a
    million people three to ten times slower. A tab or line break inside a value (not at an
    end) is therefore not looked for."""
    condition = Q(pk__in=[])
    for name in fields:
        condition |= ~Q(**{name: TrimChars(F(name))})
        condition |= Q(GreaterThan(StrIndex(F(name), Value("  ")), 0))
    return condition
