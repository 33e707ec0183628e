"""/contacts: people. Reads go through the shared selectors and filter; writes through
contacts.services. A person the caller may not view answers 404 on every method.

The services own the write protocol: this door passes ``If-Match`` as ``expected_version`` (a
stale one raises ConflictError: 412 with the current ETag) and ``?allow_duplicates`` as
``allow_duplicates`` (the duplicate rule raises DuplicatesFound: 409 with the candidates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from rubrica.accounts.models import User
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import NEVER, ConsentPurpose, ConsentSource, Contact, PurposeConsent
from rubrica.contacts.schemas import (
    ContactIn,
    ContactOut,
    ContactPage,
    PurposeAnswerIn,
    PurposeAnswerOut,
)
from rubrica.contacts.selectors import contact_detail_qs, contact_list
from rubrica.contacts.services import (
    DuplicatesFound,
    contact_create,
    contact_delete,
    contact_purpose_consent_set,
    contact_restore,
    contact_update,
)
from rubrica.contacts.services import snapshot as contact_snapshot
from rubrica.contacts.types import ContactInput
from rubrica.core.filters import raise_filter_errors
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import audit_read, field_access, present, shown_protected
from rubrica.dedup.api import ALLOW_DUPLICATES, DuplicatesProblem, duplicates_problem
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.kits.web.list_scopes import list_scope
from rubrica.organizations.api_affiliations import affiliation_data
from rubrica.organizations.models import Affiliation
from rubrica.organizations.selectors import visible_organization_ids

router = Router(tags=["people"])

#: What a person's representation reads besides the row (prefetched for a whole page at once).
CONTACT_LOOKUPS: tuple[Any, ...] = (
    "stage",
    "owner",
    "team",
    "tags",
    "emails",
    "phones",
    "addresses",
    "urls",
    "profiles",
    "purpose_consents__purpose",
)
IDS = "ids; repeat the parameter or separate with commas."


class ContactQuery(ListParams):
    """The list page's filters. Custom fields filter as ``cf_<key>=value``."""

    q: str | None = Field(None, description="Name, email or phone prefix.")
    tag: list[str] | None = Field(None, description=f"Tag {IDS}")
    stage: list[str] | None = Field(None, description=f"Lifecycle stage {IDS}")
    owner: list[str] | None = Field(None, description=f"Owner user {IDS}")
    team: list[str] | None = Field(None, description=f"Team {IDS}")
    organization: list[str] | None = Field(None, description=f"Organization {IDS}")
    city: str | None = None
    country: str | None = None
    has_email: bool | None = None
    has_phone: bool | None = None
    not_contacted_days: int | None = Field(
        None, ge=0, le=36_600, description="Last interaction older than this many days, or none."
    )
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    sort: str | None = Field(
        None, description="One of: " + ", ".join(ContactFilter.SORTS) + " (default name)."
    )


class ContactListQuery(ContactQuery):
    segment: int | None = Field(
        None, ge=1, le=2**63 - 1, description="Only people in this segment (id)."
    )


def contacts_data(
    request: HttpRequest, contacts: Sequence[Contact], user: User
) -> list[dict[str, Any]]:
    prefetch_related_objects(
        list(contacts),
        *CONTACT_LOOKUPS,
        Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
    )
    visible = visible_organization_ids(
        user, (aff.organization_id for c in contacts for aff in c.affiliations.all())
    )
    out = []
    access = field_access(user, Entity.CONTACT)
    for contact in contacts:
        # Protected fields the caller may not read are absent; sealed ones opened (ADR 0027).
        data = present(access, contact_snapshot(contact))
        data.update(
            id=contact.pk,
            uid=contact.uid,
            version=contact.version,
            photo=(
                request.build_absolute_uri(reverse("contacts:photo", args=[contact.pk]))
                if contact.photo
                else None
            ),
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            deleted_at=contact.deleted_at,
            email_consent_at=contact.email_consent_at,
            email_consent_source=contact.email_consent_source,
            sms_consent_at=contact.sms_consent_at,
            sms_consent_source=contact.sms_consent_source,
            consent_by_purpose=[purpose_answer_data(row) for row in contact.purpose_consents.all()],
            last_interaction_at=(
                contact.last_interaction_at if contact.last_interaction_at > NEVER else None
            ),
            affiliations=[
                affiliation_data(aff)
                for aff in contact.affiliations.all()
                if aff.organization_id in visible
            ],
        )
        out.append(data)
    return out


