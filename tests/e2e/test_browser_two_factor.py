"""Two-factor sign-in in a real browser (ADR 0029): a user whose role requires it is sent to set
up an authenticator app, scans (reads) the key, then signs in with password and code; and a
passkey registered and used through Chromium's virtual authenticator with django-otp-webauthn's
own script, all under the strict CSP."""

from __future__ import annotations

import base64
import re
import time

import pytest
from django_otp.oath import TOTP

from rubrica.accounts import twofactor
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _code(secret: str, steps_ahead: int = 0) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def _log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()


def test_a_required_user_sets_up_totp_and_then_signs_in_with_a_code(live_server, page):
    admin = UserFactory(username="boss", role="admin", is_superuser=True)
    UserFactory(username="carla", role="member")
    twofactor.policy_update(actor=admin, roles=["sales"])
    page.add_init_script(RECORD_VIOLATIONS)
    base = live_server.url

    _log_in(page, base, "carla")
    page.wait_for_url(re.compile(r"/settings/security/$"))
    assert page.locator("[data-two-factor-required]").is_visible()
    page.goto(f"{base}/people/")  # held at the door
    page.wait_for_url(re.compile(r"/settings/security/$"))

    page.get_by_role("link", name="Set up an authenticator app").click()
    assert page.locator("svg").first.is_visible()  # the QR code
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Code from the app").fill(_code(secret))
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_url(re.compile(r"/settings/security/$"))
    assert page.locator("#recovery-codes li").count() == 10
    assert page.evaluate("window.__cspViolations") == []

    page.get_by_role("button", name="Log out").first.click()
    _log_in(page, base, "carla")
    page.wait_for_url(re.compile(r"/login/verify/"))
    page.get_by_label("Code").fill(_code(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(re.compile(r"/people/"))
    assert page.evaluate("window.__cspViolations") == []


def test_a_passkey_is_added_and_used_to_sign_in_with_chromiums_virtual_authenticator(
    live_server, page, settings
):
    base = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [base]
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    UserFactory(username="dario", role="member")
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.add_init_script(RECORD_VIOLATIONS)

    _log_in(page, base, "dario")
    page.wait_for_url(re.compile(r"/people/"))
    page.goto(f"{base}/settings/security/")
    page.get_by_role("button", name="Add a passkey").click()
    page.locator("#passkeys-title ~ ul li").first.wait_for()
    assert page.locator("#recovery-codes li").count() == 10
    assert page.evaluate("window.__cspViolations") == []

    page.get_by_role("button", name="Log out").first.click()
    _log_in(page, base, "dario")
    page.wait_for_url(re.compile(r"/login/verify/"))
    page.get_by_role("button", name="Use a passkey").click()

    page.wait_for_url(re.compile(r"/people/"))
    assert page.evaluate("window.__cspViolations") == []
