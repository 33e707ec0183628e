"""Export jobs: the people a person may see (a filter, a segment or chosen ids) written to one
file in CSV (Rubrica's columns or Google's), XLSX, vCard 3.0/4.0 or JSON (which also carries
each person's timeline, tasks and document metadata: ``related_export``); or the organizations
they may see (``entity="organizations"``: filters or ids, CSV, XLSX or JSON,
``organization_export``).

Reads start from ``Contact.objects.restrict(owner, "view")`` when the job runs (not when it was
asked for), so a person who lost access meanwhile is not exported. People are read in chunks of
``CHUNK`` with their children prefetched per chunk, and written as they come: memory stays
bounded whatever the number of people. The file is written to a temporary file in private
storage and then saved as ``job.output``, which is only served by the job download views to
those who may view the job. A resumed export starts the file again (it is cheap to redo and a
half file has no checkpoint worth keeping).

CSV and XLSX cells that a spreadsheet would run as a formula are neutralised by the writers of
``dataio.tabular``.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from typing import IO, Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rubrica.accounts.models import User
from rubrica.audit import services as audit
from rubrica.audit.services import AuditAction
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import Contact
from rubrica.contacts.services import snapshot
from rubrica.core.models import Action
from rubrica.core.policies import can
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import FieldAccess, field_access, present
from rubrica.dataio import organization_export
from rubrica.dataio.related_export import related_of
from rubrica.jobs.models import Job
from rubrica.jobs.services import Progress, job_create
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.selectors import visible_organization_ids

FORMATS = ("csv", "csv-google", "xlsx", "vcard3", "vcard4", "json")
EXTENSIONS = {
    "csv": "csv",
    "csv-google": "csv",
    "xlsx": "xlsx",
    "vcard3": "vcf",
    "vcard4": "vcf",
    "json": "json",
}
CHUNK = 2000
MAX_IDS = 100_000
#: What an export job may hold; "people" is the default and is not written in the job's params.
ENTITIES = ("people", "organizations")


def export_data(
    contact: Contact, *, visible_organizations: set[int], access: FieldAccess
) -> dict[str, Any]:
    """What every writer gets for one person: the services' snapshot, plus ``uid``,
    ``vcard_extra``, ``organization`` (name, title, department of the primary or latest
    affiliation among those with an organization in ``visible_organizations``), ``id`` and the
    timestamps.

    The pages' rule, applied here once for every writer (vCard, CSV, XLSX, JSON): an
    affiliation with an organization the reader may not see is left out, its name and the
    title with it (``visible_organizations`` is ``organizations.selectors.
    visible_organization_ids`` for the reader). Likewise protected fields the reader may not
    read are left out, and sensitive values they may read are opened (``access``, ADR 0027)."""
    data = present(access, snapshot(contact))
    affiliations = [
        a for a in contact.affiliations.all() if a.organization_id in visible_organizations
    ]
    current = [a for a in affiliations if a.end_date is None] or affiliations
    primary = next((a for a in current if a.is_primary), current[0] if current else None)
    data.update(
        id=contact.pk,
        uid=contact.uid,
        vcard_extra=_visible_extra(access, contact),
        organization=(
            {
                "name": primary.organization.name,
                "title": primary.title,
                "department": primary.department,
            }
            if primary is not None
            else None
        ),
        # Every affiliation, as the JSON reader takes them back (the other writers read
        # ``organization`` only): the organization by name and UID, the role and its dates.
        affiliations=[
            {
                "organization": a.organization.name,
                "organization_uid": a.organization.uid,
                "title": a.title,
                "department": a.department,
                "start": a.start_date.isoformat() if a.start_date else None,
                "end": a.end_date.isoformat() if a.end_date else None,
                "is_primary": a.is_primary,
            }
            for a in sorted(affiliations, key=lambda a: (not a.is_primary, a.pk))
        ],
        # When and where each consent answer came from (the JSON reader takes the states
        # back, as answers given through an import).
        email_consent_at=_iso(contact.email_consent_at),
        email_consent_source=contact.email_consent_source,
        sms_consent_at=_iso(contact.sms_consent_at),
        sms_consent_source=contact.sms_consent_source,
        consent_by_purpose=[
            {
                "purpose": row.purpose.key,
                "channel": row.channel,
                "state": row.state,
                "at": row.at.isoformat(),
                "source": row.source,
            }
            for row in contact.purpose_consents.all()
        ],
        created_at=contact.created_at.isoformat(),
        updated_at=contact.updated_at.isoformat(),
        version=contact.version,
    )
    return data


def _visible_extra(access: FieldAccess, contact: Contact) -> list[Any]:
    """The person's vCard extras as ``access``'s reader may see them: no address forms when
    they may not read addresses, no kept form of a personal phone they may not read."""
    from rubrica.customfields.protection import PERSONAL_PHONES, split_phones
    from rubrica.dataio.vcard.mapping import without_address_forms, without_phone_forms

    extra: Any = list(contact.vcard_extra or [])
    if not access.can_read("addresses"):
        extra = without_address_forms(extra)
    if not access.can_read(PERSONAL_PHONES):
        numbers = {
            re.sub(r"\D", "", str(text)).lstrip("0")
            for phone in split_phones(contact.phones.all())[1]
            for text in (phone.e164, phone.raw)
            if text
        }
        extra = without_phone_forms(extra, numbers - {""})
    return list(extra)


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


def clean_selection(selection: Any, entity: str = "people") -> dict[str, Any]:
    """One of ``{"filters": {...}}``, ``{"segment": id}`` (people only), ``{"ids": [...]}``;
    the filters are those of ``entity``'s list."""
    if not isinstance(selection, dict) or len(selection) != 1:
        raise ValidationError({"selection": _("Give exactly one of: filters, segment, ids.")})
    ((key, value),) = selection.items()
    if key == "filters":
        if not isinstance(value, dict):
            raise ValidationError({"selection.filters": _("Filters must be an object.")})
        shapes = {
            f"selection.filters.{str(k)[:50]}": _("Give a text, a number or a list of them.")
            for k, v in value.items()
            if not _filter_value(v)
        }
        if shapes:
            raise ValidationError(shapes)
        if entity == "organizations":
            organization_export.parse_filters(value)
            return {"filters": value}
        _flt, errors = ContactFilter.parse(value)
        if errors:
            raise ValidationError({f"selection.filters.{k}": v for k, v in errors.items()})
        return {"filters": value}
    if key == "segment" and entity == "organizations":
        raise ValidationError(
            {"selection.segment": _("A segment holds people; choose organizations by filters.")}
        )
    if key == "segment":
        segment = _record_id(value)
        if segment is None:
            raise ValidationError({"selection.segment": _("Give a segment id.")})
        return {"segment": segment}
    if key == "ids":
        if not isinstance(value, list) or len(value) > MAX_IDS:
            raise ValidationError(
                {"selection.ids": _("Give a list of at most %(n)d ids.") % {"n": MAX_IDS}}
            )
        ids = [_record_id(v) for v in value]
        if None in ids:
            raise ValidationError({"selection.ids": _("Ids are whole numbers.")})
        return {"ids": sorted({pk for pk in ids if pk is not None})}
    raise ValidationError({"selection": _("Give exactly one of: filters, segment, ids.")})


