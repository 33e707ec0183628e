"""The shared interface between file formats (CSV, XLSX, JSON, vCard) and the import jobs.

A reader turns one source file into a stream of :class:`SourceRecord`; the import job turns each
record into calls of the contacts and organizations services. Readers never touch the database:
they only parse, map and check what can be checked without it (syntax of emails, phones, dates),
so that a bad cell is reported with its line and column and the record is skipped, while the rest
of the file goes on.

``data`` is the contact services' input shape (``contacts.services.snapshot`` / ``_clean``):
``given_name``, ``family_name``, ``emails`` ``[{"label", "value", "is_preferred"}]``, ``phones``,
``addresses`` ``[{"label", "street", "city", "region", "postal_code", "country", "po_box",
"extended", "is_preferred"}]``, ``urls``, ``profiles``, ``nicknames``, ``notes``, ``title``,
``birthday`` (``YYYY-MM-DD`` or ``--MM-DD``), ``tags`` (names), ``custom_fields`` ``{key: value}``
and, for vCards, ``vcard_extra``. Keys that the source did not have are absent (an update from
an import only touches what the file carries).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _


@dataclass
class SourceRecord:
    """One contact read from a file.

    Invariants: ``line`` is 1-based and points at the first physical line (CSV), row (XLSX),
    card (vCard) or record index + 1 (JSON) of the record; when ``errors`` is not empty the
    importer reports them and skips the record (``data`` may then be partial)."""

    line: int
    data: dict[str, Any]
    organization: dict[str, Any] | None = None  # {"name", "title", "department"}
    external_id: str | None = None  # vCard UID, a CSV id column, the JSON uid
    errors: list[str] = field(default_factory=list)
    raw: dict[str, str] | str = ""  # the source row (header -> cell) or card text
    # Only from the JSON format, which carries every affiliation: [{"organization" (name),
    # "organization_uid", "title", "department", "start", "end", "is_primary"}]. Empty for
    # the other formats, whose one affiliation is ``organization``.
    affiliations: list[dict[str, Any]] = field(default_factory=list)
    # Cells the reader could not read (an impossible date, an email that is none): named by
    # line and column. They do not fail the record: the services refuse the value, which the
    # import sets aside (kept in the notes) and reports with these words.
    set_aside: list[str] = field(default_factory=list)
    # Only from the JSON format: the person's answers per consent purpose, [{"purpose" (key),
    # "channel" (email or sms), "state" (granted or withdrawn)}], checked for shape.
    purpose_answers: list[dict[str, str]] = field(default_factory=list)
    # Only from the JSON format: the person's timeline as exported (``related_export``), each
    # activity an object; the import judges each value.
    activities: list[dict[str, Any]] = field(default_factory=list)


def keep_in_notes(data: dict[str, Any], kept: list[str], current_notes: str = "") -> None:
    """Append the values an import set aside (``kept``, words) to ``data``'s notes, once: a
    re-import of the same file changes nothing. ``current_notes``: the record's notes when
    ``data`` does not carry them."""
    if not kept:
        return
    note = _("Not imported (refused by validation): %(values)s") % {"values": "; ".join(kept)}
    notes = str(data.get("notes", current_notes) or "").rstrip()
    if note not in notes:
        data["notes"] = f"{notes}\n\n{note}" if notes else note


class Reader(Protocol):
    """Anything that yields records from one source, streaming (bounded memory)."""

    def records(self) -> Iterator[SourceRecord]: ...
