"""Configuration comes from the environment through rubrica.env and fails fast on bad values."""

from __future__ import annotations

import importlib
import os

import pytest
from django.core.exceptions import ImproperlyConfigured

import rubrica.env


@pytest.fixture
def reload_env(monkeypatch):
    def load(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        return importlib.reload(rubrica.env)

    yield load
    monkeypatch.undo()
    importlib.reload(rubrica.env)


def test_defaults_are_safe(reload_env, monkeypatch):
    for name in ("DEBUG", "ALLOWED_HOSTS", "TIME_ZONE"):
        monkeypatch.delenv(name, raising=False)

    env = reload_env()

    assert env.DEBUG is False
    assert env.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "[::1]"]
    assert env.TIME_ZONE == "UTC"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("TIME_ZONE", "Europe/Atlantis", "not a known IANA time zone"),
        ("DEFAULT_PHONE_REGION", "XX", "DEFAULT_PHONE_REGION"),
        ("LANGUAGE_CODE", "tlh", "LANGUAGE_CODE must be one of"),
        ("TRASH_RETENTION_DAYS", "soon", "TRASH_RETENTION_DAYS must be a whole number"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(reload_env, name, value, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        reload_env(**{name: value})


def test_secret_key_is_generated_once_and_kept(reload_env, monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    env = reload_env(RUBRICA_VAR_DIR=str(tmp_path))

    first = env.secret_key()
    second = env.secret_key()

    assert first == second
    assert len(first) >= 50
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_short_secret_key_is_refused(reload_env):
    env = reload_env(SECRET_KEY="short")

    with pytest.raises(ImproperlyConfigured, match="at least 32"):
        env.secret_key()
