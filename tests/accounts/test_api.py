"""/api/v1/me/settings and /api/v1/team/settings (ADR 0021)."""

from __future__ import annotations

import json

import pytest

from rubrica.accounts.models import SiteSettings, UserSettings
from tests.api.conftest import JSON, bearer

pytestmark = pytest.mark.django_db


def test_my_settings_answer_the_defaults_then_what_i_patched(client, member) -> None:
    auth = bearer(member)
    first = client.get("/api/v1/me/settings", **auth).json()
    assert (first["language"], first["theme"], first["date_style"], first["updated_at"]) == (
        "",
        "system",
        "locale",
        None,
    )

    response = client.patch(
        "/api/v1/me/settings",
        json.dumps({"language": "zh-hans", "theme": "dark", "time_zone": "Asia/Shanghai"}),
        content_type=JSON,
        **auth,
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["language"], body["theme"], body["time_zone"], body["density"]) == (
        "zh-hans",
        "dark",
        "Asia/Shanghai",
        "comfortable",
    )
    assert UserSettings.objects.get(user=member).theme == "dark"


def test_a_bad_setting_answers_422_naming_the_field_and_changes_nothing(client, member) -> None:
    response = client.patch(
        "/api/v1/me/settings",
        json.dumps({"theme": "dark", "time_zone": "Mars/Olympus"}),
        content_type=JSON,
        **bearer(member),
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["time_zone"]
    assert not UserSettings.objects.exists()


def test_administrators_set_the_team_country_and_members_only_read_it(
    client, member, admin_user
) -> None:
    denied = client.patch(
        "/api/v1/team/settings",
        json.dumps({"country": "IT"}),
        content_type=JSON,
        **bearer(member),
    )
    assert denied.status_code == 403
    assert not SiteSettings.objects.exists()

    done = client.patch(
        "/api/v1/team/settings",
        json.dumps({"country": "it"}),
        content_type=JSON,
        **bearer(admin_user),
    )
    assert done.status_code == 200
    assert done.json()["country"] == "IT"
    assert client.get("/api/v1/team/settings", **bearer(member)).json()["country"] == "IT"


def test_an_unknown_team_country_answers_422(client, admin_user) -> None:
    response = client.patch(
        "/api/v1/team/settings",
        json.dumps({"country": "XX"}),
        content_type=JSON,
        **bearer(admin_user),
    )

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["country"]
    assert not SiteSettings.objects.exists()
