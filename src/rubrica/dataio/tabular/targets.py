"""The mapping vocabulary: what a column of a spreadsheet becomes in a contact.

A mapping is ``{column_index: target}`` where ``target`` is one of these strings (the UI offers
them, people may edit them, :func:`parse_target` validates them):

``ignore``
    The column is not read.
``prefix``, ``given_name``, ``additional_name``, ``family_name``, ``suffix``, ``display_name``,
``phonetic_given_name``, ``phonetic_family_name``, ``title``, ``role``, ``source``, ``notes``,
``gender``,
``birthday``, ``anniversary``, ``time_zone``, ``stage``, ``visibility``, ``owner``, ``team``
    A field of the contact (dates in ISO or in the file's day/month order; several columns with
    the same field are joined: notes by a new line, others by a space).
``full_name``
    A whole name: becomes ``display_name``, and is split into given and family name when the row
    has neither (``"Doe, Jane"`` and ``"Jane Doe"`` both give Jane / Doe).
``nicknames``, ``languages``, ``tags``
    Lists. A cell holding ``" ::: "`` (Google) is split only there; otherwise tags and languages
    are also split on ``;`` and ``,`` (Outlook categories). Tags ``* myContacts`` and
    ``System Group: ...`` are Google's own and are dropped; ``* starred`` becomes ``starred``.
``external_id``
    An identifier of the row in its source system (our export's UID): the importer matches on it.
``organization.name``, ``organization.department``, ``organization.title``
    The affiliation to create or link; the title also becomes the contact's ``title``.
``custom_fields.<key>``
    The custom field ``<key>``; a cell with ``" ::: "`` gives a list (multiple choice).
``purpose.<key>.email``, ``purpose.<key>.sms``
    The person's answer for the consent purpose ``<key>`` on that channel (ADR 0050): granted,
    withdrawn or the yes/no spellings of ``email_consent``; an empty cell says nothing.
``<kind>[<group>].<part>`` and ``<kind>[<group>:<label>].<part>``
    One entry of a collection. ``kind`` is ``emails``, ``phones``, ``urls``, ``profiles``,
    ``addresses``, ``events`` (a date whose label says birthday or anniversary) or
    ``custom_fields`` (a key/value pair held in two columns, Google's "Custom Field 1").
    Columns with the same kind and group make one entry (Google's "Address 2 - City" and
    "Address 2 - Street" are ``addresses[2].city`` and ``addresses[2].street``). ``part`` is
    ``value`` or ``label`` (addresses: ``street``, ``extended``, ``po_box``, ``city``, ``region``,
    ``postal_code``, ``country``, ``formatted``, ``label``; emails also ``type``, where Outlook's
    ``EX`` marks an Exchange X.500 address that is not an email; profiles ``label`` is the service);
    ``preferred`` is a yes/no column. The label of the entry is the ``label`` column when mapped,
    else ``<label>``, else the group when it is not a number (``phones[mobile].value`` is labelled
    ``mobile``). A label starting with ``*`` (Google's ``* Home``) marks the preferred entry. A
    cell holding ``" ::: "`` gives several entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

FIELDS = (
    "prefix",
    "given_name",
    "additional_name",
    "family_name",
    "suffix",
    "display_name",
    "phonetic_given_name",
    "phonetic_family_name",
    "title",
    "role",
    "source",
    "notes",
    "gender",
    "birthday",
    "anniversary",
    "time_zone",
    "stage",
    "visibility",
    "owner",
    "team",
    "email_consent",
    "sms_consent",
)
LISTS = ("nicknames", "languages", "tags")
SPECIAL = ("ignore", "full_name", "external_id")
ORGANIZATION_PARTS = ("name", "department", "title")
ADDRESS_PARTS = ("street", "extended", "po_box", "city", "region", "postal_code", "country")
KIND_PARTS: dict[str, tuple[str, ...]] = {
    "emails": ("value", "label", "type", "preferred"),
    "phones": ("value", "label", "preferred"),
    "urls": ("value", "label", "preferred"),
    "profiles": ("value", "label", "preferred"),
    "addresses": (*ADDRESS_PARTS, "formatted", "label", "preferred"),
    "events": ("value", "label"),
    "custom_fields": ("value", "label"),
}
_ITEM = re.compile(
    r"^(?P<kind>[a-z_]+)\[(?P<group>[^\]:]*)(?::(?P<label>[^\]]*))?\]\.(?P<part>[a-z_]+)$"
)
_CUSTOM = re.compile(r"^custom_fields\.(?P<key>[A-Za-z0-9_.-]{1,100})$")
_PURPOSE = re.compile(r"^purpose\.(?P<key>[a-z0-9_-]{1,40})\.(?P<channel>email|sms)$")
PURPOSE_CHANNELS = ("email", "sms")


@dataclass(frozen=True)
class Target:
    """A parsed target. ``kind`` is ``ignore``, ``field``, ``list``, ``full_name``,
    ``external_id``, ``organization``, ``custom``, ``purpose`` (``name`` the purpose's key,
    ``part`` the channel) or ``item``."""

    kind: str
    name: str = ""  # field / list name, organization part, custom key, or collection kind
    group: str = ""
    label: str | None = None
    part: str = ""

    def __str__(self) -> str:
        if self.kind == "item":
            label = f":{self.label}" if self.label is not None else ""
            return f"{self.name}[{self.group}{label}].{self.part}"
        if self.kind == "organization":
            return f"organization.{self.name}"
        if self.kind == "custom":
            return f"custom_fields.{self.name}"
        if self.kind == "purpose":
            return f"purpose.{self.name}.{self.part}"
        if self.kind in ("field", "list"):
            return self.name
        return self.kind


IGNORE = Target("ignore")


def parse_target(text: str) -> Target:
    """The :class:`Target` for ``text``; ValueError with a readable message when it is not in
    the vocabulary (a mapping edited by hand)."""
    text = str(text).strip()
    if text in ("", "ignore"):
        return IGNORE
    if text in FIELDS:
        return Target("field", text)
    if text in LISTS:
        return Target("list", text)
    if text in SPECIAL:
        return Target(text)
    if text.startswith("organization."):
        part = text.split(".", 1)[1]
        if part in ORGANIZATION_PARTS:
            return Target("organization", part)
    match = _CUSTOM.match(text)
    if match:
        return Target("custom", match.group("key"))
    match = _PURPOSE.match(text)
    if match:
        return Target("purpose", match.group("key"), part=match.group("channel"))
    match = _ITEM.match(text)
    if match and match.group("part") in KIND_PARTS.get(match.group("kind"), ()):
        return Target(
            "item",
            match.group("kind"),
            group=match.group("group"),
            label=match.group("label"),
            part=match.group("part"),
        )
    raise ValueError(_("%(target)s is not a known column target.") % {"target": text})


def is_target(text: str) -> bool:
    try:
        parse_target(text)
    except ValueError:
        return False
    return True
