"""`rubrica --help`, the console script, `rubrica setup` and `rubrica createuser`."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rubrica.accounts.models import Role, User

RUBRICA_COMMANDS = [
    "setup",
    "serve",
    "migrate",
    "createuser",
    "demo",
    "contacts",
    "log",
    "search",
    "dedup",
    "quality",
    "segments",
    "documents",
    "import",
    "export",
    "jobs",
    "mail",
    "tasks",
    "notifications",
    "calendars",
    "trash",
    "token",
    "audit",
    "users",
    "roles",
]
PASSWORD_LINE = re.compile(
    r"^Log in at http://127\.0\.0\.1:8000 as admin with password: (\S+)$", re.MULTILINE
)


def test_help_lists_the_rubrica_commands_and_exit_codes(rubrica):
    code, out, err = rubrica("--help")

    assert code == 0
    assert err == ""
    listed = re.findall(r"^  ([a-z]+) {2,}\S", out, re.MULTILINE)
    assert listed == RUBRICA_COMMANDS
    assert "  2  invalid input" in out
    assert "  3  permission denied" in out


def test_installed_console_script_prints_help():
    script = Path(sys.executable).parent / "rubrica"
    environ = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}

    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, cwd="/", env=environ
    )

    assert result.returncode == 0, result.stderr
    assert "usage: rubrica COMMAND" in result.stdout
    assert "  contacts  " in result.stdout


def test_command_help_documents_filters_and_exit_codes(rubrica):
    code, out, _ = rubrica("contacts", "list", "--help")

    assert code == 0
    assert "--filter KEY=VALUE" in out
    assert "  4  conflict: the record changed meanwhile (--if-version)" in out


def test_django_commands_pass_through(rubrica):
    code, out, _ = rubrica("help", "--all")

    assert code == 0
    assert "[cli]" in out
    assert "    showmigrations" in out


@pytest.fixture
def static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    return settings.STATIC_ROOT


def test_setup_creates_an_administrator_whose_printed_password_works(db, rubrica, static_root):
    code, out, err = rubrica("setup")

    assert code == 0, err
    passwords = PASSWORD_LINE.findall(out)
    assert len(passwords) == 1
    admin = User.objects.get()
    assert admin.username == "admin"
    assert admin.role == Role.ADMIN
    assert admin.is_administrator
    assert admin.check_password(passwords[0])
    assert (static_root / "vendor").is_dir()


def test_setup_run_again_creates_nothing(db, rubrica, static_root):
    rubrica("setup")
    admin = User.objects.get()

    code, out, _ = rubrica("setup")

    assert code == 0
    assert PASSWORD_LINE.search(out) is None
    assert "An administrator exists (admin); no account was created." in out
    assert list(User.objects.all()) == [admin]


def test_setup_keeps_an_existing_administrator(admin_user, rubrica):
    code, out, _ = rubrica("setup", "--skip-static")

    assert code == 0
    assert "password" not in out
    assert User.objects.count() == 1


def test_createuser_prints_a_generated_password_that_works(db, rubrica):
    code, out, _ = rubrica("createuser", "giulia", "--email", "giulia@example.org")

    assert code == 0
    password = re.search(r"^Password for giulia: (\S+)$", out, re.MULTILINE).group(1)
    user = User.objects.get(username="giulia")
    assert user.role == Role.MEMBER
    assert user.email == "giulia@example.org"
    assert user.check_password(password)
    assert out.count(password) == 1


def test_createuser_reads_the_password_from_stdin(db, rubrica, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough passphrase 42\n"))

    code, out, _ = rubrica("createuser", "wei", "--role", "viewer", "--password-stdin")

    assert code == 0
    assert "Password for" not in out
    user = User.objects.get(username="wei")
    assert user.role == Role.VIEWER
    assert user.check_password("a long enough passphrase 42")


def test_createuser_refuses_a_weak_password_and_creates_nothing(db, rubrica, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("123\n"))

    code, _, err = rubrica("createuser", "wei", "--password-stdin")

    assert code == 2
    assert err.startswith("error: password: ")
    assert not User.objects.filter(username="wei").exists()


def test_createuser_refuses_a_bad_email_and_a_taken_username(member, rubrica):
    code, _, err = rubrica("createuser", "zahra", "--email", "not-an-email")
    assert code == 2
    assert err == "error: email: Enter a valid email address.\n"
    assert not User.objects.filter(username="zahra").exists()

    code, _, err = rubrica("createuser", "MEMBER")
    assert code == 2
    assert err == "error: username: A user with this username already exists.\n"
    assert User.objects.count() == 1


def test_setup_country_sets_the_teams_country_used_for_phone_numbers(admin_user, rubrica, settings):
    from rubrica.accounts.models import SiteSettings
    from rubrica.core import normalize

    settings.RUBRICA_DEFAULT_PHONE_REGION = ""
    code, out, _ = rubrica("setup", "--skip-static", "--country", "it")

    assert code == 0
    assert "The team's country is IT." in out
    assert SiteSettings.objects.get().country == "IT"
    assert normalize.phone("347 123 4567").e164 == "+393471234567"


def test_setup_refuses_an_unknown_country_and_sets_none(admin_user, rubrica):
    from rubrica.accounts.models import SiteSettings

    code, _, err = rubrica("setup", "--skip-static", "--country", "XX")

    assert code == 2
    assert "two-letter code" in err
    assert not SiteSettings.objects.exists()