def _filter_value(value: Any) -> bool:
    """A filter's value as a query string could give it: text, a number, true/false, or a
    short list of those (an object was read as its Python text)."""
    scalar = (str, int, float, bool)
    if isinstance(value, list):
        return len(value) <= 100 and all(isinstance(item, scalar) for item in value)
    return value is None or isinstance(value, scalar)


def _record_id(value: Any) -> int | None:
    """A database id from JSON or a form (a whole number or its digits), None for anything
    else: ``2.5`` or ``true`` is no id, and a number past 64 bits makes the database fail."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
        return value
    return None


def selected_contacts(user: User, selection: dict[str, Any]) -> QuerySet[Contact]:
    """The people of ``selection`` that ``user`` may view, in list order."""
    visible = Contact.objects.restrict(user, Action.VIEW)
    if "filters" in selection:
        flt, errors = ContactFilter.parse(selection["filters"])
        if errors:
            raise ValidationError({f"selection.filters.{k}": v for k, v in errors.items()})
        qs = flt.apply(visible)
        if flt.organizations:
            qs = qs.filter(organization__in=Organization.objects.restrict(user, Action.VIEW))
        return qs.order_by(*flt.order)
    if "segment" in selection:
        from rubrica.segments.models import Segment
        from rubrica.segments.selectors import segment_contacts

        segment = Segment.objects.restrict(user, Action.VIEW).filter(pk=selection["segment"])
        found = segment.first()
        if found is None:
            raise ValidationError({"selection.segment": _("There is no such segment.")})
        return segment_contacts(user, found).order_by("sort_name", "id")
    return visible.filter(pk__in=selection.get("ids", [])).order_by("sort_name", "id")


def export_start(
    *,
    actor: User,
    format: str,
    selection: dict[str, Any],
    enqueue: bool = True,
    entity: str = "people",
) -> Job:
    """Create an export job (kind ``export``) of ``entity`` ("people" or "organizations"); the
    person's roles must grant export on it."""
    if entity not in ENTITIES:
        raise ValidationError(
            {"entity": _("Choose one of: %(choices)s.") % {"choices": ", ".join(ENTITIES)}}
        )
    if not can(actor, entity, Action.EXPORT):
        if entity == "organizations":
            raise PermissionDenied(_("Your roles do not allow exporting organizations."))
        raise PermissionDenied(_("Your roles do not allow exporting people."))
    formats = organization_export.FORMATS if entity == "organizations" else FORMATS
    if format not in formats:
        raise ValidationError(
            {"format": _("Choose one of: %(choices)s.") % {"choices": ", ".join(formats)}}
        )
    cleaned = clean_selection(selection, entity)
    params: dict[str, Any] = {"format": format, "selection": cleaned}
    if entity == "organizations":
        title = _("Export of organizations (%(format)s)") % {"format": format}
        params["entity"] = entity
    else:
        title = _("Export of people (%(format)s)") % {"format": format}
    with transaction.atomic():
        job = job_create(actor=actor, kind="export", title=title, params=params, enqueue=enqueue)
        audit.record(actor, AuditAction.EXPORT_START, job, params)
    return job


