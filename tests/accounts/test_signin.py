"""Hardened sign-in: lockout after repeated failures (django-axes), the password policy on every
door that sets a password, and the idle timeout of sessions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from rubrica.accounts import services
from rubrica.accounts.models import User
from rubrica.accounts.sessions import TOUCHED_KEY
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 5


def _sign_in(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _fail(client, username: str, times: int, address: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = _sign_in(client, username, "wrong password", address)
        assert response.status_code in (200, 429)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)


def test_a_failed_sign_in_below_the_limit_keeps_the_usual_error(client, member):
    _fail(client, "member", LIMIT - 1)

    response = _sign_in(client, "member", PASSWORD)

    assert response.status_code == 302
    assert _signed_in(client)


def test_the_right_password_is_refused_once_locked_out(client, member):
    _fail(client, "member", LIMIT)

    response = _sign_in(client, "member", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(client)
    assert b"data-locked-out" in response.content
    assert "Try again in 30 minutes" in response.content.decode()


def test_a_lockout_says_the_same_for_a_username_that_does_not_exist(client, member):
    _fail(client, "member", LIMIT)
    real = _sign_in(client, "member", "another try")
    _fail(client, "nobody-here", LIMIT)
    unknown = _sign_in(client, "nobody-here", "another try")

    assert real.status_code == unknown.status_code == 429
    real_text = real.content.decode().replace("member", "X")
    unknown_text = unknown.content.decode().replace("nobody-here", "X")
    assert _without_csrf(real_text) == _without_csrf(unknown_text)


def _without_csrf(html: str) -> str:
    import re

    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_changing_the_case_of_the_username_earns_no_more_guesses(client, member):
    _fail(client, "member", LIMIT - 1)
    _fail(client, "MEMBER", 1)

    response = _sign_in(client, "member", PASSWORD)

    assert response.status_code == 429
    assert not _signed_in(client)


def test_a_lockout_holds_for_that_address_only(client, member):
    _fail(client, "member", LIMIT, address="10.0.0.1")

    response = _sign_in(client, "member", PASSWORD, address="10.0.0.2")

    assert response.status_code == 302
    assert _signed_in(client)


def test_cli_lists_and_unlocks_a_locked_sign_in(client, admin_user, member, rubrica):
    _fail(client, "member", LIMIT)

    code, out, _ = rubrica("users", "locked")
    assert code == 0
    assert "member from 10.0.0.1: 5 failures, locked until" in out

    code, out, _ = rubrica("users", "unlock", "Member")
    assert code == 0
    assert out == "Member may sign in again.\n"
    assert _sign_in(client, "member", PASSWORD).status_code == 302
    assert _signed_in(client)

    code, out, _ = rubrica("users", "locked")
    assert out == "No sign-in is locked out.\n"


def test_cli_locked_as_json_without_a_cool_off(client, admin_user, member, rubrica, settings):
    settings.AXES_COOLOFF_TIME = None
    _fail(client, "member", LIMIT)

    code, out, _ = rubrica("users", "locked", "--json")

    assert code == 0
    assert '"username": "member"' in out
    assert '"until": null' in out


def test_only_administrators_may_unlock_and_nothing_changes(client, admin_user, member, rubrica):
    _fail(client, "member", LIMIT)

    code, _, err = rubrica("users", "unlock", "member", "--as", "member")

    assert code == 3
    assert err == "error: Only administrators can unlock sign-ins.\n"
    assert _sign_in(client, "member", PASSWORD).status_code == 429
    code, _, _ = rubrica("users", "locked", "--as", "member")
    assert code == 3


# Password policy ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pass1", "at least 12 characters"),
        ("password1234", "too common"),
        ("grace.hopper.example", "too similar"),
        ("493027561840", "entirely numeric"),
    ],
)
def test_the_service_refuses_a_weak_password_and_creates_nothing(admin_user, password, reason):
    with pytest.raises(ValidationError) as caught:
        services.user_create(
            actor=admin_user, username="grace.hopper", email="grace@example.org", password=password
        )

    assert any(reason in message for message in caught.value.message_dict["password"])
    assert not User.objects.filter(username="grace.hopper").exists()


def test_the_service_accepts_a_long_uncommon_password(admin_user):
    user, generated = services.user_create(
        actor=admin_user, username="grace", password="a quite long passphrase 42"
    )
    assert generated is None
    assert user.check_password("a quite long passphrase 42")


def test_generated_passwords_meet_the_policy(admin_user):
    _, generated = services.user_create(actor=admin_user, username="grace")
    assert generated is not None
    assert len(generated) >= 12


def test_the_password_change_page_refuses_an_eleven_character_password(client, member):
    client.force_login(member)

    response = client.post(
        reverse("settings:password_change"),
        {"old_password": PASSWORD, "new_password1": "xq7-vbn2-lk", "new_password2": "xq7-vbn2-lk"},
    )

    assert response.status_code == 200
    assert "at least 12 characters" in response.content.decode()
    member.refresh_from_db()
    assert member.check_password(PASSWORD)


def test_argon2_is_the_password_hasher(member):
    member.set_password("a quite long passphrase 42")
    assert member.password.startswith("argon2")


# Idle timeout ---------------------------------------------------------------------------------


def test_each_request_pushes_the_idle_timeout_back(client, member, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(member)
    key = client.session.session_key
    client.get(reverse("contacts:list"))
    # An hour later (the session was last written an hour ago, and expires in seven hours)...
    session = Session.objects.get(session_key=key)
    data = session.get_decoded()
    data[TOUCHED_KEY] -= 3600
    Session.objects.filter(session_key=key).update(
        session_data=SessionStore().encode(data),
        expire_date=timezone.now() + dt.timedelta(hours=7),
    )

    client.get(reverse("contacts:list"))

    session = Session.objects.get(session_key=key)
    expected = timezone.now() + dt.timedelta(hours=8)
    assert abs((session.expire_date - expected).total_seconds()) < 60


def test_a_session_in_use_is_written_at_most_once_a_minute(client, member):
    client.force_login(member)
    client.get(reverse("contacts:list"))
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() + dt.timedelta(hours=7)
    )

    client.get(reverse("contacts:list"))

    session = Session.objects.get(session_key=key)
    expected = timezone.now() + dt.timedelta(hours=7)
    assert abs((session.expire_date - expected).total_seconds()) < 60


def test_a_session_idle_past_the_timeout_must_sign_in_again(client, member):
    client.force_login(member)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get(reverse("contacts:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
