"""Keep-in-touch cadences per tag: a person's own cadence wins, else the strictest of their tags';
the effective cadence is stored (``KeepInTouch``) and kept by every write that changes it (a
person's or a tag's cadence, a person's tags, an interaction, a tag deleted, an import), so
"people to contact" and the digest read one index range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rubrica.activities import selectors, services
from rubrica.activities.models import KeepInTouch, TagCadence
from rubrica.contacts.models import NEVER
from rubrica.contacts.services import contact_update, contacts_bulk
from rubrica.taxonomy.models import Tag
from rubrica.taxonomy.services import tag_delete
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def cadence_of(contact):
    return KeepInTouch.objects.filter(contact=contact).first()


def set_tag(admin, name, ideal, maximum):
    tag, _ = Tag.objects.get_or_create(name=name)
    services.tag_cadence_set(actor=admin, tag=tag, ideal_days=ideal, max_days=maximum)
    return tag


def test_a_tag_cadence_applies_to_its_people_with_their_last_interaction(admin_user, member):
    ada = make_contact(member, tags=["customer"])
    bob = make_contact(member, given_name="Bob")
    activity = services.activity_create(
        actor=member, data={"kind": "call", "people": [ada.pk], "occurred_at": ago(3)}
    )
    tag = set_tag(admin_user, "customer", 30, 45)
    row = cadence_of(ada)
    assert (row.ideal_days, row.max_days, row.source_tag_id) == (30, 45, tag.pk)
    assert row.due_at == activity.occurred_at + dt.timedelta(days=30)
    assert row.overdue_at == activity.occurred_at + dt.timedelta(days=45)
    assert cadence_of(bob) is None


def test_the_strictest_tag_wins_and_the_own_cadence_wins_over_tags(admin_user, member):
    ada = make_contact(member, tags=["customer", "vip"])
    set_tag(admin_user, "customer", 30, 45)
    vip = set_tag(admin_user, "vip", 20, 25)
    row = cadence_of(ada)
    assert (row.ideal_days, row.max_days, row.source_tag_id) == (20, 25, vip.pk)

    services.keep_in_touch_set(actor=member, contact=ada, ideal_days=60, max_days=90)
    row = cadence_of(ada)
    assert (row.ideal_days, row.max_days, row.source_tag_id) == (60, 90, None)
    # A tag's change leaves an own cadence alone.
    set_tag(admin_user, "vip", 5, 7)
    assert (cadence_of(ada).ideal_days, cadence_of(ada).max_days) == (60, 90)

    services.keep_in_touch_clear(actor=member, contact=ada)
    row = cadence_of(ada)
    assert (row.ideal_days, row.max_days, row.source_tag_id) == (5, 7, vip.pk)


def test_changing_a_persons_tags_moves_their_cadence(admin_user, member):
    customer = set_tag(admin_user, "customer", 30, 45)
    ada = make_contact(member)
    assert cadence_of(ada) is None
    ada = contact_update(actor=member, contact=ada, data={"tags": ["customer"]})
    assert cadence_of(ada).source_tag_id == customer.pk
    contacts_bulk(actor=member, contacts=[ada], action="untag", value="customer")
    assert cadence_of(ada) is None
    contacts_bulk(actor=member, contacts=[ada], action="tag", value="customer")
    assert cadence_of(ada).source_tag_id == customer.pk


def test_a_new_person_with_a_tag_gets_its_cadence(admin_user, member):
    customer = set_tag(admin_user, "customer", 30, 45)
    ada = make_contact(member, tags=["customer"])
    row = cadence_of(ada)
    assert row.source_tag_id == customer.pk
    assert row.overdue_at == NEVER + dt.timedelta(days=45)  # never contacted: overdue at once


def test_clearing_or_deleting_a_tag_falls_back_to_the_other_tags(admin_user, member):
    ada = make_contact(member, tags=["customer", "vip"])
    customer = set_tag(admin_user, "customer", 30, 45)
    vip = set_tag(admin_user, "vip", 20, 25)
    services.tag_cadence_clear(actor=admin_user, tag=vip)
    assert cadence_of(ada).source_tag_id == customer.pk
    set_tag(admin_user, "vip", 20, 25)
    tag_delete(actor=admin_user, tag=vip)
    row = cadence_of(ada)
    assert (row.ideal_days, row.max_days, row.source_tag_id) == (30, 45, customer.pk)
    tag_delete(actor=admin_user, tag=customer)
    assert cadence_of(ada) is None


def test_an_interaction_resets_a_tag_cadence(admin_user, member):
    ada = make_contact(member, tags=["customer"])
    set_tag(admin_user, "customer", 30, 45)
    activity = services.activity_create(
        actor=member, data={"kind": "call", "people": [ada.pk], "occurred_at": ago(1)}
    )
    assert cadence_of(ada).due_at == activity.occurred_at + dt.timedelta(days=30)


def test_only_administrators_set_tag_cadences_and_errors_change_nothing(admin_user, member):
    tag = Tag.objects.create(name="customer")
    make_contact(member, tags=["customer"])
    with pytest.raises(PermissionDenied):
        services.tag_cadence_set(actor=member, tag=tag, ideal_days=30, max_days=45)
    with pytest.raises(ValidationError) as caught:
        services.tag_cadence_set(actor=admin_user, tag=tag, ideal_days=60, max_days=30)
    assert set(caught.value.message_dict) == {"max_days"}
    assert not TagCadence.objects.exists()
    assert not KeepInTouch.objects.exists()


def test_people_to_contact_lists_tag_cadences_most_overdue_first(admin_user, member):
    old = make_contact(member, given_name="Old", tags=["customer"])
    recent = make_contact(member, given_name="Recent", tags=["customer"])
    hidden = make_contact(admin_user, given_name="Hidden", tags=["customer"], visibility="private")
    for person, days in ((old, 100), (recent, 2), (hidden, 200)):
        services.activity_create(
            actor=person.owner,
            data={"kind": "call", "people": [person.pk], "occurred_at": ago(days)},
        )
    set_tag(admin_user, "customer", 30, 45)
    page = selectors.people_to_contact(user=member, cursor=None)
    assert [row.contact_id for row in page.items] == [old.pk, recent.pk]


def test_settings_page_sets_a_tag_cadence_for_administrators_only(admin_user, member, admin_client):
    tag = Tag.objects.create(name="customer")
    ada = make_contact(member, tags=["customer"])
    url = reverse("settings:tag_cadences")
    response = admin_client.post(url, {"tag": tag.pk, "ideal_days": "14", "max_days": "21"})
    assert response.status_code == 302
    assert (cadence_of(ada).ideal_days, cadence_of(ada).max_days) == (14, 21)
    assert "customer" in admin_client.get(url).content.decode()

    client = Client()
    client.force_login(member)
    response = client.post(url, {"tag": tag.pk, "clear": "1"})
    assert response.status_code == 403
    assert TagCadence.objects.filter(tag=tag).exists()

    response = admin_client.post(url, {"tag": tag.pk, "ideal_days": "x", "max_days": "21"})
    assert response.status_code == 422
    assert TagCadence.objects.get(tag=tag).ideal_days == 14


def test_the_person_page_names_the_tag_a_cadence_comes_from(admin_user, member, member_client):
    ada = make_contact(member, tags=["customer"])
    set_tag(admin_user, "customer", 30, 45)
    html = member_client.get(ada.get_absolute_url()).content.decode()
    assert 'id="keep-in-touch-source"' in html
    assert "customer" in html


def test_the_daily_digest_names_the_people_due_at_the_digest_hour_once(admin_user, member):
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from rubrica.activities import reminders
    from rubrica.notifications.models import Notification

    ada = make_contact(member, given_name="Ada", tags=["customer"])
    make_contact(member, given_name="Bob")  # no cadence: not in the digest
    set_tag(admin_user, "customer", 30, 45)
    zone = ZoneInfo(settings.TIME_ZONE)
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    before = dt.datetime(day.year, day.month, day.day, 7, 59, tzinfo=zone)
    after = dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=zone)
    assert reminders.keep_in_touch_digest_send(before) == 0  # before the digest hour (8)
    assert reminders.keep_in_touch_digest_send(after) == 1
    assert reminders.keep_in_touch_digest_send(after + dt.timedelta(hours=2)) == 0  # once a day
    note = Notification.objects.get(kind=reminders.KEEP_IN_TOUCH_DIGEST)
    assert note.recipient == member
    assert note.title == "1 person to contact today"
    assert note.body == f"- {ada.display_name}"
    assert note.url == reverse("activities:to_contact")


def test_the_cadence_hooks_are_registered_with_contacts_and_taxonomy():
    from rubrica.activities.services import tag_deleting, tags_changed
    from rubrica.contacts.hooks import tags_hooks
    from rubrica.taxonomy.hooks import tag_delete_hooks

    assert tags_hooks.get("activities.cadences").run is tags_changed
    assert tag_delete_hooks.get("activities.cadences").run is tag_deleting
