"""People in the search: how a person's search document is built and how the search's filters
narrow people. Registered with the search engine by ``rubrica.contacts.apps`` (the engine knows
no domain; see ``rubrica.search.registry``)."""

from __future__ import annotations

from collections.abc import Sequence

from rubrica.accounts.models import User
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.forms import ContactFilterForm
from rubrica.contacts.models import Contact
from rubrica.core.filters import Params
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import PERSONAL_PHONES, protected_names, split_phones
from rubrica.search.documents import custom_text, folded_lines, name_forms
from rubrica.search.registry import Narrowing
from rubrica.search.text import is_cjk, phone_digits
from rubrica.taxonomy.models import LifecycleStage, Tag

#: What contact_fields reads; querysets given to it should prefetch these.
CONTACT_PREFETCH = ("emails", "phones", "addresses", "tags", "affiliations__organization")

#: The search filters people have, in the order the search page shows them.
FILTER_KEYS = ("tag", "owner", "team", "stage", "has_email", "has_phone")


def contact_fields(contact: Contact) -> dict[str, str]:
    """The person's normalised text per field group: names (with pinyin), emails and their
    domains, phone digits, organizations, titles and places, tags, notes and custom fields."""
    # Chinese names are written family name first, without a space.
    family_given = f"{contact.family_name}{contact.given_name}"
    if not is_cjk(family_given):
        family_given = ""
    names = name_forms(
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
    # A protected field is found by nobody (one index serves every reader; ADR 0027).
    protected = protected_names(Entity.CONTACT)
    phone_rows = list(contact.phones.all())
    if PERSONAL_PHONES in protected:
        phone_rows = split_phones(phone_rows)[0]
    phones = [form for row in phone_rows for form in phone_digits(row.e164, row.raw)]
    org = [contact.title, contact.role]
    for aff in contact.affiliations.all():
        org.extend([aff.organization.name, aff.title, aff.department])
    if "addresses" not in protected:
        for address in contact.addresses.all():
            org.extend([address.city, address.region, address.country, address.postal_code])
    notes = "" if "notes" in protected else contact.notes
    other = [notes, contact.source, *custom_text(contact.custom_fields)]
    return {
        "name": folded_lines(names),
        "email": folded_lines([*emails, *domains]),
        "phone": folded_lines(phones),
        "org": folded_lines(org),
        "tag": folded_lines(tag.name for tag in contact.tags.all()),
        "other": folded_lines(other),
    }


def parse_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    """The search's people filters, parsed by the people list's own ``ContactFilter`` so that
    the names, checks and messages are the list's."""
    flt, errors = ContactFilter.parse(params)
    given = {
        "tag": bool(flt.tags),
        "owner": bool(flt.owners),
        "team": bool(flt.teams),
        "stage": bool(flt.stages),
        "has_email": flt.has_email is not None,
        "has_phone": flt.has_phone is not None,
    }
    return Narrowing(apply=flt.apply, used=frozenset(k for k, on in given.items() if on)), errors


def filter_form(data: Params, users: Sequence[User]) -> ContactFilterForm:
    """The people list's filter panel (same labels, choices and ids), which the search page
    shows, narrowed to the search's filters."""
    return ContactFilterForm(
        data,
        definitions=[],
        tags=list(Tag.objects.all()),
        stages=list(LifecycleStage.objects.all()),
        users=users,
    )
