"""Two-factor sign-in (ADR 0029): TOTP and recovery codes after the password, passkeys through
a software authenticator, enforcement per role, an administrator's reset; and the sessions
around it (rotation at each step, sign-out, password change)."""

from __future__ import annotations

import base64
import json
import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from rubrica.accounts import twofactor
from rubrica.accounts.twofactor_views import TOTP_KEY_KEY
from rubrica.audit.models import AuditEntry
from rubrica.audit.services import AuditAction
from tests.accounts.soft_authenticator import SoftAuthenticator, b64url
from tests.factories import PASSWORD
from tests.row_counts import row_counts

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows now (or ``steps_ahead`` periods later: a code already used
    is refused, as it should be)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def with_totp(user) -> tuple[TOTPDevice, list[str]]:
    device = twofactor.totp_begin(user=user)
    codes = twofactor.totp_confirm(actor=user, device=device, code=code_for(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def sign_in(client, username: str = "member"):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD})


def actions(user=None) -> list[str]:
    entries = AuditEntry.objects.order_by("seq")
    if user is not None:
        entries = entries.filter(actor_id=user.pk)
    return list(entries.values_list("action", flat=True))


def test_sign_in_with_totp_asks_for_the_code_after_the_password(client, member):
    device, _codes = with_totp(member)

    response = sign_in(client)
    assert response.status_code == 302
    people = reverse("contacts:list")
    held = client.get(people)
    assert held.status_code == 302
    assert held.url == f"{reverse('signin_verify')}?next=%2Fpeople%2F"
    assert client.get(reverse("settings:tokens")).status_code == 302  # nothing else either

    wrong = client.post(reverse("signin_verify"), {"code": "000000", "next": people})
    assert wrong.status_code == 200
    assert "This code is not right" in wrong.content.decode()
    assert client.get(people).status_code == 302
    key_before = client.session.session_key
    time.sleep(1.1)  # django-otp's throttle: one second after a first failure

    right = client.post(reverse("signin_verify"), {"code": code_for(device, 1), "next": people})

    assert right.status_code == 302
    assert right.url == people
    assert client.get(people).status_code == 200
    assert client.session.session_key != key_before  # a new session key for the verified one
    assert not Session.objects.filter(session_key=key_before).exists()
    assert actions(member)[-2:] == [AuditAction.TWO_FACTOR_FAILURE, AuditAction.TWO_FACTOR_VERIFY]


def test_a_recovery_code_works_once_only(client, member):
    _device, codes = with_totp(member)
    assert len(codes) == 10 and len(set(codes)) == 10

    sign_in(client)
    used = client.post(reverse("signin_verify"), {"code": codes[0]})
    assert used.status_code == 302
    assert client.get(reverse("contacts:list")).status_code == 200
    assert twofactor.recovery_codes_left(member) == 9
    client.post(reverse("logout"))

    sign_in(client)
    again = client.post(reverse("signin_verify"), {"code": codes[0]})

    assert again.status_code == 200
    assert client.get(reverse("contacts:list")).status_code == 302
    assert twofactor.recovery_codes_left(member) == 9
    entry = AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_VERIFY).get()
    assert entry.details == {"kind": "recovery", "left": 9}


def test_a_required_role_is_sent_to_set_up_a_second_factor_first(client, member, admin_user):
    twofactor.policy_update(actor=admin_user, roles=["sales"])  # member's role today

    sign_in(client)
    held = client.get(reverse("contacts:list"))
    assert held.status_code == 302
    assert held.url == reverse("settings:security")
    page = client.get(reverse("settings:security"))
    assert page.status_code == 200
    assert "data-two-factor-required" in page.content.decode()
    assert client.get(reverse("settings:tokens")).status_code == 302

    setup = client.get(reverse("settings:totp_setup"))
    assert setup.status_code == 200
    assert "<svg" in setup.content.decode()  # the QR code, inline
    device = twofactor.totp_preview(user=member, key=client.session[TOTP_KEY_KEY])
    done = client.post(reverse("settings:totp_setup"), {"code": code_for(device)})

    assert done.status_code == 302
    assert client.get(reverse("contacts:list")).status_code == 200
    codes_page = client.get(reverse("settings:security")).content.decode()
    assert "data-recovery-codes" in codes_page
    assert StaticToken.objects.filter(device__user=member).count() == 10
    assert AuditAction.TWO_FACTOR_ADD in actions(member)


def test_a_role_not_required_signs_in_with_the_password_alone(client, member, admin_user):
    twofactor.policy_update(actor=admin_user, roles=["administrator"])

    sign_in(client)

    assert client.get(reverse("contacts:list")).status_code == 200


