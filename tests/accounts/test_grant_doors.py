"""The doors that offer an action beyond view/add/change/delete ask the person's grant for it
(``core.policies.can``): people export, import, merge, bulk edit, and custom field management.
A refused action changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contacts_bulk
from rubrica.customfields.models import CustomFieldDefinition
from rubrica.customfields.services import definition_save
from rubrica.dataio.exporting import export_start
from rubrica.jobs.models import Job
from rubrica.merges.services import contact_merge
from tests.factories import UserFactory, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(db):
    return UserFactory(username="helpdesk", roles=["support"])


def test_support_may_not_export_people_and_no_job_is_made(support):
    with pytest.raises(PermissionDenied):
        export_start(actor=support, format="csv", selection={}, enqueue=False)
    assert not Job.objects.exists()


def test_sales_may_export_people(member):
    job = export_start(actor=member, format="csv", selection={"filters": {}}, enqueue=False)
    assert job.kind == "export"


def test_support_may_not_merge_and_both_people_stay(support):
    ada = make_contact(support, given_name="Ada")
    twin = make_contact(support, given_name="Ada", family_name="Lovelace")
    with pytest.raises(PermissionDenied):
        contact_merge(actor=support, survivor=ada, merged=twin)
    assert Contact.objects.filter(pk__in=[ada.pk, twin.pk]).count() == 2


def test_support_may_not_edit_in_bulk_and_nothing_changes(support):
    mine = make_contact(support, given_name="Mine")
    with pytest.raises(PermissionDenied):
        contacts_bulk(actor=support, contacts=[mine], action="tag", value="vip")
    assert list(mine.tags.all()) == []


def test_a_manager_manages_custom_fields_a_sales_user_does_not(member):
    manager = UserFactory(username="boss", roles=["manager"])
    data = {"entity": "contact", "key": "shoe_size", "label": "Shoe size", "field_type": "text"}

    with pytest.raises(PermissionDenied):
        definition_save(actor=member, data=dict(data))  # type: ignore[arg-type]
    assert not CustomFieldDefinition.objects.exists()

    saved = definition_save(actor=manager, data=dict(data))  # type: ignore[arg-type]
    assert saved.key == "shoe_size"


def test_the_custom_fields_page_asks_the_grant(client, member):
    manager = UserFactory(username="boss", roles=["manager"])
    client.force_login(member)
    assert client.get(reverse("settings:fields")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse("settings:fields")).status_code == 200
    assert manager.is_administrator is False
