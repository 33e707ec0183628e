"""Team and personal settings (ADR 0021): services, the team's country for phone numbers, the
time zone moved from the notification settings, and the settings applied to each request."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rubrica.accounts.models import SiteSettings, UserSettings
from rubrica.accounts.selectors import team_country, user_settings
from rubrica.accounts.services import team_settings_update, user_settings_update
from rubrica.core import normalize

pytestmark = pytest.mark.django_db


def test_a_national_number_is_read_in_the_teams_country(admin_user, settings) -> None:
    settings.RUBRICA_DEFAULT_PHONE_REGION = ""
    team_settings_update(actor=admin_user, country="it")

    assert SiteSettings.objects.get().country == "IT"
    assert normalize.phone("347 123 4567").e164 == "+393471234567"


def test_the_teams_country_wins_over_the_operators_region(admin_user, settings) -> None:
    settings.RUBRICA_DEFAULT_PHONE_REGION = "US"
    team_settings_update(actor=None, country="CN")

    assert normalize.phone("138 0013 8000").e164 == "+8613800138000"


def test_without_a_country_a_national_number_is_refused_naming_the_way_out(settings) -> None:
    settings.RUBRICA_DEFAULT_PHONE_REGION = ""

    with pytest.raises(ValueError, match=r"country code \(such as \+39\)"):
        normalize.phone("347 123 4567")
    assert normalize.phone("+39 347 123 4567").e164 == "+393471234567"


def test_a_person_with_a_national_number_and_no_country_is_refused_by_field(
    member, settings
) -> None:
    from rubrica.contacts.models import Contact
    from rubrica.contacts.services import contact_create

    settings.RUBRICA_DEFAULT_PHONE_REGION = ""
    with pytest.raises(ValidationError) as caught:
        contact_create(
            actor=member, data={"given_name": "Giulia", "phones": [{"value": "347 123 4567"}]}
        )

    assert any(key.startswith("phones") for key in caught.value.message_dict)
    assert "country code" in str(caught.value)
    assert not Contact.objects.exists()


def test_only_administrators_change_the_team_country(member) -> None:
    with pytest.raises(PermissionDenied):
        team_settings_update(actor=member, country="IT")
    assert not SiteSettings.objects.exists()
    assert team_country() == ""


def test_an_unknown_country_is_refused_and_nothing_saved(admin_user) -> None:
    with pytest.raises(ValidationError) as caught:
        team_settings_update(actor=admin_user, country="XX")
    assert list(caught.value.message_dict) == ["country"]
    assert not SiteSettings.objects.exists()


def test_personal_settings_are_saved_partially(member) -> None:
    user_settings_update(
        actor=member,
        user=member,
        data={"language": "it", "theme": "dark", "time_zone": "Asia/Tehran"},
    )
    user_settings_update(actor=member, user=member, data={"density": "compact"})

    row = UserSettings.objects.get(user=member)
    assert (row.language, row.theme, row.time_zone, row.density) == (
        "it",
        "dark",
        "Asia/Tehran",
        "compact",
    )
    assert row.date_style == "locale"
    assert row.home_page == "contacts:list"


def test_bad_personal_settings_are_refused_by_field_and_nothing_saved(member) -> None:
    with pytest.raises(ValidationError) as caught:
        user_settings_update(
            actor=member,
            user=member,
            data={
                "language": "klingon",
                "time_zone": "Mars/Olympus",
                "theme": "neon",
                "list_columns": {"contacts": ["no-such-column"]},
                "colour": "red",
            },
        )

    assert set(caught.value.message_dict) == {
        "language",
        "time_zone",
        "theme",
        "list_columns",
        "colour",
    }
    assert not UserSettings.objects.exists()


def test_nobody_changes_another_persons_settings(member, admin_user) -> None:
    with pytest.raises(PermissionDenied):
        user_settings_update(actor=admin_user, user=member, data={"theme": "dark"})
    assert not UserSettings.objects.exists()


def test_a_user_without_settings_has_the_defaults(member) -> None:
    prefs = user_settings(member)

    assert prefs.pk is None
    assert (prefs.language, prefs.theme, prefs.date_style) == ("", "system", "locale")


def test_the_notification_time_zone_is_the_personal_one(member) -> None:
    from rubrica.notifications.services import preferences_update, user_timezone

    preferences_update(actor=member, channels={}, time_zone="Asia/Tehran")

    assert UserSettings.objects.get(user=member).time_zone == "Asia/Tehran"
    assert str(user_timezone(member)) == "Asia/Tehran"


def test_the_users_settings_come_with_the_user_without_a_query(
    member_client, member, django_assert_num_queries
) -> None:
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    user_settings_update(actor=member, user=member, data={"theme": "dark"})
    request = RequestFactory().get("/")
    request.session = member_client.session

    user = get_user(request)
    with django_assert_num_queries(0):
        assert user_settings(user).theme == "dark"


def test_the_chosen_language_wins_over_the_browsers(member_client, member) -> None:
    user_settings_update(actor=member, user=member, data={"language": "it"})

    page = member_client.get("/people/", HTTP_ACCEPT_LANGUAGE="fa")

    assert page.status_code == 200
    assert '<html lang="it" dir="ltr"' in page.content.decode()


def test_without_a_chosen_language_the_browsers_is_used(member_client) -> None:
    page = member_client.get("/people/", HTTP_ACCEPT_LANGUAGE="fa")

    assert '<html lang="fa" dir="rtl"' in page.content.decode()


def test_the_personal_settings_page_saves_and_sets_the_language_cookie(member_client, member):
    from django.conf import settings as django_settings

    response = member_client.post(
        "/settings/personal/",
        {
            "language": "fa",
            "time_zone": "Asia/Tehran",
            "date_style": "jalali",
            "theme": "dark",
            "density": "compact",
            "home_page": "tasks:mine",
        },
    )

    assert response.status_code == 302
    assert response.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "fa"
    row = UserSettings.objects.get(user=member)
    assert (row.language, row.time_zone, row.date_style, row.theme, row.home_page) == (
        "fa",
        "Asia/Tehran",
        "jalali",
        "dark",
        "tasks:mine",
    )
    page = member_client.get("/settings/personal/").content.decode()
    assert '<body class="bg-body-tertiary density-compact" data-bs-theme="dark">' in page
    assert member_client.get("/")["Location"] == "/tasks/"


def test_a_bad_time_zone_on_the_page_is_refused_and_nothing_saved(member_client, member):
    response = member_client.post(
        "/settings/personal/",
        {"time_zone": "Mars/Olympus", "date_style": "locale", "theme": "dark"},
    )

    assert response.status_code == 200
    assert not UserSettings.objects.exists()


def test_the_team_settings_page_is_for_administrators(client, member, admin_user):
    client.force_login(member)
    assert client.post("/settings/team/", {"country": "IT"}).status_code in (302, 403)
    assert not SiteSettings.objects.exists()

    client.force_login(admin_user)
    response = client.post("/settings/team/", {"country": "IT"})

    assert response.status_code == 302
    assert SiteSettings.objects.get().country == "IT"


def test_the_first_administrator_is_welcomed_and_asked_for_the_country(admin_client, settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = ""

    response = admin_client.get("/")

    assert response["Location"] == "/settings/team/?welcome=1"
    page = admin_client.get(response["Location"]).content.decode()
    assert "Welcome to Rubrica" in page
    assert (
        admin_client.post("/settings/team/", {"country": "CN", "welcome": "1"})["Location"] == "/"
    )
    assert admin_client.get("/")["Location"] == "/people/"