def purpose_answer_data(row: PurposeConsent) -> dict[str, Any]:
    return {
        "purpose": row.purpose.key,
        "channel": row.channel,
        "state": row.state,
        "at": row.at,
        "source": row.source,
    }


def contact_data(request: HttpRequest, contact: Contact, user: User) -> dict[str, Any]:
    return contacts_data(request, [contact], user)[0]


def _location(request: HttpRequest, contact: Contact) -> str:
    return request.build_absolute_uri(reverse("api:get_contact", args=[contact.pk]))


def _visible(request: HttpRequest, contact_id: int) -> Contact:
    return get_object_or_404(Contact.objects.restrict(actor(request), Action.VIEW), pk=contact_id)


def _input(payload: ContactIn) -> ContactInput:
    """The service input: only the keys the client sent, so PATCH is partial. ContactIn has
    exactly ContactInput's fields (tests/api/test_inputs.py keeps them equal)."""
    return cast(ContactInput, payload.model_dump(exclude_unset=True))


@router.get("", response={200: ContactPage, **problems(422)}, exclude_unset=True)
def list_contacts(request: HttpRequest, params: Query[ContactListQuery]) -> dict[str, Any]:
    """People the caller may see, filtered and sorted like the list page; keyset pages."""
    flt, errors = ContactFilter.parse(request.GET)
    user = actor(request)
    if params.segment is None:
        raise_filter_errors(errors)
        page = contact_list(user=user, flt=flt, cursor=params.cursor, size=params.limit)
        return page_data(page, contacts_data(request, page.items, user))
    scope = list_scope(Contact, "segment")  # segments answer it (segments/apps.py)
    segment, segment_error = scope.resolve(user, request.GET.get("segment"))
    if segment_error:
        errors["segment"] = segment_error
    raise_filter_errors(errors)
    page = scope.page(user, segment, flt, params.cursor, params.limit)
    return page_data(page, contacts_data(request, page.items, user))


@router.post(
    "",
    response={201: ContactOut, 409: DuplicatesProblem, **problems(403, 422)},
    exclude_unset=True,
)
def create_contact(
    request: HttpRequest,
    payload: ContactIn,
    response: HttpResponse,
    allow_duplicates: bool = Query(False, description=ALLOW_DUPLICATES),  # type: ignore[type-arg]
) -> Any:
    """Create a person. When they look like someone already there, answers 409 with the
    likely ``duplicates`` and creates nothing, unless ``allow_duplicates=true``."""
    user = actor(request)
    try:
        contact = contact_create(
            actor=user,
            data=_input(payload),
            allow_duplicates=allow_duplicates,
            consent_source=ConsentSource.API,
        )
    except DuplicatesFound as exc:
        return duplicates_problem(exc.candidates)
    response["Location"] = _location(request, contact)
    response["ETag"] = version_etag(contact.version)
    return Status(201, contact_data(request, contact, user))


