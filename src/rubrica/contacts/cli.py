"""What the doors of the shell share about people: `rubrica contacts` and the commands built on
people (`rubrica segments`) read their filters and print their rows alike."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from rubrica.contacts.models import Contact
from rubrica.core.ids import is_id
from rubrica.kits.cli.base import invalid

#: Filters that take ids; the CLI also accepts names and looks the ids up.
NAMED_FILTERS = ("tag", "stage", "owner", "team")


def filter_params(items: list[str]) -> dict[str, list[str]]:
    """``--filter key=value`` options (repeatable) as the query parameters the people filter
    parses; ``invalid`` names the option when one is not ``key=value``."""
    params: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise invalid("filter", _("Write filters as key=value, not %(item)r.") % {"item": item})
        params.setdefault(key, []).append(value.strip())
    return params


def resolve_named_filters(params: dict[str, list[str]]) -> None:
    """Let people write tag=VIP or owner=giulia where the people filter wants ids (in place;
    ``invalid`` names the filter when no such record exists). Used by `rubrica contacts list`
    and by the filters of `rubrica segments create`."""
    from rubrica.accounts.models import Team, User
    from rubrica.taxonomy.models import LifecycleStage, Tag

    lookups: dict[str, tuple[Any, str]] = {
        "tag": (Tag, "name"),
        "stage": (LifecycleStage, "name"),
        "owner": (User, "username"),
        "team": (Team, "name"),
    }
    for key in NAMED_FILTERS:
        model, field = lookups[key]
        resolved = []
        for value in params.get(key, []):
            for part in value.split(","):
                part = part.strip()
                if not part or is_id(part):
                    resolved.append(part)
                    continue
                pk = (
                    model.objects.filter(**{f"{field}__iexact": part})
                    .values_list("pk", flat=True)
                    .first()
                )
                if pk is None:
                    raise invalid(
                        key,
                        _("There is no %(what)s named %(name)s.")
                        % {"what": model._meta.verbose_name, "name": part},
                    )
                resolved.append(str(pk))
        if key in params:
            params[key] = [",".join(p for p in resolved if p)]


def list_row(contact: Contact, visible_orgs: set[int]) -> dict[str, Any]:
    """One person as a list shows them (only columns the list page has, no extra queries).
    ``visible_orgs``: the organization ids the acting user may see."""
    return {
        "id": contact.pk,
        "display_name": contact.display_name,
        "given_name": contact.given_name,
        "family_name": contact.family_name,
        "email": contact.primary_email,
        "phone": contact.primary_phone,
        "organization": (
            contact.organization.name
            if contact.organization and contact.organization_id in visible_orgs
            else None
        ),
        "city": contact.city,
        "country": contact.country,
        "stage": contact.stage.name if contact.stage else None,
        "tags": sorted(tag.name for tag in contact.tags.all()),
        "owner": contact.owner.username,
        "version": contact.version,
        "updated_at": contact.updated_at.isoformat(),
    }
