"""/activities/outcomes and /activities/tag-cadences: the outcomes list (retired ones marked) and
the keep-in-touch cadences of tags (administrators write; people's effective cadences follow)."""

from __future__ import annotations

import pytest

from rubrica.activities import services
from rubrica.activities.models import KeepInTouch, Outcome, TagCadence
from rubrica.taxonomy.models import Tag
from tests.api.conftest import JSON, bearer
from tests.factories import make_contact

pytestmark = pytest.mark.django_db
BASE = "/api/v1/activities"


def test_outcomes_list_marks_the_retired(client, admin_user, member):
    voicemail = Outcome.objects.get(name="Voicemail")
    services.outcome_set_retired(actor=admin_user, outcome=voicemail, retired=True)
    response = client.get(f"{BASE}/outcomes", **bearer(member))
    assert response.status_code == 200
    rows = {row["name"]: row["retired"] for row in response.json()}
    assert rows == {
        "Connected": False,
        "Voicemail": True,
        "No answer": False,
        "Wrong number": False,
    }


def test_tag_cadences_set_by_administrators_and_shown_on_people_to_contact(
    client, admin_user, member
):
    tag = Tag.objects.create(name="customer")
    ada = make_contact(member, tags=["customer"])
    body = {"ideal_days": 30, "max_days": 45}
    refused = client.put(f"{BASE}/tag-cadences/{tag.pk}", body, content_type=JSON, **bearer(member))
    assert refused.status_code == 403
    assert not TagCadence.objects.exists() and not KeepInTouch.objects.exists()

    admin = bearer(admin_user)
    done = client.put(f"{BASE}/tag-cadences/{tag.pk}", body, content_type=JSON, **admin)
    assert done.status_code == 200
    assert done.json() == {
        "tag": tag.pk,
        "tag_name": "customer",
        "ideal_days": 30,
        "max_days": 45,
        "applying_job": None,
    }
    assert client.get(f"{BASE}/tag-cadences", **admin).json() == [done.json()]
    page = client.get(f"{BASE}/to-contact", **bearer(member)).json()
    assert [(r["person"], r["from_tag"], r["max_days"]) for r in page["items"]] == [
        (ada.pk, tag.pk, 45)
    ]
    bad = client.put(
        f"{BASE}/tag-cadences/{tag.pk}",
        {"ideal_days": 60, "max_days": 45},
        content_type=JSON,
        **admin,
    )
    assert bad.status_code == 422
    assert TagCadence.objects.get().max_days == 45

    assert client.delete(f"{BASE}/tag-cadences/{tag.pk}", **admin).status_code == 204
    assert not KeepInTouch.objects.exists()
    assert client.delete(f"{BASE}/tag-cadences/999999", **admin).status_code == 404
