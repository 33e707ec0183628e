"""/roles, /users/{id}/roles, /teams/{id}/roles: the roles of issue 17 over the API (ADR 0033).

The same doors as Settings → Roles, for whoever may manage users (administrators): list and read
roles with their grants, create, rename, delete (not a shipped role), set grants, and give roles to
a user or a team. Every write goes through ``accounts.services`` (the rules of the pages: shipped
roles are not deleted, no change may leave nobody active to manage users, every change audited).
A role's ``ETag`` covers its name, description and grants; ``If-Match`` on a write is checked on
the row the service has locked, and a stale one answers 412 without changing anything.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from rubrica.accounts import services
from rubrica.accounts.models import AccessRole, Team, User
from rubrica.core.pagination import keyset_page
from rubrica.kits.api.common import ListParams, actor, page_data, problems
from rubrica.kits.api.conditional import content_etag, if_match
from rubrica.kits.api.schemas import Id, StrictIn

router = Router(tags=["roles"])

#: ``{entity: {action: level}}``: e.g. ``{"people": {"view": "team_all"}}``.
Grants = dict[str, dict[str, str]]


class RoleSummary(Schema):
    id: int
    key: str
    name: str = Field(description="The name as shown (a shipped role's in your language).")
    description: str
    shipped: bool = Field(description="Shipped with Rubrica: its grants change, it stays.")
    users: int = Field(description="How many users hold it directly.")
    teams: int = Field(description="How many teams carry it.")


class RoleOut(RoleSummary):
    grants: Grants = Field(
        description='Every registered entity and action with its level: "all", "team_all" '
        '(team, private included), "team", "own" or "none".'
    )


class RolePage(Schema):
    items: list[RoleSummary]
    next_cursor: str | None
    prev_cursor: str | None


class RoleCreate(StrictIn):
    key: str = Field(description="Letters, digits and underscores; never changes.")
    name: str
    description: str = ""
    copy_of: str | None = Field(None, description="The key of a role whose levels to start from.")


class RoleChange(StrictIn):
    name: str | None = None
    description: str | None = None


class GrantsIn(StrictIn):
    grants: Grants = Field(
        description="The levels to set, by entity and action; pairs not sent stay as they are."
    )


class RolesIn(StrictIn):
    roles: list[str] = Field(description="The keys of the roles to hold: exactly these.")


class HolderRoles(Schema):
    id: int
    roles: list[str]


class ManagersIn(StrictIn):
    managers: list[Id] = Field(
        max_length=1000,
        description="The ids of the members who manage the team: exactly these (ADR 0049). "
        "Empty: every member whose roles reach “Team (private included)” manages it.",
    )


class TeamManagers(Schema):
    id: int
    managers: list[int]


def _ensure_admin(request: HttpRequest) -> User:
    user = actor(request)
    if not user.is_administrator:
        raise PermissionDenied(_("Only administrators can manage roles, users and teams."))
    return user


def _grants(role: AccessRole) -> Grants:
    grants: Grants = {}
    for (entity, action), level in services.role_levels(role).items():
        grants.setdefault(entity, {})[action] = level
    return grants


def _summary(role: AccessRole) -> dict[str, Any]:
    return {
        "id": role.pk,
        "key": role.key,
        "name": role.label,
        "description": role.description,
        "shipped": role.shipped,
        "users": role.users.count(),
        "teams": role.teams.count(),
    }


def _etag(role: AccessRole) -> str:
    """What the client may have read and overwrite: the stored fields and the grants."""
    return content_etag(
        {"name": role.name, "description": role.description, "grants": _grants(role)}
    )


def _detail(role: AccessRole, response: HttpResponse) -> dict[str, Any]:
    response["ETag"] = _etag(role)
    return {**_summary(role), "grants": _grants(role)}


def _role(role_id: int) -> AccessRole:
    return get_object_or_404(AccessRole, pk=role_id)


def _roles(keys: list[str]) -> list[AccessRole]:
    return services.roles_by_key(keys)


@router.get("/roles", response={200: RolePage, **problems(403, 422)})
def list_roles(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    """Every role, by name (administrators)."""
    _ensure_admin(request)
    page = keyset_page(
        AccessRole.objects.all(), order=("name", "id"), cursor=params.cursor, size=params.limit
    )
    return page_data(page, [_summary(role) for role in page.items])


@router.post("/roles", response={201: RoleOut, **problems(403, 422)})
def create_role(request: HttpRequest, payload: RoleCreate, response: HttpResponse) -> Any:
    """Create a role; it grants nothing until grants are set, or starts from ``copy_of``."""
    user = _ensure_admin(request)
    copy_of = _roles([payload.copy_of])[0] if payload.copy_of else None
    role = services.role_create(
        actor=user,
        key=payload.key,
        name=payload.name,
        description=payload.description,
        copy_of=copy_of,
    )
    response["Location"] = request.build_absolute_uri(reverse("api:get_role", args=[role.pk]))
    return Status(201, _detail(role, response))


@router.get("/roles/{int:role_id}", response={200: RoleOut, **problems(403, 404)})
def get_role(request: HttpRequest, role_id: int, response: HttpResponse) -> dict[str, Any]:
    """A role with the level of every entity and action."""
    _ensure_admin(request)
    return _detail(_role(role_id), response)


@router.patch("/roles/{int:role_id}", response={200: RoleOut, **problems(403, 404, 412, 422)})
def update_role(
    request: HttpRequest, role_id: int, payload: RoleChange, response: HttpResponse
) -> dict[str, Any]:
    """Rename a role or change its description (its key never changes)."""
    user = _ensure_admin(request)
    role = services.role_update(
        actor=user,
        role=_role(role_id),
        name=payload.name,
        description=payload.description,
        precondition=if_match(request, _etag),
    )
    return _detail(role, response)


@router.patch(
    "/roles/{int:role_id}/grants", response={200: RoleOut, **problems(403, 404, 412, 422)}
)
def set_role_grants(
    request: HttpRequest, role_id: int, payload: GrantsIn, response: HttpResponse
) -> dict[str, Any]:
    """Set levels of some entities and actions; refused (422, nothing written) for an unknown
    pair or level, or when nobody active could manage users afterwards."""
    user = _ensure_admin(request)
    levels = {
        (entity, action): level
        for entity, actions in payload.grants.items()
        for action, level in actions.items()
    }
    role = services.role_grants_set(
        actor=user, role=_role(role_id), levels=levels, precondition=if_match(request, _etag)
    )
    return _detail(role, response)


@router.delete("/roles/{int:role_id}", response={204: None, **problems(403, 404, 412, 422)})
def delete_role(request: HttpRequest, role_id: int) -> HttpResponse:
    """Delete a role that is not shipped; its holders and teams lose it."""
    user = _ensure_admin(request)
    services.role_delete(actor=user, role=_role(role_id), precondition=if_match(request, _etag))
    return HttpResponse(status=204)


@router.put("/users/{int:user_id}/roles", response={200: HolderRoles, **problems(403, 404, 422)})
def set_user_roles(request: HttpRequest, user_id: int, payload: RolesIn) -> dict[str, Any]:
    """Give a user exactly these roles (besides those of their teams)."""
    user = _ensure_admin(request)
    holder = get_object_or_404(User, pk=user_id)
    services.user_roles_set(actor=user, user=holder, roles=_roles(payload.roles))
    return {"id": holder.pk, "roles": sorted(holder.roles.values_list("key", flat=True))}


@router.put("/teams/{int:team_id}/roles", response={200: HolderRoles, **problems(403, 404, 422)})
def set_team_roles(request: HttpRequest, team_id: int, payload: RolesIn) -> dict[str, Any]:
    """Make a team carry exactly these roles (every member holds them)."""
    user = _ensure_admin(request)
    team = get_object_or_404(Team, pk=team_id)
    services.team_update(actor=user, team=team, roles=_roles(payload.roles))
    return {"id": team.pk, "roles": sorted(team.roles.values_list("key", flat=True))}


@router.put(
    "/teams/{int:team_id}/managers", response={200: TeamManagers, **problems(403, 404, 422)}
)
def set_team_managers(request: HttpRequest, team_id: int, payload: ManagersIn) -> dict[str, Any]:
    """Make exactly these members the team's managers (ADR 0049); a user who is not a member,
    or an unknown id, answers 422 and changes nothing."""
    user = _ensure_admin(request)
    team = get_object_or_404(Team, pk=team_id)
    wanted = set(payload.managers)
    found = {holder.pk: holder for holder in User.objects.filter(pk__in=wanted)}
    unknown = sorted(wanted - set(found))
    if unknown:
        raise ValidationError(
            {
                "managers": _("No user with the id %(ids)s.")
                % {"ids": ", ".join(str(pk) for pk in unknown)}
            }
        )
    services.team_update(actor=user, team=team, managers=list(found.values()))
    return {"id": team.pk, "managers": sorted(team.managers.values_list("pk", flat=True))}
