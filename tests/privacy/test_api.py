"""The privacy API under /api/v1/contacts/{id}/privacy (ADR 0035): the export ZIP, the erasure's
counts and the erasure itself with its confirmation; audited like the pages; refusals change
nothing."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from rubrica.accounts.services import token_create
from rubrica.audit.models import AuditEntry
from rubrica.contacts.models import Contact
from rubrica.privacy.erasure import erasure_preview
from rubrica.privacy.models import Erasure
from tests.factories import make_contact
from tests.privacy import scenario

pytestmark = pytest.mark.django_db

JSON = "application/json"


def bearer(user) -> dict[str, str]:
    _token, raw = token_create(actor=user, user=user, name="tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def _url(pk: int, what: str) -> str:
    return f"/api/v1/contacts/{pk}/privacy/{what}"


def test_export_answers_the_zip_and_is_audited(client, member):
    ada = make_contact(member, family_name="Byron", visibility="team")

    response = client.post(_url(ada.pk, "export"), **bearer(member))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert {"person.json", "person.vcf"} <= set(archive.namelist())
    assert json.loads(archive.read("person.json"))["person"]["family_name"] == "Byron"
    entry = AuditEntry.objects.get(action="privacy.export")
    assert entry.details["person_id"] == ada.pk
    assert "Byron" not in json.dumps(entry.details)


def test_export_is_refused_to_a_read_only_user_and_not_audited(client, member, viewer, sales):
    ada = make_contact(member, family_name="Byron", visibility="team", team=sales.pk)
    sales.members.add(viewer)

    response = client.post(_url(ada.pk, "export"), **bearer(viewer))

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="privacy.export").exists()


def test_erasure_get_answers_the_pages_counts_and_changes_nothing(client, admin_user):
    world = scenario.build(admin_user)

    response = client.get(_url(world.ada.pk, "erasure"), **bearer(admin_user))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"] == world.ada.pk
    assert body["erased"] is False
    assert {c["key"]: c["count"] for c in body["counts"]} == erasure_preview(
        actor=admin_user, contact=world.ada
    )
    assert all(c["label"] for c in body["counts"])
    assert Contact.objects.get(pk=world.ada.pk).family_name == scenario.FAMILY
    assert not Erasure.objects.exists()


def test_erasure_post_without_the_confirmation_is_422_and_erases_nothing(client, admin_user):
    ada = make_contact(admin_user, family_name="Byron")

    for body in ({}, {"confirm": "yes"}):
        response = client.post(
            _url(ada.pk, "erasure"), json.dumps(body), content_type=JSON, **bearer(admin_user)
        )
        assert response.status_code == 422, response.content
        assert "confirm" in response.json()["errors"]

    assert Contact.objects.get(pk=ada.pk).family_name == "Byron"
    assert not Erasure.objects.exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


def test_erasure_post_erases_and_audits_without_values(client, admin_user):
    world = scenario.build(admin_user)
    expected = erasure_preview(actor=admin_user, contact=world.ada)

    response = client.post(
        _url(world.ada.pk, "erasure"),
        json.dumps({"confirm": "erase"}),
        content_type=JSON,
        **bearer(admin_user),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["erased"] is True
    assert {c["key"]: c["count"] for c in body["counts"]} == expected
    assert Contact.all_objects.get(pk=world.ada.pk).family_name == ""
    entry = AuditEntry.objects.get(action="privacy.erase")
    assert entry.details == {"person_id": world.ada.pk, "counts": expected}
    again = client.post(
        _url(world.ada.pk, "erasure"),
        json.dumps({"confirm": "erase"}),
        content_type=JSON,
        **bearer(admin_user),
    )
    assert again.status_code == 422


@pytest.mark.parametrize("method", ["get", "post"])
def test_erasure_is_refused_without_the_grant_and_changes_nothing(client, member, method):
    ada = make_contact(member, family_name="Byron", visibility="team")
    kwargs = {"content_type": JSON, **bearer(member)}

    if method == "get":
        response = client.get(_url(ada.pk, "erasure"), **bearer(member))
    else:
        response = client.post(_url(ada.pk, "erasure"), json.dumps({"confirm": "erase"}), **kwargs)

    assert response.status_code == 403
    assert Contact.objects.get(pk=ada.pk).family_name == "Byron"
    assert not Erasure.objects.exists()
    assert not AuditEntry.objects.filter(action="privacy.erase").exists()


def test_a_person_one_does_not_see_is_404(client, admin_user, other_member):
    hidden = make_contact(admin_user, family_name="Byron", visibility="private")

    for response in (
        client.post(_url(hidden.pk, "export"), **bearer(other_member)),
        client.get(_url(hidden.pk, "erasure"), **bearer(other_member)),
    ):
        assert response.status_code == 404
    assert not AuditEntry.objects.filter(action__startswith="privacy.").exists()
