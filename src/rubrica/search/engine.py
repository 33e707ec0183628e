"""Index writes and queries behind the ``rubrica.search`` interface (see its docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.organizations.models import Organization
from rubrica.search.backends import backend
from rubrica.search.documents import (
    CONTACT_PREFETCH,
    ORGANIZATION_PREFETCH,
    contact_fields,
    organization_fields,
)
from rubrica.search.models import FIELDS, Kind, SearchDocument
from rubrica.search.text import query_terms

#: Candidates ranked per kind; the backends return them unordered, so ranking is exact within
#: this many matching visible records.
CANDIDATES = 500
MAX_LIMIT = 200
#: Typo tolerance: terms this long or longer, words at least this similar (rapidfuzz ratio).
FUZZY_MIN_LENGTH = 4
FUZZY_MIN_RATIO = 75
SNIPPET = 80
BATCH = 500

MODELS: dict[str, Any] = {Kind.CONTACT: Contact, Kind.ORGANIZATION: Organization}
_WORD_SPLIT = re.compile(r"[\s@.,;:/()\[\]\-_+'\"]+")


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


def _kind_of(record: Contact | Organization) -> str:
    return Kind.CONTACT if isinstance(record, Contact) else Kind.ORGANIZATION


def _write(kind: str, pk: int, fields: dict[str, str]) -> None:
    """One upsert (INSERT ... ON CONFLICT DO UPDATE) on both engines."""
    values = backend().prepare(fields)
    SearchDocument.objects.bulk_create(
        [SearchDocument(kind=kind, record_id=pk, **values)],
        update_conflicts=True,
        unique_fields=["kind", "record_id"],
        update_fields=list(values),
    )


def remove(record: Contact | Organization) -> None:
    """Drop a record from the index (it went to the Trash or was deleted)."""
    SearchDocument.objects.filter(kind=_kind_of(record), record_id=record.pk).delete()


def index_contact(contact: Contact) -> None:
    """(Re)write the person's document from the database, in the caller's transaction."""
    current = Contact.all_objects.prefetch_related(*CONTACT_PREFETCH).filter(pk=contact.pk).first()
    if current is None or current.deleted_at is not None:
        SearchDocument.objects.filter(kind=Kind.CONTACT, record_id=contact.pk).delete()
        return
    _write(Kind.CONTACT, current.pk, contact_fields(current))


def index_organization(org: Organization) -> None:
    """(Re)write the organization's document; when its name changed, also the documents of its
    people, whose organization text carries that name."""
    current = (
        Organization.all_objects.prefetch_related(*ORGANIZATION_PREFETCH).filter(pk=org.pk).first()
    )
    if current is None or current.deleted_at is not None:
        SearchDocument.objects.filter(kind=Kind.ORGANIZATION, record_id=org.pk).delete()
        return
    fields = organization_fields(current)
    previous = (
        SearchDocument.objects.filter(kind=Kind.ORGANIZATION, record_id=current.pk)
        .values_list("name", flat=True)
        .first()
    )
    _write(Kind.ORGANIZATION, current.pk, fields)
    if previous is not None and previous != fields["name"]:
        people = Contact.objects.filter(affiliations__organization=current).distinct()
        for contact in people.prefetch_related(*CONTACT_PREFETCH).iterator(chunk_size=BATCH):
            _write(Kind.CONTACT, contact.pk, contact_fields(contact))


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild the whole index from the records, in one transaction; ``progress(done, total)``
    is called after each batch. Returns the number of documents written."""
    engine = backend()
    sources: list[tuple[str, Any, Sequence[str], Callable[[Any], dict[str, str]]]] = [
        (Kind.CONTACT, Contact, CONTACT_PREFETCH, contact_fields),
        (Kind.ORGANIZATION, Organization, ORGANIZATION_PREFETCH, organization_fields),
    ]
    with transaction.atomic():
        total = sum(model.objects.count() for _, model, _, _ in sources)
        SearchDocument.objects.all().delete()
        done = 0
        if progress is not None:
            progress(done, total)
        for kind, model, prefetch, build in sources:
            batch: list[SearchDocument] = []
            records = model.objects.order_by("pk").prefetch_related(*prefetch)
            for record in records.iterator(chunk_size=BATCH):
                batch.append(
                    SearchDocument(kind=kind, record_id=record.pk, **engine.prepare(build(record)))
                )
                if len(batch) >= BATCH:
                    done += _flush(batch, total, progress, done)
            done += _flush(batch, total, progress, done)
        engine.after_reindex()
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


