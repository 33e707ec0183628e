"""/organizations: the same contract as /contacts, over organizations.services (which own the
row lock and the version check: If-Match is passed as ``expected_version``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Field, Query, Router, Status

from rubrica.accounts.models import User
from rubrica.core.filters import raise_filter_errors
from rubrica.core.models import Action
from rubrica.core.pagination import keyset_page
from rubrica.customfields.models import Entity
from rubrica.customfields.protection import audit_read, field_access, present, shown_protected
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import expected_version, not_modified, version_etag
from rubrica.organizations.filters import OrganizationFilter
from rubrica.organizations.models import Organization
from rubrica.organizations.schemas import OrganizationIn, OrganizationOut, OrganizationPage
from rubrica.organizations.selectors import (
    organization_detail_qs,
    organization_list,
    visible_organization_ids,
)
from rubrica.organizations.services import (
    organization_create,
    organization_delete,
    organization_restore,
    organization_update,
)
from rubrica.organizations.services import snapshot as organization_snapshot
from rubrica.organizations.types import OrganizationInput

ORGANIZATION_LOOKUPS = ("kind", "owner", "team", "tags", "phones", "addresses")

router = Router(tags=["organizations"])

IDS = "ids; repeat the parameter or separate with commas."


class OrganizationQuery(ListParams):
    """The list page's filters. Custom fields filter as ``cf_<key>=value``."""

    q: str | None = Field(None, description="Name prefix or part.")
    tag: list[str] | None = Field(None, description=f"Tag {IDS}")
    kind: list[str] | None = Field(None, description=f"Organization kind {IDS}")
    owner: list[str] | None = Field(None, description=f"Owner user {IDS}")
    team: list[str] | None = Field(None, description=f"Team {IDS}")
    city: str | None = None
    country: str | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    sort: str | None = Field(
        None, description="One of: " + ", ".join(OrganizationFilter.SORTS) + " (default name)."
    )


def organizations_data(organizations: Sequence[Organization], user: User) -> list[dict[str, Any]]:
    prefetch_related_objects(list(organizations), *ORGANIZATION_LOOKUPS)
    parents = visible_organization_ids(user, (org.parent_id for org in organizations))
    out = []
    access = field_access(user, Entity.ORGANIZATION)
    for org in organizations:
        # Protected fields the caller may not read are absent; sealed ones opened (ADR 0027).
        data = present(access, organization_snapshot(org))
        if data["parent"] not in parents:
            data["parent"] = None
        data.update(
            id=org.pk,
            uid=org.uid,
            version=org.version,
            created_at=org.created_at,
            updated_at=org.updated_at,
            deleted_at=org.deleted_at,
        )
        out.append(data)
    return out


def organization_data(org: Organization, user: User) -> dict[str, Any]:
    return organizations_data([org], user)[0]


def _visible(request: HttpRequest, organization_id: int) -> Organization:
    qs = Organization.objects.restrict(actor(request), Action.VIEW)
    return get_object_or_404(qs, pk=organization_id)


def _input(payload: OrganizationIn) -> OrganizationInput:
    """The service input: only the keys the client sent. OrganizationIn has exactly
    OrganizationInput's fields (tests/api/test_inputs.py keeps them equal)."""
    return cast(OrganizationInput, payload.model_dump(exclude_unset=True))


@router.get("", response={200: OrganizationPage, **problems(422)}, exclude_unset=True)
def list_organizations(request: HttpRequest, params: Query[OrganizationQuery]) -> dict[str, Any]:
    flt, errors = OrganizationFilter.parse(request.GET)
    raise_filter_errors(errors)
    page = organization_list(user=actor(request), flt=flt, cursor=params.cursor, size=params.limit)
    return page_data(page, organizations_data(page.items, actor(request)))


@router.post("", response={201: OrganizationOut, **problems(403, 422)}, exclude_unset=True)
def create_organization(
    request: HttpRequest, payload: OrganizationIn, response: HttpResponse
) -> Any:
    org = organization_create(actor=actor(request), data=_input(payload))
    response["Location"] = request.build_absolute_uri(
        reverse("api:get_organization", args=[org.pk])
    )
    response["ETag"] = version_etag(org.version)
    return Status(201, organization_data(org, actor(request)))


@router.get("/trash", response={200: OrganizationPage, **problems(422)}, exclude_unset=True)
def list_organizations_trash(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    qs = Organization.trash.restrict(actor(request), Action.DELETE)
    page = keyset_page(qs, order=("-deleted_at", "-id"), cursor=params.cursor, size=params.limit)
    return page_data(page, organizations_data(page.items, actor(request)))


@router.get(
    "/{int:organization_id}",
    response={200: OrganizationOut, 304: None, **problems(404)},
    exclude_unset=True,
)
def get_organization(request: HttpRequest, organization_id: int, response: HttpResponse) -> Any:
    qs = organization_detail_qs(actor(request), Action.VIEW)
    org = get_object_or_404(qs, pk=organization_id)
    etag = version_etag(org.version)
    if not_modified(request, etag):
        return HttpResponse(status=304, headers={"ETag": etag})
    response["ETag"] = etag
    user = actor(request)
    data = organization_data(org, user)
    access = field_access(user, Entity.ORGANIZATION)
    audit_read(user, org, shown_protected(access, data), "api")
    return data


@router.patch(
    "/{int:organization_id}",
    response={200: OrganizationOut, **problems(403, 404, 412, 422)},
    exclude_unset=True,
)
def update_organization(
    request: HttpRequest, organization_id: int, payload: OrganizationIn, response: HttpResponse
) -> Any:
    org = _visible(request, organization_id)
    org = organization_update(
        actor=actor(request),
        organization=org,
        data=_input(payload),
        expected_version=expected_version(request, org.version),
    )
    response["ETag"] = version_etag(org.version)
    return organization_data(org, actor(request))


@router.delete("/{int:organization_id}", response={204: None, **problems(403, 404, 412)})
def delete_organization(request: HttpRequest, organization_id: int) -> HttpResponse:
    org = _visible(request, organization_id)
    organization_delete(
        actor=actor(request),
        organization=org,
        expected_version=expected_version(request, org.version),
    )
    return HttpResponse(status=204)


@router.post(
    "/{int:organization_id}/restore",
    response={200: OrganizationOut, **problems(403, 404, 412)},
    exclude_unset=True,
)
def restore_organization(request: HttpRequest, organization_id: int, response: HttpResponse) -> Any:
    user = actor(request)
    qs = Organization.all_objects.restrict(user, Action.VIEW)
    org = get_object_or_404(qs, pk=organization_id)
    org = organization_restore(
        actor=user, organization=org, expected_version=expected_version(request, org.version)
    )
    response["ETag"] = version_etag(org.version)
    return organization_data(org, actor(request))
