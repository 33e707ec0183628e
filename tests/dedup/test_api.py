"""API: 409 with the likely duplicates on POST/PATCH /contacts (nothing written) unless
?allow_duplicates=true; /duplicates list, dismiss and scan."""

from __future__ import annotations

import pytest

from rubrica.contacts.models import Contact
from rubrica.dedup.models import DuplicatePair, PairStatus
from rubrica.dedup.services import scan_start
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from tests.api.conftest import JSON, bearer
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
URL = "/api/v1/contacts"
ADA = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "emails": [{"value": "ada.lovelace@gmail.com"}],
}


def scan(user) -> None:
    job = scan_start(actor=user, enqueue=False)
    assert job_run(job.pk).status == "succeeded"


def test_create_answers_409_with_the_duplicates_and_creates_nothing(client, member):
    ada = make_contact(member, emails=[{"value": "Ada.Lovelace+x@googlemail.com"}])

    response = client.post(URL, ADA, content_type=JSON, **bearer(member))

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:rubrica:problem:possible-duplicates"
    assert body["status"] == 409
    # The score is the match probability of the record-linkage model (before any scan, its
    # prior weights); it used to be a fixed 0.97 for "same email + same name".
    [duplicate] = body["duplicates"]
    assert (duplicate["id"], duplicate["display_name"]) == (ada.pk, "Ada Lovelace")
    assert duplicate["score"] >= 0.995
    assert duplicate["reasons"] == ["Same email", "Same name"]
    assert Contact.objects.count() == 1


def test_create_with_allow_duplicates_creates_the_person(client, member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    response = client.post(f"{URL}?allow_duplicates=true", ADA, content_type=JSON, **bearer(member))

    assert response.status_code == 201
    assert Contact.objects.count() == 2


def test_create_does_not_reveal_a_private_record_of_another_member(client, member, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada.lovelace@gmail.com"}])

    response = client.post(URL, ADA, content_type=JSON, **bearer(member))

    assert response.status_code == 201


def test_patch_that_makes_a_duplicate_answers_409_and_changes_nothing(client, member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")

    response = client.patch(f"{URL}/{grace.pk}", ADA, content_type=JSON, **bearer(member))

    assert response.status_code == 409
    assert [d["id"] for d in response.json()["duplicates"]] == [ada.pk]
    grace.refresh_from_db()
    assert (grace.given_name, grace.version) == ("Grace", 1)


def test_patch_of_an_unrelated_field_does_not_warn_about_a_known_pair(client, member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    response = client.patch(f"{URL}/{ada.pk}", {"notes": "hi"}, content_type=JSON, **bearer(member))

    assert response.status_code == 200


def test_list_pairs_shows_open_pairs_with_both_people(client, member):
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    twin = make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()

    response = client.get("/api/v1/duplicates", **bearer(member))

    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    item = body["items"][0]
    assert len(body["items"]) == 1
    assert item["id"] == pair.pk
    assert item["a"] == {
        "id": ada.pk,
        "display_name": "Ada Lovelace",
        "email": "ada@example.org",
        "phone": "",
    }
    assert item["b"]["id"] == twin.pk
    # A probability and a tier (the old fixed 0.97 was no scale).
    assert item["score"] >= 0.995 and item["tier"] == "sure"
    assert item["status"] == "open"
    assert item["reasons"] == ["Same email", "Same name"]
    assert item["reason_codes"] == ["email_exact", "name_exact"]


def test_list_pairs_hides_pairs_with_an_invisible_person(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    scan(member)

    response = client.get("/api/v1/duplicates", **bearer(member))

    assert response.json()["items"] == []


def test_dismiss_pair(client, member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()

    response = client.post(f"/api/v1/duplicates/{pair.pk}/dismiss", **bearer(member))

    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    pair.refresh_from_db()
    assert pair.status == PairStatus.DISMISSED
    listed = client.get("/api/v1/duplicates?status=dismissed", **bearer(member)).json()
    assert [item["id"] for item in listed["items"]] == [pair.pk]


def test_dismiss_invisible_pair_is_404(client, member, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    scan(other_member)
    pair = DuplicatePair.objects.get()

    response = client.post(f"/api/v1/duplicates/{pair.pk}/dismiss", **bearer(member))

    assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_viewer_cannot_dismiss(client, member, viewer):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()

    response = client.post(f"/api/v1/duplicates/{pair.pk}/dismiss", **bearer(viewer))

    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_scan_returns_the_job(client, member):
    response = client.post("/api/v1/duplicates/scan", **bearer(member))

    job = Job.objects.get()
    assert response.status_code == 202
    assert response.json()["id"] == job.pk
    assert (response.json()["kind"], response.json()["status"]) == ("dedup_scan", "queued")


def test_viewer_cannot_scan(client, viewer):
    response = client.post("/api/v1/duplicates/scan", **bearer(viewer))

    assert response.status_code == 403
    assert Job.objects.count() == 0