def _grade(text: str, term: str) -> int:
    """3: a whole word or line equals the term; 2: a word or line starts with it; 1: inside."""
    if term not in text:
        return 0
    lines = text.split("\n")
    words = [w for line in lines for w in (*_WORD_SPLIT.split(line), *line.split(" ")) if w]
    if term in lines or term in words:
        return 3
    if any(line.startswith(term) for line in lines) or any(w.startswith(term) for w in words):
        return 2
    return 1


def _rank(doc: SearchDocument, terms: list[str]) -> tuple[int, str, str, tuple[int, int]]:
    """Score (exact > prefix > substring, then earlier field groups, summed over the terms), the
    field where the first term matched best, and a snippet of it."""
    score = 0
    first_field = ""
    for position, term in enumerate(terms):
        best = (0, 0, "")
        for index, name in enumerate(FIELDS):
            grade = _grade(getattr(doc, name), term)
            if grade:
                best = max(best, (grade, len(FIELDS) - index, name))
        score += best[0] * 10 + best[1]
        if position == 0:
            first_field = best[2]
    snippet, highlight = _snippet(getattr(doc, first_field) if first_field else "", terms[0])
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


def _fuzzy(engine: Any, kind: str, visible: Any, candidates: Any, terms: list[str]) -> list[Hit]:
    """Names within a typo or two of every term ("lovleace" finds "Lovelace"). Candidates share
    trigrams with the first term; rapidfuzz decides. Scores stay below those of exact, prefix and
    substring hits (at most 8 points per term; a substring match scores at least 11)."""
    from rapidfuzz import fuzz, process

    docs = engine.similar(candidates, terms[0], CANDIDATES)
    if not docs:
        return []
    label = "display_name" if kind == Kind.CONTACT else "name"
    displays = dict(visible.filter(pk__in=[d.record_id for d in docs]).values_list("pk", label))
    hits = []
    for doc in docs:
        if doc.record_id not in displays:
            continue
        words = [w for w in _WORD_SPLIT.split(doc.name) if w]
        if not words:
            continue
        score = 0
        first_word = ""
        for term in terms:
            match = process.extractOne(term, words, scorer=fuzz.ratio, score_cutoff=FUZZY_MIN_RATIO)
            if match is None:
                break
            score += int(match[1]) // 12
            first_word = first_word or str(match[0])
        else:
            hits.append(
                Hit(
                    kind=kind,
                    pk=doc.record_id,
                    display=displays[doc.record_id],
                    field="name",
                    snippet=first_word,
                    highlight=(0, len(first_word)),
                    score=score,
                )
            )
    return hits


def query(
    user: Any,
    text: str,
    *,
    kinds: Iterable[str] = (Kind.CONTACT, Kind.ORGANIZATION),
    limit: int = 20,
) -> list[Hit]:
    """Records ``user`` may view that contain every term of ``text``, best first. Any text is
    accepted; text with no searchable term gives no results. Only when nothing contains the
    terms does a typo-tolerant pass run (terms of 4+ characters): it costs more, and a person
    who typed a name correctly is not shown look-alikes."""
    terms = query_terms(text)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not terms:
        return []
    engine = backend()
    kinds = [kind for kind in kinds if kind in MODELS]
    hits: list[Hit] = []
    for kind in kinds:
        model = MODELS[kind]
        visible = model.objects.restrict(user, Action.VIEW)
        candidates = SearchDocument.objects.filter(kind=kind, record_id__in=visible.values("pk"))
        docs = list(engine.match(candidates, terms)[:CANDIDATES])
        label = "display_name" if model is Contact else "name"
        displays = dict(visible.filter(pk__in=[d.record_id for d in docs]).values_list("pk", label))
        for doc in docs:
            if doc.record_id not in displays:
                continue
            score, field, snippet, highlight = _rank(doc, terms)
            hits.append(
                Hit(
                    kind=kind,
                    pk=doc.record_id,
                    display=displays[doc.record_id],
                    field=field,
                    snippet=snippet,
                    highlight=highlight,
                    score=score,
                )
            )
    if not hits and all(len(term) >= FUZZY_MIN_LENGTH for term in terms):
        for kind in kinds:
            visible = MODELS[kind].objects.restrict(user, Action.VIEW)
            candidates = SearchDocument.objects.filter(
                kind=kind, record_id__in=visible.values("pk")
            )
            hits.extend(_fuzzy(engine, kind, visible, candidates, terms))
    hits.sort(key=lambda hit: (-hit.score, hit.display.casefold(), hit.kind, hit.pk))
    return hits[:limit]
