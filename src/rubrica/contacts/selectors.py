"""Reads of people shared by the web UI, the API, the CLI and exports."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from rubrica.accounts.models import User
from rubrica.contacts.filters import ContactFilter
from rubrica.contacts.models import Contact
from rubrica.core.models import Action
from rubrica.core.pagination import Page, keyset_page
from rubrica.organizations.models import Affiliation, Organization


def contact_list(
    *, user: User, flt: ContactFilter, cursor: str | None = None, size: int = 50
) -> Page[Contact]:
    qs = flt.apply(Contact.objects.restrict(user, Action.VIEW))
    if flt.organizations:
        # people at an organization the user may not see must not reveal that it exists
        visible = Organization.objects.restrict(user, Action.VIEW).values("pk")
        qs = qs.filter(organization__in=visible)
    qs = qs.select_related("stage", "owner", "organization").prefetch_related("tags")
    return keyset_page(qs, order=flt.order, cursor=cursor, size=size)


def contact_detail_qs(user: User, action: str = Action.VIEW) -> QuerySet[Contact]:
    """People ``user`` may ``action``, with everything a detail view shows."""
    return (
        Contact.objects.restrict(user, action)
        .select_related("stage", "owner", "team", "organization")
        .prefetch_related(
            "tags",
            "emails",
            "phones",
            "addresses",
            "urls",
            "profiles",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
        )
    )
