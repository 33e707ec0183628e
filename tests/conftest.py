"""Fixtures shared by every test module: users of each role, a logged-in client, factories."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-0123456789")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On PostgreSQL, a test database per test process (xdist already suffixes its workers):
    two test runs at once on one server (two terminals, or CI beside a developer) would otherwise
    drop each other's database."""
    from django.conf import settings

    for db_settings in settings.DATABASES.values():
        if "postgresql" in db_settings["ENGINE"]:
            test = db_settings.setdefault("TEST", {})
            base = test.get("NAME") or f"test_{db_settings['NAME']}"
            test["NAME"] = f"{base}_{os.getpid()}"


@pytest.fixture(autouse=True)
def team_country_us(settings):
    """The tests were written with American national numbers: read numbers typed without a
    country code as in the US (the operator's fallback region), and start each test with no team
    country in the cache, so tests without a database never read it (ADR 0021)."""
    from rubrica.accounts.selectors import forget_team_settings, remember_team_country

    settings.RUBRICA_DEFAULT_PHONE_REGION = "US"
    remember_team_country("")
    yield
    forget_team_settings()


#: The key of sensitive fields in tests (ADR 0027): fixed, never the operator's key file.
TEST_FIELD_KEYS = "t1 " + "A" * 43 + "="


@pytest.fixture(autouse=True)
def field_keys(settings, monkeypatch, tmp_path_factory):
    """Sensitive fields seal with a fixed test key (a key file, if a test makes one, goes to a
    temporary folder), and each test starts with no protected fields remembered from another."""
    from rubrica.core.sealing import forget_keys
    from rubrica.customfields.protection import forget_protected

    forget_keys()
    monkeypatch.delenv("RUBRICA_FIELD_KEYS", raising=False)
    monkeypatch.setenv(
        "RUBRICA_FIELD_KEY_FILE", str(tmp_path_factory.mktemp("keys") / "field_keys")
    )
    settings.RUBRICA_FIELD_KEYS_SOURCE = lambda: TEST_FIELD_KEYS
    forget_protected()
    yield
    forget_protected()


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in another language leaves that language active in the thread (LocaleMiddleware
    does not switch back): each test ends in the default language, so no later test in the same
    worker prints Italian or Persian by accident."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture(autouse=True)
def no_scheduled_backups(settings):
    """The worker's tick takes a daily backup once RUBRICA_BACKUP_TIME has passed (02:30 by
    default): off in tests, so that a tick run at a later hour queues no backup job. The
    backups' own tests turn it on."""
    settings.RUBRICA_BACKUP_TIME = "off"


@pytest.fixture
def admin_user(db):
    from tests.factories import UserFactory

    return UserFactory(username="admin", role="admin", is_superuser=True, is_staff=True)


@pytest.fixture
def member(db):
    from tests.factories import UserFactory

    return UserFactory(username="member", role="member")


@pytest.fixture
def other_member(db):
    from tests.factories import UserFactory

    return UserFactory(username="other", role="member")


@pytest.fixture
def viewer(db):
    from tests.factories import UserFactory

    return UserFactory(username="viewer", role="viewer")


@pytest.fixture
def sales(member):
    """A team ``member`` is in."""
    from tests.factories import TeamFactory

    team = TeamFactory(name="Sales")
    team.members.add(member)
    return team


@pytest.fixture
def support(other_member):
    """A team ``member`` is not in."""
    from tests.factories import TeamFactory

    team = TeamFactory(name="Support")
    team.members.add(other_member)
    return team


@pytest.fixture
def as_member(member):
    """API request headers: a bearer token of ``member`` (helpers in tests/api/conftest.py)."""
    from tests.api.conftest import bearer

    return bearer(member)


@pytest.fixture
def as_other(other_member):
    from tests.api.conftest import bearer

    return bearer(other_member)


@pytest.fixture
def as_viewer(viewer):
    from tests.api.conftest import bearer

    return bearer(viewer)


@pytest.fixture
def as_admin(admin_user):
    from tests.api.conftest import bearer

    return bearer(admin_user)


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """The manifest storage needs collectstatic; tests resolve static files from the apps."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def rubrica(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run the CLI as a person would type it, in-process: ``rubrica(*args)`` gives (exit code,
    stdout, stderr). A command-line run closes the database connections when it ends; here that
    would end the test's transaction, so it is skipped."""
    from django.db import connections

    from rubrica.cli.main import main

    monkeypatch.setattr(connections, "close_all", lambda: None)
    monkeypatch.delenv("RUBRICA_USER", raising=False)
    # Tables are as wide as the terminal (rich reads COLUMNS); a test's is fixed, so a table
    # wraps the same on every machine and with any number of digits in an id.
    monkeypatch.setenv("COLUMNS", "160")

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def isolated_registry() -> Iterator[Callable[..., Any]]:
    """``isolated_registry(registry, *entries)``: until the test ends, the engine registry
    (``rubrica.core.registry.Registry``) holds only ``entries``; then it is as it was."""
    with contextlib.ExitStack() as stack:
        yield lambda registry, *entries: stack.enter_context(registry.isolated(*entries))


@pytest.fixture(autouse=True)
def _audit_head_file_in_tmp(settings, tmp_path_factory):
    """The worker's tick writes the audit head to a file (ADR 0030): never to the real var/."""
    settings.RUBRICA_AUDIT_HEAD_FILE = tmp_path_factory.mktemp("audit") / "audit-heads.txt"