def test_the_policy_names_only_known_roles_and_only_administrators_set_it(member, admin_user):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(ValidationError) as info:
        twofactor.policy_update(actor=admin_user, roles=["sales", "wizard"])
    assert "two_factor_roles" in info.value.message_dict
    with pytest.raises(PermissionDenied):
        twofactor.policy_update(actor=member, roles=["sales"])
    assert twofactor.required_roles() == frozenset()


def test_the_last_factor_of_a_required_role_cannot_be_removed(member_client, member, admin_user):
    device, _codes = with_totp(member)
    twofactor.policy_update(actor=admin_user, roles=["sales"])

    member_client.post(reverse("settings:totp_remove"))

    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert AuditAction.TWO_FACTOR_REMOVE not in actions(member)


def test_removing_the_app_also_removes_the_recovery_codes(member_client, member):
    with_totp(member)

    member_client.post(reverse("settings:totp_remove"))

    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    assert AuditAction.TWO_FACTOR_REMOVE in actions(member)


def test_an_administrator_resets_a_second_factor_and_others_cannot(
    client, member, other_member, admin_user
):
    with_totp(member)
    client.force_login(other_member)
    denied = client.post(reverse("settings:user_two_factor_reset", args=[member.pk]))
    assert denied.status_code == 403
    assert TOTPDevice.objects.filter(user=member).exists()

    client.force_login(admin_user)
    done = client.post(reverse("settings:user_two_factor_reset", args=[member.pk]))

    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=member).exists()
    assert not StaticDevice.objects.filter(user=member).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_RESET).get()
    assert entry.actor_id == admin_user.pk and entry.target_id == str(member.pk)
    assert entry.details == {"devices": 2}
    client.post(reverse("logout"))
    sign_in(client)
    assert client.get(reverse("contacts:list")).status_code == 200


def test_the_api_refuses_a_session_that_owes_its_second_factor_but_takes_tokens(client, member):
    from rubrica.accounts.services import token_create

    with_totp(member)
    _token, secret = token_create(actor=member, user=member, name="script")
    sign_in(client)

    by_session = client.get("/api/v1/contacts")
    by_token = client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {secret}"})

    assert by_session.status_code == 401
    assert by_token.status_code == 200


# Passkeys ---------------------------------------------------------------------------------


@pytest.fixture
def webauthn_host(settings):
    settings.OTP_WEBAUTHN_RP_ID = "testserver"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://testserver"]


def _post_json(client, url: str, data: object = None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def register_passkey(client, authenticator: SoftAuthenticator) -> None:
    options = _post_json(client, reverse("otp_webauthn:credential-registration-begin"))
    assert options.status_code == 200
    answer = authenticator.create(options.json(), "http://testserver")
    done = _post_json(client, reverse("otp_webauthn:credential-registration-complete"), answer)
    assert done.status_code == 200, done.content


def test_a_passkey_is_registered_and_then_asked_for_at_sign_in(webauthn_host, client, member):
    authenticator = SoftAuthenticator()
    client.force_login(member)
    register_passkey(client, authenticator)
    credential = WebAuthnCredential.objects.get(user=member)
    assert credential.confirmed
    assert AuditAction.TWO_FACTOR_ADD in actions(member)
    assert StaticToken.objects.filter(device__user=member).count() == 10  # first factor: codes
    client.post(reverse("logout"))

    sign_in(client)
    assert client.get(reverse("contacts:list")).status_code == 302
    page = client.get(reverse("signin_verify"))
    assert 'id="passkey-verification-button"' in page.content.decode()
    options = _post_json(client, reverse("otp_webauthn:credential-authentication-begin"))
    assert options.status_code == 200
    allowed = [item["id"] for item in options.json()["allowCredentials"]]
    assert allowed == [b64url(authenticator.credential_id)]
    answer = authenticator.get(options.json(), "http://testserver")
    done = _post_json(client, reverse("otp_webauthn:credential-authentication-complete"), answer)

    assert done.status_code == 200, done.content
    assert client.get(reverse("contacts:list")).status_code == 200
    entry = AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_VERIFY).get()
    assert entry.details["kind"] == "passkey"


def test_a_passkey_answer_from_another_origin_is_refused(webauthn_host, client, member):
    authenticator = SoftAuthenticator()
    client.force_login(member)
    register_passkey(client, authenticator)
    client.post(reverse("logout"))
    sign_in(client)

    options = _post_json(client, reverse("otp_webauthn:credential-authentication-begin"))
    answer = authenticator.get(options.json(), "https://evil.example")
    done = _post_json(client, reverse("otp_webauthn:credential-authentication-complete"), answer)

    assert done.status_code >= 400
    assert client.get(reverse("contacts:list")).status_code == 302
    assert AuditAction.TWO_FACTOR_VERIFY not in actions(member)


