"""Fixtures for the web UI tests: logged-in clients for each role and a form-data builder."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer_client(viewer):
    return logged_in(viewer)


@pytest.fixture
def other_client(other_member):
    return logged_in(other_member)


def person_form(**overrides: Any) -> dict[str, Any]:
    """What the person form posts when only a name is filled in (plus ``overrides``)."""
    data: dict[str, Any] = {
        "prefix": "",
        "given_name": "Grace",
        "additional_name": "",
        "family_name": "Hopper",
        "suffix": "",
        "display_name": "",
        "nicknames": "",
        "phonetic_given_name": "",
        "phonetic_family_name": "",
        "gender": "",
        "birthday": "",
        "anniversary": "",
        "title": "",
        "role": "",
        "languages": "",
        "time_zone": "",
        "stage": "",
        "tags": "",
        "source": "",
        "notes": "",
        "team": "",
        "visibility": "everyone",
    }
    data.update(overrides)
    return data


def edit_form(contact, **overrides: Any) -> dict[str, Any]:
    """The edit form as the page fills it for ``contact`` (the rows as shown), plus overrides."""
    from rubrica.contacts.services import snapshot

    current = snapshot(contact)
    data = person_form(
        given_name=contact.given_name,
        family_name=contact.family_name,
        title=contact.title,
        tags=", ".join(current["tags"]),
        visibility=contact.visibility,
        version=contact.version,
    )
    for kind in ("emails", "phones", "urls", "profiles"):
        for index, row in enumerate(current[kind]):
            data[f"{kind}-{index}-label"] = row["label"]
            data[f"{kind}-{index}-value"] = row["value"]
            if row["is_preferred"]:
                data[f"{kind}-preferred"] = str(index)
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; these tests check pages, not password storage."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
