"""/me/settings (your personal settings) and /team/settings (the team's default country, changed
by administrators), ADR 0021. PATCH changes only the fields sent; bad values answer 422 with the
field named, and nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from rubrica.accounts import selectors, services
from rubrica.accounts.models import SiteSettings, UserSettings
from rubrica.kits.api.common import actor, problems

me_router = Router(tags=["settings"])
team_router = Router(tags=["settings"])


class UserSettingsOut(Schema):
    language: str = Field(
        description='A language code ("it", "zh-hans", "fa"); "" follows the browser.'
    )
    time_zone: str = Field(description='An IANA time zone; "" is the site\'s.')
    date_style: str = Field(description='"locale", "iso" or "jalali".')
    theme: str = Field(description='"light", "dark" or "system".')
    density: str = Field(description='"comfortable" or "compact".')
    home_page: str
    list_columns: dict[str, list[str]]
    list_sort: dict[str, str]
    updated_at: dt.datetime | None


class UserSettingsPatch(Schema):
    language: str | None = None
    time_zone: str | None = None
    date_style: str | None = None
    theme: str | None = None
    density: str | None = None
    home_page: str | None = None
    list_columns: dict[str, list[str]] | None = None
    list_sort: dict[str, str] | None = None


class TeamSettingsOut(Schema):
    country: str = Field(
        description="ISO 3166 two-letter code in which phone numbers typed without a country "
        'code are read; "" when none is chosen (such numbers are then refused).'
    )
    updated_at: dt.datetime | None


class TeamSettingsPatch(Schema):
    country: str


def _user_data(row: UserSettings) -> dict[str, Any]:
    return {
        "language": row.language,
        "time_zone": row.time_zone,
        "date_style": row.date_style,
        "theme": row.theme,
        "density": row.density,
        "home_page": row.home_page,
        "list_columns": row.list_columns or {},
        "list_sort": row.list_sort or {},
        "updated_at": row.updated_at if row.pk else None,
    }


def _team_data(row: SiteSettings) -> dict[str, Any]:
    return {"country": row.country, "updated_at": row.updated_at if row.updated_at else None}


@me_router.get("/settings", response={200: UserSettingsOut})
def get_my_settings(request: HttpRequest) -> dict[str, Any]:
    return _user_data(selectors.user_settings(actor(request)))


@me_router.patch("/settings", response={200: UserSettingsOut, **problems(422)})
def patch_my_settings(request: HttpRequest, payload: UserSettingsPatch) -> dict[str, Any]:
    user = actor(request)
    data = payload.dict(exclude_unset=True)
    return _user_data(services.user_settings_update(actor=user, user=user, data=data))


@team_router.get("/settings", response={200: TeamSettingsOut})
def get_team_settings(request: HttpRequest) -> dict[str, Any]:
    actor(request)
    return _team_data(selectors.team_settings())


@team_router.patch("/settings", response={200: TeamSettingsOut, **problems(403, 422)})
def patch_team_settings(request: HttpRequest, payload: TeamSettingsPatch) -> dict[str, Any]:
    return _team_data(services.team_settings_update(actor=actor(request), country=payload.country))
