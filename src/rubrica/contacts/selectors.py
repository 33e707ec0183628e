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


def email_consent_refusal(state: str | None) -> str:
    """Why a person whose e-mail consent is ``state`` may not be written to, or "" when they
    may (ADR 0032): an opt-out always refuses; when the team requires consent, anything but an
    opt-in does. Every sending feature asks this (mail, appointment invitations)."""
    from django.utils.translation import gettext as _

    from rubrica.accounts.selectors import team_settings
    from rubrica.contacts.models import ConsentState

    if state == ConsentState.WITHDRAWN:
        return _("The person opted out of e-mail.")
    if state != ConsentState.GRANTED and team_settings().require_email_consent:
        return _("The person has not opted in to e-mail, which the team requires.")
    return ""


def audit_labels(ids: list[str]) -> dict[str, str]:
    """The current name of each person of ``ids`` still there (in the Trash too), for the audit
    page (``audit.labels``); an erased person answers ``audit.labels.ERASED``."""
    from rubrica.audit.labels import ERASED
    from rubrica.contacts.services import ERASED_NAME

    pks = [int(pk) for pk in ids if pk.isdigit()]
    rows = Contact.all_objects.filter(pk__in=pks).values_list("pk", "display_name")
    return {str(pk): ERASED if name == ERASED_NAME else name for pk, name in rows}


def purpose_consent_refusal(
    general: str | None, answer: str | None, *, purpose_name: str = ""
) -> str:
    """Why a person may not be written to for a purpose (ADR 0035), or "" when they may:
    ``general`` is their e-mail consent, ``answer`` their answer for the purpose (None: not
    asked). An opt-out of e-mail or of the purpose always refuses; when the team requires
    consent, they must have opted in to the purpose, or to e-mail in general without answering
    for the purpose."""
    from django.utils.translation import gettext as _

    from rubrica.accounts.selectors import team_settings
    from rubrica.contacts.models import ConsentState

    if general == ConsentState.WITHDRAWN:
        return _("The person opted out of e-mail.")
    if answer == ConsentState.WITHDRAWN:
        return _("The person opted out of %(purpose)s.") % {"purpose": purpose_name}
    if team_settings().require_email_consent and not (
        answer == ConsentState.GRANTED or (not answer and general == ConsentState.GRANTED)
    ):
        return _("The person has not opted in to %(purpose)s, which the team requires.") % {
            "purpose": purpose_name
        }
    return ""