class Writer(Protocol):
    def write(self, data: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class VCardWriter:
    """One vCard per person, in one file, with photos inline."""

    def __init__(self, stream: IO[bytes], version: str) -> None:
        self.stream = stream
        self.version = version

    def write(self, data: dict[str, Any]) -> None:
        from rubrica.dataio.vcard import contact_to_card, serialize_card

        org = data.get("organization")
        organization = (org["name"], org.get("department") or "") if org else None
        card = contact_to_card(
            data, version=self.version, organization=organization, photo=data.get("_photo")
        )
        self.stream.write(serialize_card(card).encode("utf-8"))

    def close(self) -> None:
        self.stream.flush()


def contact_vcard(contact: Contact, version: str = "4.0", *, viewer: User) -> str:
    """One person as a vCard (the person page's "Download vCard") as ``viewer`` may see it:
    without affiliations with organizations they may not see."""
    from rubrica.dataio.vcard import contact_to_card, serialize_card

    data = export_data(
        contact,
        visible_organizations=_visible_organizations(viewer, [contact]),
        access=field_access(viewer, Entity.CONTACT),
    )
    data["_photo"] = _photo(contact)
    org = data.get("organization")
    organization = (org["name"], org.get("department") or "") if org else None
    card = contact_to_card(data, version=version, organization=organization, photo=data["_photo"])
    return serialize_card(card)


def _photo(contact: Contact) -> Any:
    from rubrica.dataio.vcard import Photo

    if not contact.photo:
        return None
    try:
        with contact.photo.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    from PIL import Image

    try:
        import io

        with Image.open(io.BytesIO(data)) as image:
            mime = Image.MIME.get(image.format or "", "image/jpeg")
    except Exception:
        return None
    return Photo(data=data, mime=mime)


def open_writer(fmt: str, stream: IO[bytes], entity: str = "people") -> Writer:
    if entity == "organizations":
        return _organization_writer(fmt, stream)
    if fmt in ("vcard3", "vcard4"):
        return VCardWriter(stream, "3.0" if fmt == "vcard3" else "4.0")
    if fmt == "json":
        from rubrica.dataio.jsonio import JsonWriter

        return JsonWriter(stream)
    from rubrica.dataio.tabular.writers import default_layout

    flavour = "google" if fmt == "csv-google" else "rubrica"
    if fmt == "xlsx":
        from rubrica.dataio.tabular.xlsx import XlsxWriter

        return XlsxWriter(stream, flavour=flavour, layout=default_layout())
    from rubrica.dataio.tabular.writers import CsvWriter

    return CsvWriter(stream, flavour=flavour, layout=default_layout())


class _OrganizationsJson:
    """The JSON document with its organizations array filled (its people one empty)."""

    def __init__(self, stream: IO[bytes]) -> None:
        from rubrica.dataio.jsonio import JsonWriter

        self.json = JsonWriter(stream)

    def write(self, data: dict[str, Any]) -> None:
        self.json.write_organization(data)

    def close(self) -> None:
        self.json.close()


def _organization_writer(fmt: str, stream: IO[bytes]) -> Writer:
    from rubrica.dataio.tabular.writers import organization_layout

    if fmt == "json":
        return _OrganizationsJson(stream)
    if fmt == "xlsx":
        from rubrica.dataio.tabular.xlsx import XlsxWriter

        return XlsxWriter(
            stream, flavour="organizations", layout=organization_layout(), title="Organizations"
        )
    from rubrica.dataio.tabular.writers import CsvWriter

    return CsvWriter(stream, flavour="organizations", layout=organization_layout())


def _visible_organizations(viewer: User, contacts: list[Contact]) -> set[int]:
    """The organizations of ``contacts``' affiliations that ``viewer`` may see."""
    return visible_organization_ids(
        viewer, {a.organization_id for c in contacts for a in c.affiliations.all()}
    )


def _rows(
    viewer: User, qs: QuerySet[Contact], with_photos: bool, with_related: bool = False
) -> Iterator[dict[str, Any]]:
    """Each person's ``export_data`` as ``viewer`` may see it, read in chunks of ``CHUNK``;
    ``with_related`` adds their activities, tasks and documents (``related_export``)."""
    qs = qs.select_related("owner", "team", "stage").prefetch_related(
        "emails",
        "phones",
        "addresses",
        "urls",
        "profiles",
        "tags",
        "purpose_consents__purpose",
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
    )
    chunk: list[Contact] = []
    for contact in qs.iterator(chunk_size=CHUNK):
        chunk.append(contact)
        if len(chunk) >= CHUNK:
            yield from _chunk_rows(viewer, chunk, with_photos, with_related)
            chunk = []
    yield from _chunk_rows(viewer, chunk, with_photos, with_related)


def _chunk_rows(
    viewer: User, chunk: list[Contact], with_photos: bool, with_related: bool = False
) -> Iterator[dict[str, Any]]:
    visible = _visible_organizations(viewer, chunk)
    related = related_of(viewer, [c.pk for c in chunk]) if with_related else {}
    access = field_access(viewer, Entity.CONTACT)
    for contact in chunk:
        data = export_data(contact, visible_organizations=visible, access=access)
        if with_photos:
            data["_photo"] = _photo(contact)
        data.update(related.get(contact.pk, {}))
        yield data


def export_filename(fmt: str, now: dt.datetime | None = None, entity: str = "people") -> str:
    stamp = (now or timezone.now()).strftime("%Y%m%d-%H%M%S")
    return f"rubrica-{entity}-{stamp}.{EXTENSIONS[fmt]}"


def run_export(job: Job, progress: Progress) -> dict[str, Any]:
    """The runner of kind ``export``."""
    fmt = str(job.params.get("format"))
    entity = str(job.params.get("entity") or "people")
    selection = job.params.get("selection") or {}
    rows: Iterator[dict[str, Any]]
    if entity == "organizations" and fmt in organization_export.FORMATS:
        organizations = organization_export.selected_organizations(job.owner, selection)
        progress.set_total(organizations.count())
        rows = organization_export.organization_rows(job.owner, organizations)
    elif entity == "people" and fmt in FORMATS:
        qs = selected_contacts(job.owner, selection)
        progress.set_total(qs.count())
        rows = _rows(job.owner, qs, with_photos=fmt.startswith("vcard"), with_related=fmt == "json")
    else:
        raise ValidationError(_("Unknown export format."))
    count = 0
    # The people's JSON document also carries the organizations they work at (those the
    # reader may see, as the organizations' own export writes them), so that an import of it
    # brings back each organization whole, not only its name.
    from rubrica.dataio.jsonio import JsonWriter

    with_organizations = entity == "people" and fmt == "json"
    organization_uids: set[str] = set()
    with tempfile.TemporaryFile() as handle:
        writer = open_writer(fmt, handle, entity)
        for data in rows:
            writer.write(data)
            if with_organizations:
                organization_uids.update(a["organization_uid"] for a in data["affiliations"])
            count += 1
            if count % 500 == 0:
                progress.raise_if_cancelled()
                progress.set_done(count)
        if isinstance(writer, JsonWriter) and with_organizations:
            for organization in organization_export.organizations_by_uid(
                job.owner, organization_uids
            ):
                writer.write_organization(organization)
        writer.close()
        handle.seek(0)
        if job.output:
            job.output.delete(save=False)
        job.output.save(export_filename(fmt, entity=entity), File(handle), save=False)
    Job.objects.filter(pk=job.pk).update(output=job.output.name)
    progress.set_done(count)
    return {"count": count, "format": fmt, "filename": job.output.name.rsplit("/", 1)[-1]}
