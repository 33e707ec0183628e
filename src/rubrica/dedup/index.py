"""The match-key index: loading people as :class:`~rubrica.dedup.keys.Identity` in bulk, and
keeping their :class:`~rubrica.dedup.models.DuplicateKey` rows in step with their data.

The contact services call :func:`index_contact` / :func:`remove` inside their transaction, beside
the search index, so a rolled-back change leaves the keys as they were.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.core import normalize
from rubrica.dedup.keys import Identity, blocking_keys, identity, phone_e164
from rubrica.dedup.models import DuplicateKey, key_bucket

BATCH = 2000
_CONTACT_VALUES = (
    "id",
    "given_name",
    "family_name",
    "additional_name",
    "display_name",
    "nicknames",
    "birthday",
    "city",
    "organization__name",
)


def identities(ids: Iterable[int] | QuerySet[Any, Any]) -> dict[int, Identity]:
    """Identities of the people ``ids`` not in the Trash, in three queries per batch. ``ids`` may
    be a queryset of ids (``values("contact_id")``): the scan passes one, so that no long list of
    parameters is built, sent and parsed for every page."""
    if isinstance(ids, QuerySet):
        return _identities(ids)
    wanted = list(dict.fromkeys(ids))
    result: dict[int, Identity] = {}
    for start in range(0, len(wanted), BATCH):
        result.update(_identities(wanted[start : start + BATCH]))
    return result


def _identities(ids: list[int] | QuerySet[Any, Any]) -> dict[int, Identity]:
    if isinstance(ids, list) and not ids:
        return {}
    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    for contact_id, value in ContactEmail.objects.filter(contact_id__in=ids).values_list(
        "contact_id", "value"
    ):
        emails[contact_id].append(value)
    for contact_id, e164, raw in ContactPhone.objects.filter(contact_id__in=ids).values_list(
        "contact_id", "e164", "raw"
    ):
        phones[contact_id].append(phone_e164(raw, e164))
    result: dict[int, Identity] = {}
    rows = Contact.objects.filter(pk__in=ids).values_list(*_CONTACT_VALUES)
    for pk, given, family, additional, display, nicknames, birthday, city, org in rows:
        result[pk] = identity(
            given_name=given,
            family_name=family,
            additional_name=additional,
            display_name=display,
            nicknames=nicknames or (),
            emails=emails.get(pk, ()),
            phones=phones.get(pk, ()),
            organization=org or "",
            birthday=birthday,
            city=city,
        )
    return result


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def identity_from_data(data: Mapping[str, Any], *, organization: str = "") -> Identity:
    """The identity of a person described by service input (``contact_create`` data), as typed
    in a form or an API body: nothing is validated here, unusable values are skipped."""

    def text(name: str) -> str:
        value = data.get(name)
        return value if isinstance(value, str) else ""

    emails: list[str] = []
    for row in _rows(data.get("emails")):
        value = row.get("value")
        if isinstance(value, str) and value.strip():
            try:
                emails.append(normalize.email(value))
            except ValueError:
                emails.append(value)
    phones: list[str] = []
    for row in _rows(data.get("phones")):
        raw = row.get("value")
        if isinstance(raw, str) and raw.strip():
            try:
                phones.append(normalize.phone(raw).e164)
            except ValueError:
                continue
    city = ""
    addresses = _rows(data.get("addresses"))
    if addresses:
        first = next((a for a in addresses if a.get("is_preferred")), addresses[0])
        value = first.get("city")
        city = value if isinstance(value, str) else ""
    nicknames = data.get("nicknames")
    return identity(
        given_name=text("given_name"),
        family_name=text("family_name"),
        additional_name=text("additional_name"),
        display_name=text("display_name"),
        nicknames=[n for n in nicknames if isinstance(n, str)]
        if isinstance(nicknames, list)
        else (),
        emails=emails,
        phones=phones,
        organization=organization,
        birthday=text("birthday"),
        city=city or "",
    )


def _key_rows(
    pk: int | None, person: Identity, make: Callable[..., Any] = DuplicateKey
) -> list[Any]:
    """The person's key rows; ``make`` builds each (the model, or an import's lighter row).
    An import derives them before the person has an id (``pk`` None) and sets it after."""
    return [
        make(contact_id=pk, kind=kind, key=key, bucket=key_bucket(key))
        for kind, key in blocking_keys(person)
    ]


def index_contact(contact: Contact) -> None:
    """Rewrite the person's keys from the database (none when they are in the Trash)."""
    DuplicateKey.objects.filter(contact_id=contact.pk).delete()
    person = identities([contact.pk]).get(contact.pk)
    if person is not None:
        DuplicateKey.objects.bulk_create(_key_rows(contact.pk, person))


def remove(contact: Contact) -> None:
    DuplicateKey.objects.filter(contact_id=contact.pk).delete()


def reindex(progress: Callable[[int, int], None] | None = None) -> int:
    """Rebuild every key from the records in one transaction; ``progress(done, total)`` after
    each batch. Returns the number of people indexed."""
    with transaction.atomic():
        DuplicateKey.objects.all().delete()
        total = Contact.objects.count()
        done = 0
        if progress is not None:
            progress(done, total)
        last = 0
        while True:
            ids = list(
                Contact.objects.filter(pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:BATCH]
            )
            if not ids:
                break
            rows: list[DuplicateKey] = []
            for pk, person in identities(ids).items():
                rows.extend(_key_rows(pk, person))
            DuplicateKey.objects.bulk_create(rows, batch_size=5000)
            last = ids[-1]
            done += len(ids)
            if progress is not None:
                progress(done, total)
    return done
