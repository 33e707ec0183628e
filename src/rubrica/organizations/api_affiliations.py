"""/affiliations: a person's roles at organizations.

An affiliation is visible when both its person and its organization are; changing one needs the
right to change the person (the services check it). Affiliations have no version of their own,
so their ETag is derived from their content; the services lock the row and run this door's
If-Match comparison on it (their ``precondition``), a stale tag answering 412.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from rubrica.accounts.models import User
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.core.services import raise_if
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import content_etag, if_match
from rubrica.kits.api.schemas import MAX_ID
from rubrica.organizations.models import Affiliation, Organization
from rubrica.organizations.schemas import (
    AffiliationChange,
    AffiliationCreate,
    AffiliationOut,
    AffiliationPage,
)
from rubrica.organizations.services import (
    affiliation_create,
    affiliation_delete,
    affiliation_update,
)
from rubrica.organizations.types import AffiliationInput

router = Router(tags=["affiliations"])


class AffiliationQuery(ListParams):
    contact: int | None = Field(None, ge=1, le=MAX_ID, description="Only this person's.")
    organization: int | None = Field(None, ge=1, le=MAX_ID, description="Only at this one.")


def affiliation_data(aff: Affiliation, *, with_contact: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": aff.pk,
        "organization": {"id": aff.organization_id, "name": aff.organization.name},
        "title": aff.title,
        "department": aff.department,
        "start_date": aff.start_date,
        "end_date": aff.end_date,
        "is_primary": aff.is_primary,
    }
    if with_contact:
        data["contact"] = {"id": aff.contact_id, "name": aff.contact.display_name}
        data["created_at"] = aff.created_at
        data["updated_at"] = aff.updated_at
    return data


def _visible_qs(user: User) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(
        contact__in=Contact.objects.restrict(user, Action.VIEW),
        organization__in=Organization.objects.restrict(user, Action.VIEW),
    ).select_related("contact", "organization")


def _data(aff: Affiliation) -> dict[str, Any]:
    return affiliation_data(aff, with_contact=True)


def _etag(aff: Affiliation) -> str:
    return content_etag(_data(aff))


@router.get("", response={200: AffiliationPage, **problems(422)})
def list_affiliations(request: HttpRequest, params: Query[AffiliationQuery]) -> dict[str, Any]:
    qs = _visible_qs(actor(request))
    if params.contact is not None:
        qs = qs.filter(contact_id=params.contact)
    if params.organization is not None:
        qs = qs.filter(organization_id=params.organization)
    page = keyset_page(qs, order=("id",), cursor=params.cursor, size=params.limit)
    return page_data(page, [_data(aff) for aff in page.items])


@router.post("", response={201: AffiliationOut, **problems(403, 422)})
def create_affiliation(
    request: HttpRequest, payload: AffiliationCreate, response: HttpResponse
) -> Any:
    user = actor(request)
    contact = Contact.objects.restrict(user, Action.VIEW).filter(pk=payload.contact).first()
    org = Organization.objects.restrict(user, Action.VIEW).filter(pk=payload.organization).first()
    errors: dict[str, str] = {}
    if contact is None:
        errors["contact"] = _("There is no such person.")
    if org is None:
        errors["organization"] = _("There is no such organization.")
    raise_if(errors)
    assert contact is not None and org is not None
    data = cast(
        AffiliationInput,
        payload.model_dump(exclude_unset=True, exclude={"contact", "organization"}),
    )
    aff = affiliation_create(actor=user, contact=contact, organization=org, data=data)
    aff = _visible_qs(user).get(pk=aff.pk)
    response["Location"] = request.build_absolute_uri(reverse("api:get_affiliation", args=[aff.pk]))
    response["ETag"] = _etag(aff)
    return Status(201, _data(aff))


@router.get("/{int:affiliation_id}", response={200: AffiliationOut, **problems(404)})
def get_affiliation(request: HttpRequest, affiliation_id: int, response: HttpResponse) -> Any:
    aff = get_object_or_404(_visible_qs(actor(request)), pk=affiliation_id)
    response["ETag"] = _etag(aff)
    return _data(aff)


@router.patch(
    "/{int:affiliation_id}", response={200: AffiliationOut, **problems(403, 404, 412, 422)}
)
def update_affiliation(
    request: HttpRequest, affiliation_id: int, payload: AffiliationChange, response: HttpResponse
) -> Any:
    user = actor(request)
    aff = get_object_or_404(_visible_qs(user), pk=affiliation_id)
    affiliation_update(
        actor=user,
        affiliation=aff,
        data=cast(AffiliationInput, payload.model_dump(exclude_unset=True)),
        precondition=if_match(request, _etag),
    )
    aff = _visible_qs(user).get(pk=affiliation_id)
    response["ETag"] = _etag(aff)
    return _data(aff)


@router.delete("/{int:affiliation_id}", response={204: None, **problems(403, 404, 412)})
def delete_affiliation(request: HttpRequest, affiliation_id: int) -> HttpResponse:
    """Remove the link; the person's history keeps what it was."""
    user = actor(request)
    aff = get_object_or_404(_visible_qs(user), pk=affiliation_id)
    affiliation_delete(actor=user, affiliation=aff, precondition=if_match(request, _etag))
    return HttpResponse(status=204)
