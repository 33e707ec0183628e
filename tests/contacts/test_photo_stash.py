"""The photo chosen on the person form survives the duplicate warning: it is kept in the user's
own private folder, named by a token in the form, saved on "Save anyway" and then removed."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rubrica.contacts import photo_stash
from rubrica.contacts.models import Contact
from tests.factories import make_contact
from tests.web.conftest import edit_form, person_form

pytestmark = pytest.mark.django_db
CREATE = reverse("contacts:create")
TOKEN_INPUT = re.compile(r'<input type="hidden" name="photo_token" value="([0-9a-f]{32})">')


@pytest.fixture(autouse=True)
def _roots(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RUBRICA_PRIVATE_ROOT = tmp_path / "private"


def _png(colour: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _stash_dir(settings, user) -> Path:
    return Path(settings.RUBRICA_PRIVATE_ROOT) / "pending-photos" / str(user.pk)


def ada_form(**overrides):
    return person_form(
        given_name="Ada",
        family_name="Lovelace",
        **{"emails-0-label": "home", "emails-0-value": "ada.lovelace@gmail.com"},
        **overrides,
    )


def _warned_token(response) -> str:
    html = response.content.decode()
    assert response.status_code == 200
    assert "This person may already be here" in html
    assert "The photo you chose will be saved too." in html
    assert "Choose the photo again" not in html
    found = TOKEN_INPUT.search(html)
    assert found is not None
    return found.group(1)


def _newest() -> Contact:
    return Contact.objects.order_by("-pk")[0]


def _saved_photo(contact: Contact) -> bytes:
    with contact.photo.open("rb") as handle:
        return handle.read()


def test_photo_is_kept_through_the_warning_and_saved_by_save_anyway_on_create(
    member_client, member, settings
):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    warned = member_client.post(CREATE, ada_form(photo=SimpleUploadedFile("a.png", _png())))
    token = _warned_token(warned)
    stash = _stash_dir(settings, member) / token
    assert stash.read_bytes() == _png()
    assert Contact.objects.count() == 1

    saved = member_client.post(CREATE, ada_form(confirm_duplicates="1", photo_token=token))

    assert saved.status_code == 302
    ada = _newest()
    assert _saved_photo(ada) == _png()
    assert not stash.exists()


def test_photo_is_kept_through_the_warning_and_saved_by_save_anyway_on_edit(
    member_client, member, settings
):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    contact = make_contact(member, given_name="Grace", family_name="Hopper")
    url = reverse("contacts:edit", args=[contact.pk])
    photo = SimpleUploadedFile("a.png", _png("blue"))
    same = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "emails-0-label": "",
        "emails-0-value": "ada.lovelace@gmail.com",
    }

    warned = member_client.post(url, edit_form(contact, photo=photo, **same))
    token = _warned_token(warned)
    contact.refresh_from_db()
    assert contact.version == 1
    assert not contact.photo

    data = edit_form(contact, confirm_duplicates="1", photo_token=token, **same)
    saved = member_client.post(url, data)

    assert saved.status_code == 302
    contact.refresh_from_db()
    assert contact.given_name == "Ada"
    assert _saved_photo(contact) == _png("blue")
    assert not (_stash_dir(settings, member) / token).exists()


def test_a_file_that_is_no_image_gives_the_field_error_instead_of_the_warning(
    member_client, member, settings
):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    bad = SimpleUploadedFile("a.png", b"not an image", "image/png")

    response = member_client.post(CREATE, ada_form(photo=bad))

    html = response.content.decode()
    assert response.status_code == 400
    assert "This file is not an image." in html
    assert "This person may already be here" not in html
    assert 'name="photo_token"' not in html
    assert Contact.objects.count() == 1
    assert not _stash_dir(settings, member).exists()


def test_another_users_token_is_ignored_and_their_stash_untouched(
    member_client, member, other_member, settings
):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    other_photo = SimpleUploadedFile("b.png", _png("green"))
    token = photo_stash.photo_stash(actor=other_member, photo=other_photo)
    theirs = _stash_dir(settings, other_member) / token

    response = member_client.post(CREATE, ada_form(confirm_duplicates="1", photo_token=token))

    assert response.status_code == 302
    ada = _newest()
    assert not ada.photo
    assert theirs.read_bytes() == _png("green")
    assert not _stash_dir(settings, member).exists()


@pytest.mark.parametrize("token", ["../x", "../1/" + "a" * 32, "A" * 32, "a" * 31, "/etc/passwd"])
def test_path_like_or_malformed_tokens_are_ignored(member_client, member, settings, token):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    planted = Path(settings.RUBRICA_PRIVATE_ROOT) / "pending-photos" / "x"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(_png())

    response = member_client.post(CREATE, ada_form(confirm_duplicates="1", photo_token=token))

    assert response.status_code == 302
    assert not _newest().photo
    assert planted.read_bytes() == _png()


def test_an_unknown_token_saves_the_person_without_photo(member_client, member):
    response = member_client.post(CREATE, ada_form(confirm_duplicates="1", photo_token="0" * 32))

    assert response.status_code == 302
    assert not _newest().photo


def test_a_new_file_chosen_on_save_anyway_wins_over_the_stash(member_client, member, settings):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    token = _warned_token(
        member_client.post(CREATE, ada_form(photo=SimpleUploadedFile("a.png", _png())))
    )

    response = member_client.post(
        CREATE,
        ada_form(
            confirm_duplicates="1",
            photo_token=token,
            photo=SimpleUploadedFile("b.png", _png("blue")),
        ),
    )

    assert response.status_code == 302
    assert _saved_photo(_newest()) == _png("blue")
    assert not (_stash_dir(settings, member) / token).exists()


def test_stashes_older_than_a_day_are_removed_when_a_new_one_is_written(member, settings):
    old = photo_stash.photo_stash(actor=member, photo=SimpleUploadedFile("a.png", _png()))
    recent = photo_stash.photo_stash(actor=member, photo=SimpleUploadedFile("b.png", _png()))
    folder = _stash_dir(settings, member)
    two_days_ago = time.time() - 2 * 86400
    os.utime(folder / old, (two_days_ago, two_days_ago))

    newest = photo_stash.photo_stash(actor=member, photo=SimpleUploadedFile("c.png", _png()))

    assert sorted(p.name for p in folder.iterdir()) == sorted([recent, newest])


def test_a_save_anyway_that_fails_keeps_the_photo_for_the_next_try(member_client, member, settings):
    # Someone else saved the person meanwhile: the edit comes back with the conflict message,
    # still carrying the kept photo, and the next submit saves it.
    from rubrica.contacts.services import contact_update

    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    contact = make_contact(member, given_name="Grace", family_name="Hopper")
    url = reverse("contacts:edit", args=[contact.pk])
    same = {
        "given_name": "Ada",
        "family_name": "Lovelace",
        "emails-0-label": "",
        "emails-0-value": "ada.lovelace@gmail.com",
    }
    warned = member_client.post(
        url, edit_form(contact, photo=SimpleUploadedFile("a.png", _png("green")), **same)
    )
    token = _warned_token(warned)
    stale = edit_form(contact, confirm_duplicates="1", photo_token=token, **same)
    contact = contact_update(actor=member, contact=contact, data={"notes": "meanwhile"})

    conflict = member_client.post(url, stale)

    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert TOKEN_INPUT.search(html).group(1) == token
    assert "The photo you chose is kept" in html
    contact.refresh_from_db()
    assert not contact.photo
    retry = member_client.post(
        url, edit_form(contact, confirm_duplicates="1", photo_token=token, **same)
    )
    assert retry.status_code == 302
    contact.refresh_from_db()
    assert _saved_photo(contact) == _png("green")
    assert not (_stash_dir(settings, member) / token).exists()


def test_jobs_purge_removes_every_users_day_old_stashes(member, admin_user, settings):
    import os
    import time

    from django.core.management import call_command

    from rubrica.contacts.photo_stash import photo_stash

    old = photo_stash(actor=member, photo=SimpleUploadedFile("a.png", _png()))
    fresh = photo_stash(actor=admin_user, photo=SimpleUploadedFile("b.png", _png("blue")))
    old_path = _stash_dir(settings, member) / old
    two_days_ago = time.time() - 2 * 86400
    os.utime(old_path, (two_days_ago, two_days_ago))

    call_command("jobs", "purge")

    assert not old_path.exists()
    assert (_stash_dir(settings, admin_user) / fresh).is_file()
