"""The match-key index: loading people as :class:`~rubrica.dedup.keys.Identity` in bulk, and
keeping their :class:`~rubrica.dedup.models.DuplicateKey` rows in step with their data.

The people are read by the domain that registered them (``rubrica.dedup.registry``); its services
call :func:`index_contact` / :func:`remove` inside their transaction, beside the search index, so
a rolled-back change leaves the keys as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model, QuerySet

from rubrica.dedup import registry
from rubrica.dedup.keys import Identity, blocking_keys
from rubrica.dedup.models import DuplicateKey, bucket_of

BATCH = 2000


def identities(ids: Iterable[int] | QuerySet[Any, Any]) -> dict[int, Identity]:
    """Identities of the records ``ids`` not in the Trash, read by their domain (see
    ``registry.Records.identities``) at most BATCH at a time. ``ids`` may be a queryset of ids
    (``values("contact_id")``): the scan passes one, so that no long list of parameters is
    built, sent and parsed for every page."""
    read = registry.records().identities
    if isinstance(ids, QuerySet):
        return read(ids)
    wanted = list(dict.fromkeys(ids))
    result: dict[int, Identity] = {}
    for start in range(0, len(wanted), BATCH):
        result.update(read(wanted[start : start + BATCH]))
    return result


def key_rows(
    pk: int | None, person: Identity, make: Callable[..., Any] = DuplicateKey
) -> list[Any]:
    """The key rows of one record: one per :func:`~rubrica.dedup.keys.blocking_keys` of
    ``person``, with its bucket. ``make`` builds each row from ``contact_id``, ``kind``, ``key``
    and ``bucket`` (the model, or a bulk writer's lighter row): whoever writes people in bulk
    (an import) derives the very rows :func:`index_contact` writes, before the person has an id
    (``pk`` None, set after the insert)."""
    return [
        make(contact_id=pk, kind=kind, key=key, bucket=bucket_of(kind, key))
        for kind, key in blocking_keys(person)
    ]


def index_contact(contact: Model) -> None:
    """Rewrite the person's keys from the database (none when they are in the Trash)."""
    DuplicateKey.objects.filter(contact_id=contact.pk).delete()
    person = identities([contact.pk]).get(contact.pk)
    if person is not None:
        DuplicateKey.objects.bulk_create(key_rows(contact.pk, person))


def remove(contact: Model) -> None:
    DuplicateKey.objects.filter(contact_id=contact.pk).delete()


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every key from the records in one transaction; ``progress(done, total)`` after
    each batch. Returns the number of people indexed."""
    with transaction.atomic():
        DuplicateKey.objects.all().delete()
        alive = registry.records().alive()
        total = alive.count()
        done = 0
        if progress is not None:
            progress(done, total)
        last = 0
        while True:
            ids = list(
                alive.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            rows: list[DuplicateKey] = []
            for pk, person in identities(ids).items():
                rows.extend(key_rows(pk, person))
            DuplicateKey.objects.bulk_create(rows, batch_size=5000)
            last = ids[-1]
            done += len(ids)
            if progress is not None:
                progress(done, total)
    return done