@router.get("/trash", response={200: ContactPage, **problems(422)}, exclude_unset=True)
def list_contacts_trash(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """People in the Trash that the caller may see, most recently deleted first."""
    user = actor(request)
    qs = Contact.trash.restrict(user, Action.DELETE)
    page = keyset_page(qs, order=("-deleted_at", "-id"), cursor=params.cursor, size=params.limit)
    return page_data(page, contacts_data(request, page.items, user))


@router.get(
    "/{int:contact_id}",
    response={200: ContactOut, 304: None, **problems(404)},
    exclude_unset=True,
)
def get_contact(request: HttpRequest, contact_id: int, response: HttpResponse) -> Any:
    """One person; ``ETag`` is its version, to send back in ``If-Match`` when changing it."""
    user = actor(request)
    contact = get_object_or_404(contact_detail_qs(user, Action.VIEW), pk=contact_id)
    etag = version_etag(contact.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    data = contact_data(request, contact, user)
    audit_read(user, contact, shown_protected(field_access(user, Entity.CONTACT), data), "api")
    return data


@router.patch(
    "/{int:contact_id}",
    response={200: ContactOut, 409: DuplicatesProblem, **problems(403, 404, 412, 422)},
    exclude_unset=True,
)
def update_contact(
    request: HttpRequest,
    contact_id: int,
    payload: ContactIn,
    response: HttpResponse,
    allow_duplicates: bool = Query(False, description=ALLOW_DUPLICATES),  # type: ignore[type-arg]
) -> Any:
    """Change the fields sent (and only those). Send ``If-Match`` to refuse lost updates. A
    change that makes the person look like someone else answers 409 with the likely
    ``duplicates`` and changes nothing, unless ``allow_duplicates=true``."""
    user = actor(request)
    contact = _visible(request, contact_id)
    try:
        contact = contact_update(
            actor=user,
            contact=contact,
            data=_input(payload),
            expected_version=expected_version(request, contact.version),
            allow_duplicates=allow_duplicates,
            consent_source=ConsentSource.API,
        )
    except DuplicatesFound as exc:
        return duplicates_problem(exc.candidates)
    response["ETag"] = version_etag(contact.version)
    return contact_data(request, contact, user)


@router.delete("/{int:contact_id}", response={204: None, **problems(403, 404, 412)})
def delete_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    """Move the person to the Trash (restorable until purged)."""
    contact = _visible(request, contact_id)
    contact_delete(
        actor=actor(request),
        contact=contact,
        expected_version=expected_version(request, contact.version),
    )
    return HttpResponse(status=204)


@router.post(
    "/{int:contact_id}/restore",
    response={200: ContactOut, **problems(403, 404, 412)},
    exclude_unset=True,
)
def restore_contact(request: HttpRequest, contact_id: int, response: HttpResponse) -> Any:
    """Take the person out of the Trash (a person not in the Trash is returned unchanged)."""
    user = actor(request)
    contact = get_object_or_404(Contact.all_objects.restrict(user, Action.VIEW), pk=contact_id)
    contact = contact_restore(
        actor=user, contact=contact, expected_version=expected_version(request, contact.version)
    )
    response["ETag"] = version_etag(contact.version)
    return contact_data(request, contact, user)


@router.put(
    "/{int:contact_id}/consent/{purpose}/{channel}",
    response={200: PurposeAnswerOut, **problems(403, 404, 422)},
)
def set_purpose_consent(
    request: HttpRequest, contact_id: int, purpose: str, channel: str, payload: PurposeAnswerIn
) -> dict[str, Any]:
    """The person's answer for one purpose (its key, see Tools → Privacy) on one channel (email
    or sms): opted in, opted out, or not asked (empty: the answer is removed). Needs the right
    to change the person; recorded with the source "api" and a history entry. Sending for the
    purpose asks it (ADR 0035)."""
    contact = _visible(request, contact_id)
    found = ConsentPurpose.objects.filter(key=purpose).first()
    if found is None:
        raise Http404(_("There is no such purpose."))
    row = contact_purpose_consent_set(
        actor=actor(request),
        contact=contact,
        purpose=found,
        channel=channel,
        state=payload.state,
        source=ConsentSource.API,
    )
    if row is None:
        return {"purpose": found.key, "channel": channel, "state": "", "at": None, "source": ""}
    return purpose_answer_data(row)
