"""The two ways of finding candidate documents: SQLite FTS5 and PostgreSQL pg_trgm.

Both receive folded terms (rubrica.search.text.query_terms) and narrow a SearchDocument queryset
to documents containing every term as a substring. User text never reaches FTS5 syntax: each term
becomes a string literal ("..." with "" escaping), so quotes, *, -, :, parentheses, NEAR, AND
are searched for as text and never raise.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from rubrica.search.models import FIELDS, SearchDocument
from rubrica.search.text import is_cjk

#: FTS5's trigram tokenizer matches substrings of three characters or more.
TRIGRAM_MIN = 3
#: pg_trgm word similarity at which a word becomes a typo candidate (rapidfuzz then decides).
WORD_SIMILARITY = 0.3


def fts_literal(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Backend(Protocol):
    def prepare(self, fields: dict[str, str]) -> dict[str, str]: ...

    def match(self, qs: QuerySet[SearchDocument], terms: list[str]) -> QuerySet[SearchDocument]: ...

    def after_reindex(self) -> None: ...

    def similar(
        self, qs: QuerySet[SearchDocument], term: str, cap: int
    ) -> list[SearchDocument]: ...


class SqliteBackend:
    """Long terms go to the trigram table (any substring). Terms of 1–2 characters cannot use
    trigrams; they go to the unicode61 table as word prefixes ("jo" finds "John", not "Bojo"),
    which its prefix indexes answer fast. Chinese names are also indexed with their characters
    spaced out, so a 1–2 character Chinese term is a phrase of single-character words there."""

    def prepare(self, fields: dict[str, str]) -> dict[str, str]:
        return {**fields, "body": ""}

    def match(self, qs: QuerySet[SearchDocument], terms: list[str]) -> QuerySet[SearchDocument]:
        long_terms = [t for t in terms if len(t) >= TRIGRAM_MIN]
        # unicode61 keeps only letters and digits: a short term of punctuation alone is no word.
        short_terms = [t for t in terms if len(t) < TRIGRAM_MIN and any(ch.isalnum() for ch in t)]
        if not long_terms and not short_terms:
            return qs.none()
        if long_terms:
            expression = " AND ".join(fts_literal(t) for t in long_terms)
            qs = qs.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM search_fts_trigram WHERE search_fts_trigram MATCH %s",
                    [expression],
                )
            )
        if short_terms:
            parts = []
            for term in short_terms:
                if is_cjk(term):
                    parts.append(fts_literal(" ".join(term)))
                else:
                    parts.append(fts_literal(term) + "*")
            qs = qs.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM search_fts_word WHERE search_fts_word MATCH %s",
                    [" AND ".join(parts)],
                )
            )
        return qs

    def similar(self, qs: QuerySet[SearchDocument], term: str, cap: int) -> list[SearchDocument]:
        """Documents whose names share trigrams with ``term``, most shared first (bm25), at most
        ``cap``: the candidates for typo-tolerant matching."""
        grams = list(dict.fromkeys(term[i : i + 3] for i in range(len(term) - 2)))
        if not grams:
            return []
        expression = "name : (" + " OR ".join(fts_literal(g) for g in grams) + ")"
        return list(
            qs.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM search_fts_trigram WHERE search_fts_trigram MATCH %s "
                    "ORDER BY rank LIMIT %s",
                    [expression, cap],
                )
            )
        )

    def after_reindex(self) -> None:
        """Rebuild both FTS indexes from the documents, whatever state they were in."""
        with connection.cursor() as cursor:
            for table in ("search_fts_trigram", "search_fts_word"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608


class PostgresBackend:
    """``body`` holds every group; ``LIKE '%term%'`` on it is served by the pg_trgm GIN index
    for terms of three characters or more. Terms of 1–2 characters match word starts, as on
    SQLite, with a regular expression (``\\m`` is PostgreSQL's start of word); trigrams cannot
    serve them, so they scan, bounded by the caller's LIMIT. Chinese ones match anywhere."""

    def prepare(self, fields: dict[str, str]) -> dict[str, str]:
        return {**fields, "body": "\n".join(fields[name] for name in FIELDS)}

    def match(self, qs: QuerySet[SearchDocument], terms: list[str]) -> QuerySet[SearchDocument]:
        for term in terms:
            if len(term) >= TRIGRAM_MIN or is_cjk(term):
                qs = qs.filter(body__contains=term)
            else:
                qs = qs.filter(body__regex=r"\m" + re.escape(term))
        return qs

    def similar(self, qs: QuerySet[SearchDocument], term: str, cap: int) -> list[SearchDocument]:
        """Documents with a word like ``term``: pg_trgm's ``<%``, served by the GIN index. Its
        threshold (``pg_trgm.word_similarity_threshold``, 0.6 by default, too strict for a
        swapped pair of letters) is lowered for this transaction only."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL pg_trgm.word_similarity_threshold = {WORD_SIMILARITY}")
            return list(
                qs.filter(
                    id__in=RawSQL(
                        "SELECT id FROM search_searchdocument WHERE %s <%% body LIMIT %s",
                        [term, cap],
                    )
                )
            )

    def after_reindex(self) -> None:
        return None


def backend() -> Any:
    return SqliteBackend() if connection.vendor == "sqlite" else PostgresBackend()
