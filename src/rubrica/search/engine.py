"""Index writes and queries behind the ``rubrica.search`` interface (see its docstring). What
each kind of record is, how its document is built and how it is read comes from the registered
kinds (``rubrica.search.registry``): the engine knows no domain."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, Model, OuterRef, QuerySet, Subquery

from rubrica.accounts.models import User
from rubrica.core.models import Action
from rubrica.core.policies import remembered_teams
from rubrica.search import registry
from rubrica.search.backends import backend
from rubrica.search.models import FIELDS, SearchDocument, SearchWord
from rubrica.search.text import WORD_SPLIT, name_words, query_terms

#: Candidates ranked per kind; the backends return them unordered, so ranking is exact within
#: this many matching visible records.
CANDIDATES = 200
MAX_LIMIT = 200
#: Typo tolerance: terms this long or longer; a word within FUZZY_MAX_EDITS edits of a term
#: (insertions, deletions, substitutions, swaps of neighbours: rapidfuzz's OSA distance) is a
#: correction of it, one edit at most for a term shorter than FUZZY_TWO_EDITS_LENGTH.
FUZZY_MIN_LENGTH = 4
FUZZY_MAX_EDITS = 2
FUZZY_TWO_EDITS_LENGTH = 5
#: Vocabulary words that rapidfuzz compares with a misspelled term, from each of the backend's
#: two candidate lists (words sharing trigrams; words of the same first letter and about the
#: same length), and of the corrections, how many (the nearest) are looked up in the documents.
FUZZY_CANDIDATE_WORDS = 1000
FUZZY_WORDS = 8
SNIPPET = 80
BATCH = 500

_WORD_SPLIT = WORD_SPLIT


@dataclass(frozen=True)
class Hit:
    """One search result. ``field`` is the group that matched best (name, email, phone, org,
    tag, other); ``snippet`` is that group's folded text around the match and ``highlight`` the
    (start, end) of the match inside ``snippet``."""

    kind: str
    pk: int
    display: str
    field: str
    snippet: str
    highlight: tuple[int, int]
    score: int


# Writes -------------------------------------------------------------------------------------


def _write(kind: str, pk: int, fields: dict[str, str]) -> None:
    """One upsert (INSERT ... ON CONFLICT DO UPDATE) on both engines."""
    values = backend().prepare(fields)
    SearchDocument.objects.bulk_create(
        [SearchDocument(kind=kind, record_id=pk, **values)],
        update_conflicts=True,
        unique_fields=["kind", "record_id"],
        update_fields=list(values),
    )
    _add_words(name_words(fields["name"]))


def _add_words(words: Iterable[str]) -> None:
    """Add words to the vocabulary (those already there are skipped by the database)."""
    ordered = sorted(words)
    for start in range(0, len(ordered), 5 * BATCH):
        SearchWord.objects.bulk_create(
            [SearchWord(word=word) for word in ordered[start : start + 5 * BATCH]],
            ignore_conflicts=True,
        )


def index_new_documents(
    kind: str,
    documents: Sequence[tuple[int, dict[str, str]]],
    insert: Callable[[type[SearchDocument], list[Any]], None] | None = None,
    make: Callable[..., Any] = SearchDocument,
) -> None:
    """Insert the documents of records that have none yet (an import's batch), with their
    vocabulary words: what ``_write`` does one record at a time, in two bulk inserts.
    ``documents`` are (record id, the kind's ``document``) pairs; ``insert``
    (default ``bulk_create``) writes the rows, for a caller with a faster bulk path, which
    may also ``make`` lighter rows than model instances."""
    engine = backend()
    rows = [make(kind=kind, record_id=pk, **engine.prepare(f)) for pk, f in documents]
    if insert is not None:
        insert(SearchDocument, rows)
    else:
        SearchDocument.objects.bulk_create(rows, batch_size=2000)
    words: set[str] = set()
    for _pk, fields in documents:
        words |= name_words(fields["name"])
    _add_words(words)


def remove(record: Model) -> None:
    """Drop a record from the index (it went to the Trash or was deleted)."""
    SearchDocument.objects.filter(kind=registry.of(record).kind, record_id=record.pk).delete()


def forget(record: Model) -> None:
    """Drop a record from the index and its name's words from the vocabulary unless another
    document still bears them: an erasure (ADR 0032) leaves no trace of the name behind. A
    word check reads the names with a substring match, acceptable for a rare erasure."""
    kind = registry.of(record).kind
    names = list(
        SearchDocument.objects.filter(kind=kind, record_id=record.pk).values_list("name", flat=True)
    )
    SearchDocument.objects.filter(kind=kind, record_id=record.pk).delete()
    for name in names:
        for word in name_words(name):
            if not SearchDocument.objects.filter(name__icontains=word).exists():
                SearchWord.objects.filter(word=word).delete()


def index(record: Model) -> None:
    """(Re)write the record's document from the database, in the caller's transaction (a record
    in the Trash or gone has none). When its names changed and its kind has ``dependents`` (an
    organization's people, whose organization text carries its name), their documents too."""
    entry = registry.of(record)
    current = entry.model.all_objects.prefetch_related(*entry.prefetch).filter(pk=record.pk).first()
    if current is None or current.deleted_at is not None:
        SearchDocument.objects.filter(kind=entry.kind, record_id=record.pk).delete()
        return
    fields = entry.document(current)
    if entry.dependents is None:
        _write(entry.kind, current.pk, fields)
        return
    previous = (
        SearchDocument.objects.filter(kind=entry.kind, record_id=current.pk)
        .values_list("name", flat=True)
        .first()
    )
    _write(entry.kind, current.pk, fields)
    if previous is not None and previous != fields["name"]:
        for kind, records in entry.dependents(current):
            dependent = registry.get(kind)
            rows = records.prefetch_related(*dependent.prefetch)
            for row in rows.iterator(chunk_size=BATCH):
                _write(kind, row.pk, dependent.document(row))


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the records, in one transaction; ``progress(done, total)``
    is called after each batch. Returns the number of documents written."""
    engine = backend()
    sources: list[tuple[str, Any, Sequence[str], Callable[[Any], dict[str, str]]]] = [
        (entry.kind, entry.model, entry.prefetch, entry.document) for entry in registry.kinds()
    ]
    with transaction.atomic():
        total = sum(model.objects.count() for _, model, _, _ in sources)
        engine.before_reindex()
        SearchDocument.objects.all().delete()
        SearchWord.objects.all().delete()
        words: set[str] = set()
        done = 0
        if progress is not None:
            progress(done, total)
        for kind, model, prefetch, build in sources:
            batch: list[SearchDocument] = []
            records = model.objects.order_by("pk").prefetch_related(*prefetch)
            for record in records.iterator(chunk_size=BATCH):
                fields = build(record)
                words |= name_words(fields["name"])
                batch.append(
                    SearchDocument(kind=kind, record_id=record.pk, **engine.prepare(fields))
                )
                if len(batch) >= BATCH:
                    done += _flush(batch, total, progress, done)
            done += _flush(batch, total, progress, done)
        engine.after_reindex()
        _add_words(words)
    return done


def _flush(
    batch: list[SearchDocument],
    total: int,
    progress: Callable[[int, int], None] | None,
    done: int,
) -> int:
    count = len(batch)
    if count:
        SearchDocument.objects.bulk_create(batch)
        batch.clear()
        if progress is not None:
            progress(done + count, total)
    return count


# Queries ------------------------------------------------------------------------------------


#: What may stand on either side of a word (the separators of WORD_SPLIT, as a class).
_SEPARATORS = WORD_SPLIT.pattern[1:-2]


@functools.lru_cache(maxsize=256)
def _grade_patterns(term: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(whole word, word start) for ``term``. Words are runs between separators (WORD_SPLIT)
    or, for a term holding a separator itself ("d'angelo", "ada@example"), runs between spaces
    and line ends; terms never hold spaces (query_terms splits on them)."""
    escaped = re.escape(term)
    if WORD_SPLIT.search(term):
        before, after = r"(?<!\S)", r"(?!\S)"
    else:
        before, after = f"(?<![^{_SEPARATORS}])", f"(?![^{_SEPARATORS}])"
    return re.compile(before + escaped + after), re.compile(before + escaped)


def _grade(text: str, term: str) -> int:
    """3: a whole word or line equals the term; 2: a word or line starts with it; 1: inside.
    Two regular expressions, not splitting every field into words: ranking the candidates of a
    common term was most of a query's time at a million people."""
    if term not in text:
        return 0
    whole, start = _grade_patterns(term)
    if whole.search(text):
        return 3
    if start.search(text):
        return 2
    return 1


def _rank(doc: dict[str, Any], terms: list[str]) -> tuple[int, str, str, tuple[int, int]]:
    """Score (exact > prefix > substring, then earlier field groups, summed over the terms), the
    field where the first term matched best, and a snippet of it."""
    score = 0
    first_field = ""
    for position, term in enumerate(terms):
        best = (0, 0, "")
        for index, name in enumerate(FIELDS):
            grade = _grade(doc[name], term)
            if grade:
                best = max(best, (grade, len(FIELDS) - index, name))
        score += best[0] * 10 + best[1]
        if position == 0:
            first_field = best[2]
    snippet, highlight = _snippet(doc[first_field] if first_field else "", terms[0])
    return score, first_field, snippet, highlight


def _snippet(text: str, term: str) -> tuple[str, tuple[int, int]]:
    for line in text.split("\n"):
        at = line.find(term)
        if at >= 0:
            start = max(0, at - (SNIPPET - len(term)) // 2)
            piece = line[start : start + SNIPPET]
            begin = at - start
            return piece, (begin, min(len(piece), begin + len(term)))
    return "", (0, 0)


def _max_edits(term: str, word: str = "") -> int:
    """Two edits when the longer of ``term`` and ``word`` has FUZZY_TWO_EDITS_LENGTH letters
    or more, else one: "cnot" may be "conti" with a letter dropped and two swapped, but "raxs"
    is not "ross"."""
    longest = max(len(term), len(word))
    return FUZZY_MAX_EDITS if longest >= FUZZY_TWO_EDITS_LENGTH else 1


def _within(term: str, words: Iterable[str]) -> list[tuple[int, str]]:
    """(edits, word) for the words within ``_max_edits`` of ``term`` (OSA distance: insertion,
    deletion, substitution, swap of neighbours)."""
    from rapidfuzz.distance import OSA

    close = []
    for word in words:
        limit = _max_edits(term, word)
        distance = int(OSA.distance(term, word, score_cutoff=limit))
        if distance <= limit:
            close.append((distance, word))
    return close


def _similar_words(engine: Any, term: str) -> list[str]:
    """The vocabulary words within ``_max_edits`` of ``term``, nearest first, at most
    FUZZY_WORDS. Candidates come from two lists of the backend: words sharing trigrams with the
    term, and words of about the same length starting like it (``backends.word_prefixes``: two
    edits in a short name, "rsosi" or "rosxi" for "rossi", may leave no trigram in common;
    people rarely get the first letter wrong). Rapidfuzz decides."""
    from rapidfuzz import fuzz

    words = set(engine.similar_words(term, FUZZY_CANDIDATE_WORDS))
    words.update(engine.words_like(term, FUZZY_MAX_EDITS, FUZZY_CANDIDATE_WORDS))
    close = _within(term, words)
    close.sort(key=lambda pair: (pair[0], -fuzz.ratio(term, pair[1]), pair[1]))
    return [word for _distance, word in close[:FUZZY_WORDS]]


def fuzzy_parts(terms: list[str]) -> tuple[list[str], list[str]]:
    """The words of the terms (split as names are: "d'aneglo" is "d" and "aneglo") in two
    lists: those long enough to be corrected (FUZZY_MIN_LENGTH or more) and the short ones
    ("de", "di", "o"), which are not required but rank the names that start a word with them
    first."""
    long_words: list[str] = []
    short_words: list[str] = []
    for term in terms:
        for word in _WORD_SPLIT.split(term):
            if not word:
                continue
            target = long_words if len(word) >= FUZZY_MIN_LENGTH else short_words
            if word not in target:
                target.append(word)
    return long_words, short_words


def _fuzzy(engine: Any, kind: str, candidates: Any, terms: list[str]) -> list[Hit]:
    """Names within a typo or two of every long word of the terms ("lovleace" finds
    "Lovelace", "de sanits" finds "De Santis"). Each such word is first corrected against the
    vocabulary of name words (SearchWord); the documents are those whose names hold a
    correction of every one, scored by the fewest edits (8 points a word for an exact word, 6
    for one edit, 4 for two) plus 1 for each short word that starts a word of the name. Scores
    stay below those of exact, prefix and substring hits (a substring match scores at least
    11)."""
    long_words, short_words = fuzzy_parts(terms)
    if not long_words:
        return []
    corrections = [_similar_words(engine, term) for term in long_words]
    if not all(corrections):
        return []
    matches = engine.match_words(candidates, corrections)
    docs = list(matches.values("record_id", "display", "name")[:CANDIDATES])
    hits = []
    for doc in docs:
        words = [w for w in _WORD_SPLIT.split(doc["name"]) if w]
        if not words:
            continue
        score = 0
        first_word = ""
        for term in long_words:
            # Each word within its own allowance: "mara" is two edits from both "gala" and
            # "marina", but only "marina" is long enough for two.
            close = _within(term, words)
            if not close:
                break
            distance, word = min(close)
            score += 8 - 2 * distance
            first_word = first_word or word
        else:
            score += sum(any(w.startswith(short) for w in words) for short in short_words)
            hits.append(
                Hit(
                    kind=kind,
                    pk=doc["record_id"],
                    display=doc["display"],
                    field="name",
                    snippet=first_word,
                    highlight=(0, len(first_word)),
                    score=score,
                )
            )
    return hits


def _visible_documents(kind: str, visible: Any) -> Any:
    """Documents of ``kind`` whose record is in ``visible``, tested row by row (a correlated
    EXISTS on the record's primary key), with the record's display name as ``display``.
    ``record_id IN (SELECT id FROM visible)`` made the databases read every visible record (a
    million) before the first match; the names came in a second query."""
    entry = registry.get(kind)
    display = (
        entry.model.all_objects.filter(pk=OuterRef("record_id"))
        .order_by()
        .values(entry.display_field)[:1]
    )
    return (
        SearchDocument.objects.filter(kind=kind)
        .filter(Exists(visible.filter(pk=OuterRef("record_id"))))
        .annotate(display=Subquery(display))
    )


def query(
    user: User,
    text: str,
    *,
    kinds: Iterable[str] | None = None,
    limit: int = 20,
    narrow: Mapping[str, Callable[[Any], Any]] | None = None,
) -> list[Hit]:
    """Records ``user`` may view that contain every term of ``text``, best first. Any text is
    accepted; text with no searchable term gives no results. Only when nothing contains the
    terms does a typo-tolerant pass run (on words of 4+ characters): it costs more, and a person
    who typed a name correctly is not shown look-alikes. ``narrow[kind]`` (a list filter's
    ``apply``) narrows the visible records of that kind before matching, so filtered-out
    records do not take the places of the CANDIDATES. ``kinds`` (default: every registered
    kind) are looked up in the registry: one nobody registered fails loudly."""
    with remembered_teams():  # every kind's restrict() reads the person's teams once
        return _query(user, text, kinds=kinds, limit=limit, narrow=narrow)


def _query(
    user: User,
    text: str,
    *,
    kinds: Iterable[str] | None,
    limit: int,
    narrow: Mapping[str, Callable[[Any], Any]] | None,
) -> list[Hit]:
    terms = query_terms(text)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not terms:
        return []
    engine = backend()
    entries = registry.kinds() if kinds is None else [registry.get(kind) for kind in kinds]
    hits: list[Hit] = []
    # Each kind's visible documents, built once (building a policy's filter costs more than
    # running it on a small table) and reused by the typo-tolerant pass.
    visible_documents: list[tuple[str, QuerySet[SearchDocument]]] = []
    for entry in entries:
        kind = entry.kind
        visible = entry.model.objects.restrict(user, Action.VIEW)
        if narrow and kind in narrow:
            visible = narrow[kind](visible)
        candidates = _visible_documents(kind, visible)
        visible_documents.append((kind, candidates))
        # Plain rows, not model instances: a query reads up to CANDIDATES of them.
        matches = engine.match(candidates, terms)
        docs = list(matches.values("record_id", "display", *FIELDS)[:CANDIDATES])
        for doc in docs:
            score, field, snippet, highlight = _rank(doc, terms)
            hits.append(
                Hit(
                    kind=kind,
                    pk=doc["record_id"],
                    display=doc["display"],
                    field=field,
                    snippet=snippet,
                    highlight=highlight,
                    score=score,
                )
            )
    if not hits and fuzzy_parts(terms)[0]:
        for kind, candidates in visible_documents:
            hits.extend(_fuzzy(engine, kind, candidates, terms))
    hits.sort(key=lambda hit: (-hit.score, hit.display.casefold(), hit.kind, hit.pk))
    return hits[:limit]
