"""Regressions from the security review: hostile input, leaks of private organizations,
personal data left behind, versions that did not move."""

from __future__ import annotations

import datetime as dt
import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from rubrica.contacts.models import Contact
from rubrica.contacts.services import (
    contact_delete,
    contact_revert,
    contact_set_photo,
    contact_update,
)
from rubrica.core.trash import trash_purge
from rubrica.history.models import HistoryEntry
from rubrica.history.selectors import history_for
from rubrica.organizations.services import affiliation_create
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def png(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` x ``height`` (enough for PIL to read the size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x00\x00\x00" * min(width, 4))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def real_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return buffer.getvalue()


def test_decompression_bomb_is_refused_as_a_field_error(member, media):
    contact = make_contact(member)
    bomb = SimpleUploadedFile("bomb.png", png(60_000, 60_000), content_type="image/png")

    with pytest.raises(ValidationError) as caught:
        contact_set_photo(actor=member, contact=contact, photo=bomb)

    assert list(caught.value.message_dict) == ["photo"]
    assert not Contact.objects.get(pk=contact.pk).photo


def test_replacing_a_photo_deletes_the_old_file(member, media, django_capture_on_commit_callbacks):
    contact = make_contact(member)
    with django_capture_on_commit_callbacks(execute=True):
        first = contact_set_photo(
            actor=member, contact=contact, photo=SimpleUploadedFile("a.png", real_png())
        )
    old_name = first.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        second = contact_set_photo(
            actor=member, contact=contact, photo=SimpleUploadedFile("b.png", real_png())
        )

    assert not default_storage.exists(old_name)
    assert default_storage.exists(second.photo.name)


def test_purge_removes_history_and_photo(member, media, django_capture_on_commit_callbacks):
    contact = make_contact(member)
    photo = contact_set_photo(
        actor=member, contact=contact, photo=SimpleUploadedFile("a.png", real_png())
    ).photo.name
    contact_delete(actor=member, contact=contact)
    Contact.all_objects.filter(pk=contact.pk).update(
        deleted_at=timezone.now() - dt.timedelta(days=40)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert trash_purge(older_than=dt.timedelta(days=30)) == 1

    assert not HistoryEntry.objects.filter(object_id=contact.pk).exists()
    assert not default_storage.exists(photo)


def test_values_cannot_be_restored_from_a_creation_entry(member):
    contact = make_contact(member)
    creation = history_for(contact).get()

    with pytest.raises(ValidationError):
        contact_revert(actor=member, contact=contact, entry=creation, field="family_name")

    assert Contact.objects.get(pk=contact.pk).family_name == "Lovelace"


@pytest.mark.parametrize(
    "url", ["http://example.com/\x00x", "https://exa\tmple.com", "http://a.com/\x7f"]
)
def test_urls_with_control_characters_are_refused(member, url):
    with pytest.raises(ValidationError) as caught:
        make_contact(member, urls=[{"value": url}])

    assert list(caught.value.message_dict) == ["urls.0.value"]


def test_affiliation_changes_move_the_person_version_on(member):
    contact = make_contact(member)
    org = make_organization(member)

    affiliation_create(actor=member, contact=contact, organization=org, data={})

    assert Contact.objects.get(pk=contact.pk).version == 2
    from rubrica.core.services import ConflictError

    with pytest.raises(ConflictError):
        contact_update(actor=member, contact=contact, data={"title": "x"}, expected_version=1)


def test_people_filter_by_a_private_organization_reveals_nothing(member, other_member):
    from rubrica.contacts.filters import ContactFilter
    from rubrica.contacts.selectors import contact_list

    secret = make_organization(other_member, name="Secret Holdings", visibility="private")
    shared = make_contact(other_member, given_name="Shared")
    affiliation_create(actor=other_member, contact=shared, organization=secret, data={})
    flt, errors = ContactFilter.parse({"organization": str(secret.pk)})

    assert errors == {}
    assert contact_list(user=member, flt=flt).items == []
    assert [c.pk for c in contact_list(user=other_member, flt=flt).items] == [shared.pk]
