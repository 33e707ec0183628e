"""Security headers on every page, a Content-Security-Policy that runs no inline script (and
templates that contain none), and `manage.py check --deploy` clean under production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "rubrica"
ROOT = SRC.parent.parent


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = [part.strip().split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


@pytest.mark.parametrize("signed_in", [False, True])
def test_pages_send_the_security_headers(client, member, signed_in):
    if signed_in:
        client.force_login(member)
    response = client.get(reverse("contacts:list") if signed_in else reverse("login"))

    assert response.status_code == 200
    directives = _directives(response)
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_htmx_may_not_evaluate_code(client, member):
    client.force_login(member)
    html = client.get(reverse("contacts:list")).content.decode()

    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html).group(1)
    assert '"allowEval": false' in config
    assert '"includeIndicatorStyles": false' in config


def test_no_template_has_an_inline_script_a_style_element_or_an_event_handler():
    offenders = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag:
                offenders.append(f"{template}: {tag}")
        if re.search(r"<style\b", text):
            offenders.append(f"{template}: <style>")
        if re.search(r"\son[a-z]+\s*=", text) or "javascript:" in text:
            offenders.append(f"{template}: event handler or javascript: URL")
    assert offenders == []


def test_hsts_is_sent_over_https_when_configured(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000

    response = client.get(reverse("login"), secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def _check_deploy(tmp_path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("RUBRICA_", "DJANGO_")) and key not in {"DEBUG", "SECRET_KEY"}
    }
    env.update(RUBRICA_VAR_DIR=str(tmp_path), SECRET_KEY=secrets.token_urlsafe(50), DEBUG="false")
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = _check_deploy(
        tmp_path,
        SECURE_COOKIES="true",
        RUBRICA_SSL_REDIRECT="true",
        RUBRICA_PROXY_TLS_HEADER="true",
        ALLOWED_HOSTS="crm.example.org",
        # Passkeys bound to the public address (ADR 0029); django-otp-webauthn checks them too.
        RUBRICA_SITE_URL="https://crm.example.org",
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_names_what_a_plain_http_setup_misses(tmp_path):
    result = _check_deploy(tmp_path)

    assert result.returncode == 1
    for code in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert code in result.stderr
