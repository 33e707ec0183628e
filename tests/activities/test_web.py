"""Pages: the timeline panel on a person's and an organization's page (filters, keyset "more",
changes folded in), quick-log (one click, htmx, CSRF, errors naming the field), edit, delete and
restore, keep in touch and "people to contact"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rubrica.activities import services
from rubrica.activities.models import Activity, KeepInTouch
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_update
from tests.factories import make_contact, make_organization
from tests.moments import without_moments

pytestmark = pytest.mark.django_db


def ago(days: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def log(actor, people=(), **data):
    data.setdefault("kind", "call")
    return services.activity_create(actor=actor, data={"people": [p.pk for p in people], **data})


def test_the_person_page_shows_the_timeline_with_safe_text(member_client, member):
    ada = make_contact(member)
    log(member, [ada], subject="Lunch", body="**great** <script>alert(1)</script>")
    html = member_client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert 'id="panel-timeline"' in html
    assert "Lunch" in html and "<strong>great</strong>" in html
    assert "<script>alert(1)" not in html
    assert 'id="panel-keep-in-touch"' in html


def test_the_organization_page_shows_activities_of_its_current_people(member_client, member):
    org = make_organization(member)
    ada = make_contact(member)
    former = make_contact(member, given_name="Former")
    from rubrica.organizations.services import affiliation_create

    affiliation_create(actor=member, contact=ada, organization=org, data={})
    affiliation_create(
        actor=member, contact=former, organization=org, data={"end_date": "2020-01-01"}
    )
    log(member, [ada], subject="Through Ada")
    log(member, [former], subject="Through a former employee")
    services.activity_create(
        actor=member, data={"organizations": [org.pk], "kind": "visit", "subject": "Direct"}
    )
    html = member_client.get(reverse("organizations:detail", args=[org.pk])).content.decode()
    assert "Through Ada" in html and "Direct" in html
    assert "Through a former employee" not in html


def test_quick_log_one_click_saves_and_answers_the_timeline(member, member_client):
    ada = make_contact(member)
    response = member_client.post(
        reverse("activities:quick_log"),
        {
            "record_key": "person",
            "record_pk": ada.pk,
            "kind": "call",
            "direction": "out",
            "outcome": "no answer",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    activity = Activity.objects.get()
    assert (activity.kind, activity.outcome.name, list(activity.people.all())) == (
        "call",
        "No answer",
        [ada],
    )
    assert f'data-activity="{activity.pk}"' in response.content.decode()
    assert Contact.objects.get(pk=ada.pk).last_interaction_at == activity.occurred_at


def test_quick_log_errors_name_the_field_and_save_nothing(member, member_client):
    ada = make_contact(member)
    response = member_client.post(
        reverse("activities:quick_log"),
        {"record_key": "person", "record_pk": ada.pk, "kind": "call", "occurred_at": "soon"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert 'data-field="occurred_at"' in response.content.decode()
    assert not Activity.all_objects.exists()


def test_quick_log_needs_csrf(member):
    ada = make_contact(member)
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(
        reverse("activities:quick_log"), {"record_key": "person", "record_pk": ada.pk}
    )
    assert response.status_code == 403
    assert not Activity.all_objects.exists()


def test_quick_log_on_a_person_one_may_not_see_is_a_404(member, other_member, client):
    hidden = make_contact(other_member, visibility="private")
    client.force_login(member)
    response = client.post(
        reverse("activities:quick_log"), {"record_key": "person", "record_pk": hidden.pk}
    )
    assert response.status_code == 404
    assert not Activity.all_objects.exists()


def test_timeline_pages_by_keyset_and_filters(member, member_client):
    ada = make_contact(member)
    for day in range(25):
        log(
            member,
            [ada],
            kind="call" if day % 2 else "email",
            subject=f"n{day:02d}",
            occurred_at=ago(day + 1),
        )
    url = reverse("activities:timeline", args=["person", ada.pk])
    first = member_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "n00" in first and "n19" in first and "n20" not in first
    assert 'id="timeline-more"' in first
    import re

    more = re.search(r'hx-get="([^"]+)"[^>]*hx-target="#timeline-more"', first).group(1)
    second = member_client.get(more.replace("&amp;", "&"), HTTP_HX_REQUEST="true")
    text = second.content.decode()
    assert "n20" in text and "n24" in text and "n19" not in text
    emails = member_client.get(url, {"kind": "email"}, HTTP_HX_REQUEST="true").content.decode()
    assert "n00" in emails and "n01" not in emails


def test_timeline_folds_in_the_record_changes_collapsed(member, member_client):
    ada = make_contact(member)
    log(member, [ada], subject="Before", occurred_at=ago(1))
    contact_update(actor=member, contact=ada, data={"title": "Engineer"})
    html = member_client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert "<details>" in html and "title: — → Engineer" in html
    assert html.index("title: — → Engineer") < html.index("Before")


def test_timeline_changes_show_protected_fields_as_the_history_page_does(
    admin_user, member, client
):
    """A change of a sensitive field folded into the timeline: masked for a reader who may not
    read it, opened for one who may (never its ciphertext), personal phones left out."""
    from rubrica.customfields.protection import protected_field_save

    for name in ("birthday", "personal_phones"):
        protected_field_save(
            actor=admin_user,
            entity="contact",
            field_name=name,
            sensitive=True,
            read_roles=[],
            edit_roles=[],
        )
    ada = make_contact(admin_user, given_name="Ada", visibility="everyone")
    log(admin_user, [ada], subject="Before", occurred_at=ago(1))
    contact_update(
        actor=admin_user,
        contact=ada,
        data={
            "birthday": "1815-12-10",
            "phones": [
                {"label": "home", "value": "+39 06 8877 6655"},
                {"label": "work", "value": "+39 02 1234 5678"},
            ],
        },
    )
    client.force_login(member)
    html = without_moments(client.get(reverse("contacts:detail", args=[ada.pk])).content.decode())
    assert "birthday: — → •••" in html
    assert "+39 02 1234 5678" in html  # the work phone is the member's to read
    assert "8877" not in html and "1815" not in html and "sealed" not in html
    client.force_login(admin_user)
    html = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert "birthday: — → 1815-12-10" in html
    assert "+39 06 8877 6655" in html and "sealed" not in html


def test_private_activity_is_hidden_from_others_timeline(member, other_member, client):
    ada = make_contact(member)
    log(member, [ada], subject="Secret talk", private=True)
    client.force_login(other_member)
    html = client.get(reverse("contacts:detail", args=[ada.pk])).content.decode()
    assert "Secret talk" not in html


def test_edit_delete_and_restore(member, member_client):
    ada = make_contact(member)
    activity = log(member, [ada], subject="Old")
    response = member_client.post(
        reverse("activities:edit", args=[activity.pk]),
        {
            "version": "1",
            "kind": "meeting",
            "subject": "New",
            "people": [str(ada.pk)],
            "occurred_at": "2026-01-02T10:00",
        },
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.kind, activity.subject) == ("meeting", "New")
    member_client.post(reverse("activities:delete", args=[activity.pk]))
    assert Activity.trash.filter(pk=activity.pk).exists()
    member_client.post(reverse("activities:restore", args=[activity.pk]))
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_edit_by_someone_else_is_refused(member, other_member, client):
    ada = make_contact(member)
    activity = log(member, [ada], subject="Mine")
    client.force_login(other_member)
    response = client.post(reverse("activities:edit", args=[activity.pk]), {"subject": "Theirs"})
    assert response.status_code == 403
    activity.refresh_from_db()
    assert activity.subject == "Mine"


def test_keep_in_touch_and_people_to_contact_overdue_first(member, member_client):
    late = make_contact(member, given_name="Late")
    fine = make_contact(member, given_name="Fine")
    log(member, [fine], occurred_at=ago(1))
    log(member, [late], occurred_at=ago(100))
    for person in (fine, late):
        response = member_client.post(
            reverse("activities:keep_in_touch", args=[person.pk]),
            {"ideal_days": "30", "max_days": "45"},
        )
        assert response.status_code == 302
    assert KeepInTouch.objects.count() == 2
    html = member_client.get(reverse("activities:to_contact")).content.decode()
    assert html.index(f'data-contact="{late.pk}"') < html.index(f'data-contact="{fine.pk}"')
    assert "Overdue" in html


def test_quick_log_from_the_people_list(member, member_client):
    ada = make_contact(member)
    html = member_client.get(reverse("contacts:list")).content.decode()
    assert f'data-quick-log-row="{ada.pk}"' in html and "Called — no answer" in html
    response = member_client.post(
        reverse("activities:quick_log"),
        {
            "record_key": "person",
            "record_pk": ada.pk,
            "kind": "call",
            "outcome": "no answer",
            "reply": "row",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "Logged" in response.content.decode()
    assert Activity.objects.get().people.get() == ada
    bad = member_client.post(
        reverse("activities:quick_log"),
        {
            "record_key": "person",
            "record_pk": ada.pk,
            "kind": "call",
            "outcome": "maybe",
            "reply": "row",
        },
        HTTP_HX_REQUEST="true",
    )
    assert bad.status_code == 422 and 'data-field="outcome"' in bad.content.decode()
    assert Activity.objects.count() == 1


def test_a_viewer_gets_no_quick_log_on_the_list(member, viewer, client):
    make_contact(member)
    client.force_login(viewer)
    html = client.get(reverse("contacts:list")).content.decode()
    assert "Called — no answer" not in html
