"""The two ways of finding candidate documents: SQLite FTS5 and PostgreSQL pg_trgm.

Both receive folded terms (rubrica.search.text.query_terms) and narrow a SearchDocument queryset
to documents containing every term as a substring. User text never reaches FTS5 syntax: each term
becomes a string literal ("..." with "" escaping), so quotes, *, -, :, parentheses, NEAR, AND
are searched for as text and never raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from rubrica.search.models import FIELDS, SearchDocument
from rubrica.search.text import is_cjk

#: FTS5's trigram tokenizer matches substrings of three characters or more.
TRIGRAM_MIN = 3
FTS_TABLES = ("search_fts_trigram", "search_fts_word")
TRGM_INDEX = "search_document_body_trgm"
#: PostgreSQL: ``body`` with a mark before every word (each regular-expression word start).
#: pg_trgm cannot index a 1–2 character term, but with the doubled mark in front it becomes a
#: trigram or two ("ʬʬm", "ʬma"): migration 0003 indexes this expression and word prefixes are
#: looked up in it. "ʬ" (U+02AC) is a letter, so pg_trgm keeps it, and nobody types it (text
#: holding a word that starts with it is the only way to a false match).
WORD_MARK = "\u02ac\u02ac"
WORD_STARTS = f"regexp_replace(body, '\\m', '{WORD_MARK}', 'g')"
PG_INDEXES = (TRGM_INDEX, "search_document_starts_trgm")
#: pg_trgm similarity at which a vocabulary word becomes a typo candidate (rapidfuzz decides).
WORD_SIMILARITY = 0.3


def fts_literal(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


class Backend(Protocol):
    def prepare(self, fields: dict[str, str]) -> dict[str, str]: ...

    def match(self, qs: QuerySet[SearchDocument], terms: list[str]) -> QuerySet[SearchDocument]: ...

    def before_reindex(self) -> None: ...

    def after_reindex(self) -> None: ...

    def similar_words(self, term: str, cap: int) -> list[str]: ...

    def words_like(self, term: str, edits: int, cap: int) -> list[str]: ...

    def match_words(
        self, qs: QuerySet[SearchDocument], groups: list[list[str]]
    ) -> QuerySet[SearchDocument]: ...


def _lengths(term: str, edits: int) -> tuple[int, int]:
    return max(1, len(term) - edits), len(term) + edits


def _words_by_prefix(
    condition: str, params: Callable[[str], list[Any]], term: str, edits: int, cap: int
) -> list[str]:
    """``words_like`` of either backend: one query per ``word_prefixes(term)``, its
    ``condition`` on the word (with ``params(prefix)``) and the length bounds."""
    low, high = _lengths(term, edits)
    words: list[str] = []
    with connection.cursor() as cursor:
        for prefix in word_prefixes(term):
            cursor.execute(
                f"SELECT word FROM search_searchword WHERE {condition}"  # noqa: S608 - constant
                " AND length(word) BETWEEN %s AND %s LIMIT %s",
                [*params(prefix), low, high, cap],
            )
            words.extend(row[0] for row in cursor.fetchall())
    return words


def word_prefixes(term: str) -> list[str]:
    """The starts a word within a typo or two of ``term`` most likely has, longest first:
    its first three letters ("ros" for "rossi", typos further on), the same with the second
    and third swapped ("rsosi"), its first and third letters (the second is the typo:
    "rxossi"), its first two, and its first letter. Each is a capped list: in a large
    vocabulary the words starting with "r" or even "ro" are thousands and their list stops
    before reaching "rossi", which the longer starts still hold; in a small one the first
    letter's list holds every candidate ("rasxi" for "rossi")."""
    if len(term) < 3:
        return [term[:1]]
    starts = (term[:3], term[0] + term[2] + term[1], term[0] + term[2], term[:2], term[0])
    return list(dict.fromkeys(starts))


