"""Call outcomes are an editable list (administrators, a settings page); a retired outcome is no
longer offered for new activities, and the activities that have it keep and show it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from rubrica.activities import services
from rubrica.activities.models import Activity, Outcome
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_administrators_add_rename_and_move_outcomes_on_the_settings_page(admin_client):
    url = reverse("settings:outcomes")
    assert admin_client.post(url, {"name": "Busy"}).status_code == 302
    busy = Outcome.objects.get(name="Busy")
    assert busy.position == Outcome.objects.exclude(pk=busy.pk).count()  # added last
    edit = reverse("settings:outcome_edit", args=[busy.pk])
    assert admin_client.post(edit, {"name": "Line busy", "position": ""}).status_code == 302
    busy.refresh_from_db()
    assert busy.name == "Line busy"
    admin_client.post(reverse("settings:outcome_move", args=[busy.pk]), {"direction": "up"})
    names = list(Outcome.objects.order_by("position").values_list("name", flat=True))
    assert names.index("Line busy") == len(names) - 2
    assert "Line busy" in admin_client.get(url).content.decode()


def test_members_may_not_edit_outcomes_and_nothing_changes(member):
    client = Client()
    client.force_login(member)
    before = list(Outcome.objects.values_list("pk", "name", "retired"))
    assert client.get(reverse("settings:outcomes")).status_code == 403
    assert client.post(reverse("settings:outcomes"), {"name": "Busy"}).status_code == 403
    first = Outcome.objects.first()
    retire = reverse("settings:outcome_retire", args=[first.pk])
    assert client.post(retire, {"retired": "1"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.outcome_set_retired(actor=member, outcome=first, retired=True)
    assert list(Outcome.objects.values_list("pk", "name", "retired")) == before


def test_a_retired_outcome_keeps_old_activities_readable_and_is_not_offered(
    admin_user, admin_client, member
):
    member_client = Client()
    member_client.force_login(member)
    ada = make_contact(member)
    voicemail = Outcome.objects.get(name="Voicemail")
    old = services.activity_create(
        actor=member, data={"kind": "call", "people": [ada.pk], "outcome": voicemail.pk}
    )
    response = admin_client.post(
        reverse("settings:outcome_retire", args=[voicemail.pk]), {"retired": "1"}
    )
    assert response.status_code == 302
    voicemail.refresh_from_db()
    assert voicemail.retired

    # Not offered for a new activity, and refused by the service.
    assert voicemail not in services.outcomes_offered()
    with pytest.raises(ValidationError) as caught:
        services.activity_create(
            actor=member, data={"kind": "call", "people": [ada.pk], "outcome": "voicemail"}
        )
    assert set(caught.value.message_dict) == {"outcome"}
    assert Activity.objects.count() == 1

    # The old activity shows it, its form still offers it, and saving it again keeps it.
    html = member_client.get(old.get_absolute_url()).content.decode()
    assert "Voicemail" in html
    assert voicemail in services.outcomes_offered(old.outcome)
    updated = services.activity_update(
        actor=member, activity=old, data={"subject": "Again", "outcome": voicemail.pk}
    )
    assert updated.outcome == voicemail

    # Offered again once brought back.
    admin_client.post(reverse("settings:outcome_retire", args=[voicemail.pk]), {"retired": "0"})
    assert voicemail in services.outcomes_offered()


def test_an_outcome_in_use_cannot_be_deleted_an_unused_one_can(admin_user, admin_client, member):
    ada = make_contact(member)
    connected = Outcome.objects.get(name="Connected")
    services.activity_create(
        actor=member, data={"kind": "call", "people": [ada.pk], "outcome": connected.pk}
    )
    admin_client.post(reverse("settings:outcome_delete", args=[connected.pk]))
    assert Outcome.objects.filter(pk=connected.pk).exists()
    spare = services.outcome_save(actor=admin_user, data={"name": "Spare"})
    admin_client.post(reverse("settings:outcome_delete", args=[spare.pk]))
    assert not Outcome.objects.filter(pk=spare.pk).exists()
