"""People as the duplicate engine reads and shows them (registered in ``contacts.apps``).

The engine (``rubrica.dedup``) knows no domain: it matches the records its key and pair tables
point at, and these functions tell it how a batch of people's match inputs are read, how a person
described by service input (a form, an API body) is read, and how a person is shown on the
duplicates page. See ``rubrica.dedup.registry.Records``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.urls import reverse

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact, ContactAddress, ContactEmail, ContactPhone
from rubrica.core import normalize, sealing
from rubrica.core.models import Action, SealedTextField, blind_value
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import (
    PERSONAL_PHONES,
    custom_name,
    field_access,
    mask_record,
    protected_names,
    seal_context,
)
from rubrica.dedup.keys import Identity, identity, phone_e164
from rubrica.dedup.registry import StoredInput
from rubrica.organizations.models import Organization

#: The template of one person on the duplicates page (``sides`` gives its context).
CARD_TEMPLATE = "contacts/_duplicate_card.html"
#: What that template reads beside the person.
CARD_RELATED = ("organization",)


def identifying_keys() -> list[str]:
    """Keys of the people's custom fields marked identifying (compared by the duplicate scan)."""
    from rubrica.customfields.models import Entity
    from rubrica.customfields.services import definitions_for

    return [d.key for d in definitions_for(Entity.CONTACT) if d.identifying]


def identifying_values(custom_fields: Any, keys: Sequence[str]) -> dict[str, Any]:
    """The values of the identifying fields ``keys`` in one person's ``custom_fields``; for a
    sensitive field its keyed blind index instead (ADR 0027), from the sealed value or from
    the plain input being checked, so the duplicate index never holds the value itself."""
    if not isinstance(custom_fields, Mapping) or not keys:
        return {}
    out: dict[str, Any] = {}
    protected = protected_names(Entity.CONTACT)
    for key in keys:
        value = custom_fields.get(key)
        if value in (None, ""):
            continue
        if isinstance(value, dict):
            if sealing.is_sealed(value) and value.get("bi"):
                out[key] = f"bi{value['bi']}"
        elif custom_name(key) in protected:
            out[key] = f"bi{sealing.blind_index(value, seal_context(Entity.CONTACT, key))}"
        else:
            out[key] = value
    return out


def address_parts(addresses: Sequence[Any]) -> tuple[str, str]:
    """(street, postcode) of the preferred address (else the first) of address rows."""
    if not addresses:
        return "", ""
    first = next((a for a in addresses if a.is_preferred), addresses[0])
    street = " ".join(part for part in (first.street, first.extended) if part)
    return street, first.postal_code


#: What a sealed postcode's blind index is bound to (the duplicate keys' postcode, ADR 0048).
POSTCODE_INDEX_CONTEXT = "contact.addresses.postal_code"


def _blind_postcode(postcode: str) -> str:
    return f"bi{sealing.blind_index(postcode, POSTCODE_INDEX_CONTEXT)}"


def postcode_key() -> Any:
    """What ``identity(postcode_key=)`` needs now: the blind index of the postcode while
    people's addresses are sealed (ADR 0048), so that the duplicate keys stored never hold a
    sealed postcode in clear; None (the postcode itself) otherwise."""
    return _blind_postcode if sealing.must_seal(Entity.CONTACT, "addresses") else None


def _blind_date(part: str, text: str) -> str:
    return f"bi{sealing.blind_index(text, f'contact.birthday.{part}')}"


def date_key() -> Any:
    """What ``identity(date_key=)`` needs now: blind indexes of the full birthday and of its
    month-day while birthdays are sealed (ADR 0051), so that the duplicate keys stored never
    hold them in clear; None (the dates themselves) otherwise."""
    return _blind_date if sealing.must_seal(Entity.CONTACT, "birthday") else None


def _blind_phone(kind: str, number: str) -> str:
    return blind_value(number, f"contact.phones.{kind}")


def phone_key() -> Any:
    """What ``identity(phone_key=)`` needs now: blind indexes of every phone number and
    national number while personal phones are sealed (ADR 0052; every phone, so that a
    person's home number still meets the same number filed as another's work phone), so that
    the duplicate keys stored never hold a sealed number in clear; None otherwise."""
    return _blind_phone if sealing.must_seal(Entity.CONTACT, PERSONAL_PHONES) else None


def phone_lookup(numbers: Iterable[str]) -> Q:
    """The phone rows whose E.164 form is one of ``numbers``: by the column, and sealed ones
    (ADR 0052) by their blind index under any key of the ring."""
    wanted = {n for n in numbers if n}
    lookup = Q(e164__in=wanted)
    if not wanted:
        return lookup
    try:
        ring = sealing.key_ring()
    except ImproperlyConfigured:
        return lookup  # no key: nothing was ever sealed with one
    # Under every key: a rotation re-seals the rows last, and unmarking opens them in the
    # background; until then a sealed row still answers to its blind index.
    context = cast(SealedTextField, ContactPhone._meta.get_field("e164")).seal_context()
    blinds = {
        blind_value(number, context, key_id=key_id) for number in wanted for key_id in ring.keys
    }
    return lookup | Q(e164_key__in=blinds)


