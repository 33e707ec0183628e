"""What gets indexed for a contact or an organization: normalised text per field group."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rubrica.contacts.models import Contact
from rubrica.organizations.models import Organization
from rubrica.search.text import fold, is_cjk, phone_digits, pinyin_forms


def _join(values: Iterable[Any]) -> str:
    """Folded values, one per line, without duplicates (the order is kept for snippets)."""
    seen: dict[str, None] = {}
    for value in values:
        if value is None:
            continue
        text = fold(str(value))
        if text:
            seen.setdefault(text, None)
    return "\n".join(seen)


def _custom_text(custom_fields: dict[str, Any]) -> list[str]:
    values: list[str] = []
    for value in custom_fields.values():
        if isinstance(value, str):
            values.append(value)
        elif isinstance(value, list):
            values.extend(str(item) for item in value if isinstance(item, str))
    return values


def _names(*parts: str) -> list[str]:
    names = [part for part in parts if part]
    for part in list(names):
        names.extend(pinyin_forms(part))
    return names


#: What contact_fields reads; querysets given to it should prefetch these.
CONTACT_PREFETCH = ("emails", "phones", "addresses", "tags", "affiliations__organization")
ORGANIZATION_PREFETCH = ("phones", "addresses", "tags")


def contact_fields(contact: Contact) -> dict[str, str]:
    # Chinese names are written family name first, without a space.
    family_given = f"{contact.family_name}{contact.given_name}"
    if not is_cjk(family_given):
        family_given = ""
    names = _names(
        contact.display_name,
        contact.prefix,
        contact.given_name,
        contact.additional_name,
        contact.family_name,
        contact.suffix,
        *contact.nicknames,
        contact.phonetic_given_name,
        contact.phonetic_family_name,
        family_given if family_given != contact.display_name else "",
    )
    emails = [row.value for row in contact.emails.all()]
    domains = [value.rsplit("@", 1)[1] for value in emails if "@" in value]
    phones = [form for row in contact.phones.all() for form in phone_digits(row.e164, row.raw)]
    org = [contact.title, contact.role]
    for aff in contact.affiliations.all():
        org.extend([aff.organization.name, aff.title, aff.department])
    for address in contact.addresses.all():
        org.extend([address.city, address.region, address.country, address.postal_code])
    other = [contact.notes, contact.source, *_custom_text(contact.custom_fields)]
    return {
        "name": _join(names),
        "email": _join([*emails, *domains]),
        "phone": _join(phones),
        "org": _join(org),
        "tag": _join(tag.name for tag in contact.tags.all()),
        "other": _join(other),
    }


def organization_fields(org: Organization) -> dict[str, str]:
    place = []
    for address in org.addresses.all():
        place.extend([address.city, address.region, address.country, address.postal_code])
    return {
        "name": _join(_names(org.name)),
        "email": _join([*org.email_domains, org.website]),
        "phone": _join(
            form for row in org.phones.all() for form in phone_digits(row.e164, row.raw)
        ),
        "org": _join([org.industry, org.kind.name if org.kind else "", *place]),
        "tag": _join(tag.name for tag in org.tags.all()),
        "other": _join([org.notes, *_custom_text(org.custom_fields)]),
    }
