"""`rubrica setup` makes the key file of sensitive fields; `rubrica keys new | status | rotate`
(ADR 0027), run as a person types them."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from rubrica import env
from rubrica.contacts.models import Contact
from rubrica.customfields.services import definition_save
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_file(settings: Any) -> Path:
    """The operator's setting: keys read from the key file (RUBRICA_FIELD_KEY_FILE, a temporary
    path set by the autouse fixture)."""
    settings.RUBRICA_FIELD_KEYS_SOURCE = env.field_keys_text
    return env.field_key_file()


def test_setup_makes_a_private_key_file_once_and_says_to_back_it_up(
    admin_user: Any, rubrica: Any, key_file: Path
) -> None:
    assert not key_file.exists()
    code, out, _ = rubrica("setup", "--skip-static")
    assert code == 0
    assert str(key_file) in out and "Back it up" in out
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first = key_file.read_text()
    assert first.startswith("k1 ")
    code, out, _ = rubrica("setup", "--skip-static")
    assert code == 0 and str(key_file) not in out
    assert key_file.read_text() == first


def test_new_key_then_rotate_reseals_with_it_and_status_counts(
    admin_user: Any, member: Any, rubrica: Any, key_file: Path, monkeypatch: Any
) -> None:
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "passport",
            "label": "Passport",
            "field_type": "text",
            "sensitive": True,
        },
    )
    person = make_contact(admin_user, custom_fields={"passport": "YA1234567"})
    assert Contact.objects.get(pk=person.pk).custom_fields["passport"]["sealed"] == "k1"
    monkeypatch.setenv("RUBRICA_USER", "admin")

    code, out, _ = rubrica("keys", "new", "--as", "admin")
    assert code == 0 and "k2" in out
    assert key_file.read_text().startswith("k2 ")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    code, out, _ = rubrica("keys", "status", "--as", "admin", "--json")
    assert code == 0
    assert json.loads(out)["keys"] == [
        {"key": "k2", "current": True, "values": 0},
        {"key": "k1", "current": False, "values": 1},
    ]

    code, out, err = rubrica("keys", "rotate", "--as", "member")
    assert code != 0
    assert Contact.objects.get(pk=person.pk).custom_fields["passport"]["sealed"] == "k1"

    code, out, err = rubrica("keys", "rotate", "--as", "admin")
    assert code == 0, err
    stored = Contact.objects.get(pk=person.pk).custom_fields["passport"]
    assert stored["sealed"] == "k2"
    code, out, _ = rubrica("keys", "status", "--as", "admin", "--json")
    assert json.loads(out)["keys"] == [
        {"key": "k2", "current": True, "values": 1},
        {"key": "k1", "current": False, "values": 0},
    ]