def phone_numbers(ids: Any) -> list[tuple[int, str]]:
    """(person id, E.164 number) of the phones of the people ``ids`` that have one; a sealed
    number that does not open (its key missing, ADR 0052) is left out, never its placeholder
    words."""
    out = []
    for contact_id, e164, raw in ContactPhone.objects.filter(contact_id__in=ids).values_list(
        "contact_id", "e164", "raw"
    ):
        if isinstance(e164, sealing.UnreadableText) or isinstance(raw, sealing.UnreadableText):
            continue
        number = phone_e164(raw, e164)
        if number:
            out.append((contact_id, number))
    return out


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
    "custom_fields",
)


def restrict(user: User, action: str) -> QuerySet[Contact]:
    """The people ``user`` may act on, none in the Trash."""
    return Contact.objects.restrict(user, action)


def alive() -> QuerySet[Contact]:
    """Every person not in the Trash."""
    return Contact.objects.all()


def identities(ids: list[int] | QuerySet[Any, Any]) -> dict[int, Identity]:
    """Identities of the people of one batch ``ids`` not in the Trash, in three queries. ``ids``
    may be a queryset of ids (``values("contact_id")``): the scan passes one, so that no long list
    of parameters is built, sent and parsed for every page."""
    if isinstance(ids, list) and not ids:
        return {}
    emails: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    for contact_id, value in ContactEmail.objects.filter(contact_id__in=ids).values_list(
        "contact_id", "value"
    ):
        emails[contact_id].append(value)
    for contact_id, number in phone_numbers(ids):
        phones[contact_id].append(number)
    addresses: dict[int, list[ContactAddress]] = defaultdict(list)
    for address in ContactAddress.objects.filter(contact_id__in=ids).only(
        "contact_id", "street", "extended", "postal_code", "is_preferred", "position"
    ):
        addresses[address.contact_id].append(address)
    keys = identifying_keys()
    blind = postcode_key()
    dates = date_key()
    numbers = phone_key()
    result: dict[int, Identity] = {}
    rows = Contact.objects.filter(pk__in=ids).values_list(*_CONTACT_VALUES)
    for pk, given, family, additional, display, nicknames, birthday, city, org, custom in rows:
        street, postcode = address_parts(addresses.get(pk, []))
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
            street=street,
            postcode=postcode,
            identifiers=identifying_values(custom, keys),
            postcode_key=blind,
            date_key=dates,
            phone_key=numbers,
        )
    return result


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []


def input_identity(data: Mapping[str, Any], organization: str = "") -> Identity:
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
    city = street = postcode = ""
    addresses = _rows(data.get("addresses"))
    if addresses:
        first = next((a for a in addresses if a.get("is_preferred")), addresses[0])

        def part(name: str) -> str:
            value = first.get(name)
            return value if isinstance(value, str) else ""

        city = part("city")
        street = " ".join(p for p in (part("street"), part("extended")) if p)
        postcode = part("postal_code")
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
        street=street,
        postcode=postcode,
        identifiers=identifying_values(data.get("custom_fields"), identifying_keys()),
        postcode_key=postcode_key(),
        date_key=date_key(),
        phone_key=phone_key(),
    )


def _current_data(contact: Contact) -> dict[str, Any]:
    """The parts of a stored person that matching reads, in the services' input shape."""
    return {
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "additional_name": contact.additional_name,
        "display_name": contact.display_name,
        "nicknames": list(contact.nicknames),
        "birthday": contact.birthday,
        "emails": [{"value": row.value} for row in contact.emails.all()],
        "phones": [{"value": row.e164 or row.raw} for row in contact.phones.all()],
        "addresses": [
            {
                "city": row.city,
                "street": row.street,
                "extended": row.extended,
                "postal_code": row.postal_code,
                "is_preferred": row.is_preferred,
            }
            for row in contact.addresses.all()
        ],
        "custom_fields": dict(contact.custom_fields or {}),
    }


def stored_input(pk: int) -> StoredInput | None:
    """Person ``pk`` (in the Trash or not) in the services' input shape, with the name of their
    organization; None when there is no such person."""
    current = (
        Contact.all_objects.select_related("organization")
        .prefetch_related("emails", "phones", "addresses")
        .filter(pk=pk)
        .first()
    )
    if current is None:
        return None
    organization = current.organization.name if current.organization else ""
    return StoredInput(data=_current_data(current), organization=organization)


def url(pk: int) -> str:
    """The page of person ``pk``."""
    return reverse("contacts:detail", args=[pk])


def sides(user: User, contacts: Sequence[Contact]) -> list[dict[str, Any]]:
    """The card context of each person of a duplicates page, in order: the person, and their
    organization when ``user`` may view it (one query for the whole page, none when no one has
    an organization). The people come with their organization (``CARD_RELATED``)."""
    organization_ids = {c.organization_id for c in contacts if c.organization_id}
    visible = set(
        Organization.objects.restrict(user, Action.VIEW)
        .filter(pk__in=organization_ids)
        .values_list("pk", flat=True)
        if organization_ids
        else []
    )
    access = field_access(user, Entity.CONTACT)
    for contact in contacts:
        mask_record(access, contact)  # in memory only: a hidden birthday is not on the card
        if "addresses" in access.hidden:
            contact.city = contact.country = ""
    return [
        {
            "contact": contact,
            "organization": contact.organization if contact.organization_id in visible else None,
        }
        for contact in contacts
    ]