def test_a_second_passkey_needs_the_session_verified_first(webauthn_host, client, member):
    client.force_login(member)
    register_passkey(client, SoftAuthenticator())
    client.post(reverse("logout"))
    sign_in(client)

    begin = _post_json(client, reverse("otp_webauthn:credential-registration-begin"))

    assert begin.status_code in (302, 403)
    assert WebAuthnCredential.objects.filter(user=member).count() == 1


# Sessions ---------------------------------------------------------------------------------


def test_signing_in_rotates_the_session_key(client, member):
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before

    sign_in(client)

    assert client.session.session_key != before
    assert not Session.objects.filter(session_key=before).exists()


def test_signing_out_ends_the_session(client, member):
    sign_in(client)
    key = client.session.session_key

    client.post(reverse("logout"))
    client.cookies["sessionid"] = key

    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("contacts:list")).status_code == 302


def test_changing_the_password_ends_the_other_sessions(client, member):
    from django.test import Client

    other = Client()
    sign_in(other)
    sign_in(client)
    new = "a new and long passphrase 42"

    changed = client.post(
        reverse("settings:password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )

    assert changed.status_code == 302
    assert client.get(reverse("contacts:list")).status_code == 200  # this one goes on
    assert other.get(reverse("contacts:list")).status_code == 302  # the other one ended


def test_a_fragment_request_of_a_held_session_gets_401_not_a_page(client, member):
    with_totp(member)
    sign_in(client)

    response = client.get(reverse("contacts:list"), headers={"HX-Request": "true"})

    assert response.status_code == 401
    assert response.content == b""


def test_the_cli_resets_a_second_factor_as_an_administrator_only(rubrica, member, admin_user):
    with_totp(member)

    code, _out, _err = rubrica("users", "reset-two-factor", "member", "--as", "member")
    assert code != 0
    assert TOTPDevice.objects.filter(user=member).exists()

    code, out, _err = rubrica("users", "reset-two-factor", "member", "--as", "admin")

    assert code == 0
    assert out.strip() == "Removed 2 second factors of member."
    assert not TOTPDevice.objects.filter(user=member).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR_RESET).get()
    assert entry.actor_id == admin_user.pk


def test_the_cli_reset_tells_a_non_administrator_nothing_about_which_usernames_exist(
    rubrica, member
):
    with_totp(member)

    existing = rubrica("users", "reset-two-factor", "member", "--as", "member")
    missing = rubrica("users", "reset-two-factor", "nobody-here", "--as", "member")

    assert existing == missing
    assert existing[0] != 0
    assert TOTPDevice.objects.filter(user=member).exists()


def test_opening_the_totp_set_up_page_writes_nothing(client, member):
    client.force_login(member)
    client.get(reverse("settings:security"))
    before = row_counts()

    first = client.get(reverse("settings:totp_setup"))
    again = client.get(reverse("settings:totp_setup"))

    assert first.status_code == again.status_code == 200
    assert row_counts() == before
    assert not TOTPDevice.objects.filter(user=member).exists()
    # The same secret is shown until it is confirmed, and sending its code stores it.
    key = client.session[TOTP_KEY_KEY]
    assert base64.b32encode(bytes.fromhex(key)).decode().rstrip("=") in again.content.decode()
    code = code_for(twofactor.totp_preview(user=member, key=key))
    assert client.post(reverse("settings:totp_setup"), {"code": code}).status_code == 302
    assert TOTPDevice.objects.get(user=member).confirmed


def test_a_role_newly_requiring_a_second_factor_applies_at_the_next_request(
    client, member, admin_user
):
    twofactor.policy_update(actor=admin_user, roles=["administrator"])
    sign_in(client)
    assert client.get(reverse("contacts:list")).status_code == 200
    assert client.get("/api/v1/contacts").status_code == 200

    twofactor.policy_update(actor=admin_user, roles=["administrator", "sales"])  # member's

    held = client.get(reverse("contacts:list"))
    assert held.status_code == 302
    assert held.url == reverse("settings:security")
    api = client.get("/api/v1/contacts")
    assert api.status_code == 403
    assert api["Content-Type"] == "application/problem+json"
    assert "second factor" in api.json()["detail"]
    assert client.get(reverse("settings:security")).status_code == 200


def test_a_verified_session_is_not_held_when_the_policy_changes(client, member, admin_user):
    device, _codes = with_totp(member)
    sign_in(client)
    client.post(reverse("signin_verify"), {"code": code_for(device, steps_ahead=1)})
    assert client.get(reverse("contacts:list")).status_code == 200

    twofactor.policy_update(actor=admin_user, roles=["sales"])

    assert client.get(reverse("contacts:list")).status_code == 200
    assert client.get("/api/v1/contacts").status_code == 200


def test_a_policy_change_that_spares_the_user_changes_nothing_for_them(client, member, admin_user):
    sign_in(client)
    twofactor.policy_update(actor=admin_user, roles=["administrator"])

    assert client.get(reverse("contacts:list")).status_code == 200