def _fts_join(
    qs: QuerySet[SearchDocument], table: str, expression: str
) -> QuerySet[SearchDocument]:
    """``qs`` joined with the FTS5 ``table`` on the document id, keeping the documents that
    match ``expression``. A join, not ``id IN (SELECT rowid ...)``: SQLite computes such a
    subquery in full before the first row (every document holding "mar" at a million people),
    while a join walks the FTS matches and stops at the caller's LIMIT."""
    return qs.extra(  # noqa: S610 - constant SQL, the expression is a parameter
        tables=[table],
        where=[f"{table} MATCH %s", f"{table}.rowid = search_searchdocument.id"],
        params=[expression],
    )


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
        substrings = " AND ".join(map(fts_literal, long_terms))
        parts = []
        for term in short_terms:
            if is_cjk(term):
                parts.append(fts_literal(" ".join(term)))
            else:
                parts.append(fts_literal(term) + "*")
        prefixes = " AND ".join(parts)
        if long_terms and short_terms:
            # Both tables: the intersection of their two lists. Joining both made SQLite probe
            # the second table once per match of the first ("he yang": 10,000 probes, 1.3 s at
            # a million people); the lists take 30 ms, or ~120 ms with a 1-letter prefix.
            return qs.filter(
                id__in=RawSQL(
                    "SELECT rowid FROM search_fts_trigram WHERE search_fts_trigram MATCH %s"
                    " INTERSECT"
                    " SELECT rowid FROM search_fts_word WHERE search_fts_word MATCH %s",
                    [substrings, prefixes],
                )
            )
        if long_terms:
            return _fts_join(qs, "search_fts_trigram", substrings)
        return _fts_join(qs, "search_fts_word", prefixes)

    def similar_words(self, term: str, cap: int) -> list[str]:
        """Vocabulary words sharing trigrams with ``term``, most shared first (bm25), at most
        ``cap``: the candidates for correcting a misspelled term."""
        grams = list(dict.fromkeys(term[i : i + 3] for i in range(len(term) - 2)))
        if not grams:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w.word FROM search_searchword w WHERE w.id IN ("
                " SELECT rowid FROM search_fts_vocabulary WHERE search_fts_vocabulary MATCH %s"
                " ORDER BY rank LIMIT %s)",
                [" OR ".join(fts_literal(g) for g in grams), cap],
            )
            return [row[0] for row in cursor.fetchall()]

    def words_like(self, term: str, edits: int, cap: int) -> list[str]:
        """Vocabulary words starting with one of ``word_prefixes(term)`` whose length is
        within ``edits`` of the term's, at most ``cap`` a prefix (ranges of the word's unique
        index)."""
        return _words_by_prefix(
            "word >= %s AND word < %s",
            lambda prefix: [prefix, prefix + "\U0010ffff"],
            term,
            edits,
            cap,
        )

    def match_words(
        self, qs: QuerySet[SearchDocument], groups: list[list[str]]
    ) -> QuerySet[SearchDocument]:
        """Documents whose names contain one word of every group (vocabulary words have three
        characters or more, so the trigram table serves them)."""
        expression = " AND ".join(
            "name : (" + " OR ".join(fts_literal(w) for w in group) + ")" for group in groups
        )
        return _fts_join(qs, "search_fts_trigram", expression)

    def before_reindex(self) -> None:
        """Inside the rebuild's transaction: empty both FTS indexes and set the triggers that
        keep them in step aside (they come back in ``after_reindex``). With the triggers, a
        rebuild paid twice per document: once row by row through them, once in the final
        'rebuild'; at a million documents the row-by-row pass was most of the time."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'search_searchdocument' ORDER BY name"
            )
            self._triggers = [sql for _name, sql in cursor.fetchall()]
            for sql in self._triggers:
                name = sql.split()[2]
                cursor.execute(f"DROP TRIGGER {name}")
            for table in FTS_TABLES:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('delete-all')")  # noqa: S608

    def after_reindex(self) -> None:
        """Rebuild both FTS indexes from the documents, whatever state they were in, and put
        back the triggers ``before_reindex`` set aside."""
        with connection.cursor() as cursor:
            for table in FTS_TABLES:
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608
            for sql in getattr(self, "_triggers", []):
                cursor.execute(sql)
            self._triggers = []


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class PostgresBackend:
    """``body`` holds every group; ``LIKE '%term%'`` on it is served by the pg_trgm GIN index
    for terms of three characters or more. Terms of 1–2 characters match word starts, as on
    SQLite, through the index on WORD_STARTS. Chinese ones are consecutive one-character words
    (a regular expression on ``body`` checks that the last one ends there)."""

    def prepare(self, fields: dict[str, str]) -> dict[str, str]:
        return {**fields, "body": "\n".join(fields[name] for name in FIELDS)}

    def match(self, qs: QuerySet[SearchDocument], terms: list[str]) -> QuerySet[SearchDocument]:
        has_long = any(len(term) >= TRIGRAM_MIN for term in terms)
        for term in terms:
            if len(term) >= TRIGRAM_MIN:
                qs = qs.filter(body__contains=term)
            elif is_cjk(term):
                # As on SQLite: the characters as consecutive one-character words, which the
                # names hold spaced out ("王小明" is indexed with "王 小 明").
                chars = [ch for ch in term if not ch.isspace()]
                marked = " ".join(WORD_MARK + _like_escape(ch) for ch in chars)
                qs = qs.extra(  # noqa: S610 - constant SQL, the term is a parameter
                    where=[f"{WORD_STARTS} LIKE %s"], params=[f"%{marked}%"]
                ).filter(body__regex=r"\m" + " ".join(map(re.escape, chars)) + r"\M")
            else:
                # The mark before the term is exactly "a word starts here" (``body ~ '\\mterm'``).
                # Beside a longer term the regular expression is left out, so that PostgreSQL
                # ANDs this index with the trigram index ("he yang": 17 ms instead of 76 ms);
                # alone, it is kept: its estimate is what makes PostgreSQL use this index rather
                # than scan ("no": 18 ms instead of 200 ms).
                qs = qs.extra(  # noqa: S610 - constant SQL, the term is a parameter
                    where=[f"{WORD_STARTS} LIKE %s"],
                    params=[f"%{WORD_MARK}{_like_escape(term)}%"],
                )
                if not has_long:
                    qs = qs.filter(body__regex=r"\m" + re.escape(term))
        return qs

    def similar_words(self, term: str, cap: int) -> list[str]:
        """Vocabulary words like ``term`` (pg_trgm's ``%``, served by the GIN index on the
        word), nearest first, at most ``cap``. The similarity threshold (0.3 by default) is
        set for this transaction only, so that a setting changed elsewhere does not apply."""
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL pg_trgm.similarity_threshold = {WORD_SIMILARITY}")
            cursor.execute(
                "SELECT word FROM search_searchword WHERE word %% %s"
                " ORDER BY word <-> %s, word LIMIT %s",
                [term, term, cap],
            )
            return [row[0] for row in cursor.fetchall()]

    def words_like(self, term: str, edits: int, cap: int) -> list[str]:
        """Vocabulary words starting with one of ``word_prefixes(term)`` whose length is
        within ``edits`` of the term's, at most ``cap`` a prefix. Anchored LIKEs, which the
        trigram index on the word serves whatever the database's collation."""
        return _words_by_prefix(
            "word LIKE %s", lambda prefix: [_like_escape(prefix) + "%"], term, edits, cap
        )

    def match_words(
        self, qs: QuerySet[SearchDocument], groups: list[list[str]]
    ) -> QuerySet[SearchDocument]:
        """Documents whose names contain one word of every group: the trigram index on
        ``body`` finds them, the test on ``name`` keeps the name matches."""
        for group in groups:
            either = Q()
            for word in group:
                either |= Q(body__contains=word, name__contains=word)
            qs = qs.filter(either)
        return qs

    def before_reindex(self) -> None:
        """Inside the rebuild's transaction: drop the trigram index, which ``after_reindex``
        builds again in one pass over the new rows (much faster than a million GIN inserts).
        Searches wait for the rebuild meanwhile (the DROP locks the table until the commit)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                " AND tablename = 'search_searchdocument' AND indexname = ANY(%s)",
                [list(PG_INDEXES)],
            )
            found = cursor.fetchall()
            self._indexes = [sql for _name, sql in found]
            for name, _sql in found:
                cursor.execute(f"DROP INDEX {name}")

    def after_reindex(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            for sql in getattr(self, "_indexes", []):
                cursor.execute(sql)
            self._indexes = []


def backend() -> Any:
    return SqliteBackend() if connection.vendor == "sqlite" else PostgresBackend()
