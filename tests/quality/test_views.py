"""The data-quality page in the browser: figures for everyone, cleaning for those who may
write, preview escaped, apply starts a job, undo from the job page, viewers refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.contacts.services import snapshot
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("quality:report"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_report_page_shows_the_figures(member_client, member):
    make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    bob = make_contact(member, given_name="Bob", phones=[{"value": "+39 02 1234 5678"}])
    ContactPhone.objects.filter(contact=bob).update(raw="call the office", e164="")

    response = member_client.get(reverse("quality:report"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<div class="fs-4 fw-semibold" id="figure-people">2</div>' in html
    assert '<div class="fs-4 fw-semibold" id="figure-invalid-phones">1</div>' in html
    assert "1 of 2 (50%)" in html
    assert reverse("quality:invalid_phones") in html


def test_invalid_value_lists_show_the_people(member_client, member):
    bob = make_contact(member, given_name="Bob", phones=[{"value": "+39 02 1234 5678"}])
    eve = make_contact(member, given_name="Eve", emails=[{"value": "eve@example.org"}])
    make_contact(member, given_name="Fine", emails=[{"value": "fine@example.org"}])
    ContactPhone.objects.filter(contact=bob).update(raw="call the office", e164="")
    ContactEmail.objects.filter(contact=eve).update(value="eve@@example")

    phones = member_client.get(reverse("quality:invalid_phones")).content.decode()
    emails = member_client.get(reverse("quality:invalid_emails")).content.decode()

    assert "Bob" in phones and "call the office" in phones
    assert "Eve" in emails and "eve@@example" in emails and "Fine" not in emails


def test_unreadable_phone_list_masks_personal_numbers_for_whom_may_not_read_them(
    admin_user, member_client, member, client
):
    from rubrica.customfields.protection import protected_field_save

    protected_field_save(
        actor=admin_user,
        entity="contact",
        field_name="personal_phones",
        sensitive=True,
        read_roles=[],
        edit_roles=[],
    )
    bob = make_contact(
        admin_user,
        given_name="Bob",
        owner=member.pk,
        visibility="everyone",
        phones=[
            {"label": "home", "value": "+39 02 1234 5678"},
            {"label": "work", "value": "+39 06 5555 4444"},
        ],
    )
    for label, text in (("home", "call me at nine"), ("work", "ask reception")):
        row = ContactPhone.objects.get(contact=bob, label=label)
        row.raw, row.e164 = text, ""
        row.save()  # sealed as its row says (a bare update() of a sealable row is refused)

    phones = member_client.get(reverse("quality:invalid_phones")).content.decode()
    assert "Bob" in phones and "ask reception" in phones
    assert "call me at nine" not in phones and "•••" in phones
    client.force_login(admin_user)
    assert "call me at nine" in client.get(reverse("quality:invalid_phones")).content.decode()


def test_preview_shows_before_and_after_escaped(member_client, member):
    make_contact(member, given_name="<b>mario", family_name="rossi")

    response = member_client.get(reverse("quality:report"), {"action": "capitalize"})

    html = response.content.decode()
    assert "&lt;b&gt;mario" in html
    assert "&lt;B&gt;Mario" in html
    assert "<b>mario" not in html
    assert "Apply to 1 record" in html


def test_applying_starts_a_job_and_undo_is_offered_on_its_page(member_client, member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")

    response = member_client.post(reverse("quality:clean"), {"action": "capitalize"})

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job_run(job.pk)
    assert Contact.objects.get(pk=mario.pk).display_name == "Mario Rossi"
    page = member_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Undo this cleaning" in page
    assert reverse("quality:undo", args=[job.pk]) in page

    response = member_client.post(reverse("quality:undo", args=[job.pk]))

    undo_job = Job.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("jobs:detail", args=[undo_job.pk])
    job_run(undo_job.pk)
    assert Contact.objects.get(pk=mario.pk).display_name == "MARIO ROSSI"
    page = member_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Undo this cleaning" not in page


def test_viewer_sees_the_report_but_cannot_clean(client, viewer, member):
    mario = make_contact(member, given_name="MARIO", family_name="ROSSI")
    before = snapshot(mario)
    client.force_login(viewer)

    page = client.get(reverse("quality:report"), {"action": "capitalize"})
    post = client.post(reverse("quality:clean"), {"action": "capitalize"})

    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("quality:clean") not in html
    assert "Apply to" not in html
    assert post.status_code == 403
    assert Job.objects.count() == 0
    assert snapshot(Contact.objects.get(pk=mario.pk)) == before


def test_viewer_cannot_undo(client, viewer, admin_user):
    make_contact(admin_user, given_name="MARIO", family_name="ROSSI")
    client.force_login(admin_user)
    client.post(reverse("quality:clean"), {"action": "capitalize"})
    job = Job.objects.get()
    job_run(job.pk)
    client.force_login(viewer)

    response = client.post(reverse("quality:undo", args=[job.pk]))

    assert response.status_code == 403
    assert Job.objects.count() == 1


def test_someone_elses_cleaning_cannot_be_undone(client, member, other_member):
    make_contact(member, given_name="MARIO", family_name="ROSSI")
    client.force_login(member)
    client.post(reverse("quality:clean"), {"action": "capitalize"})
    job = Job.objects.get()
    job_run(job.pk)
    client.force_login(other_member)

    response = client.post(reverse("quality:undo", args=[job.pk]))

    assert response.status_code == 404
    assert Job.objects.count() == 1


def test_an_unknown_action_is_refused_with_a_message(member_client):
    response = member_client.post(reverse("quality:clean"), {"action": "explode"}, follow=True)

    assert response.status_code == 200
    assert "Choose a cleaning action." in response.content.decode()
    assert Job.objects.count() == 0


def test_stale_figure_links_to_the_people_list_filtered_to_the_same_people(member_client, member):
    import datetime as dt

    from django.utils import timezone

    old = make_contact(member, given_name="Oldfellow")
    make_contact(member, given_name="Newcomer")
    Contact.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))

    html = member_client.get(reverse("quality:report"), {"months": "12"}).content.decode()

    assert '<div class="fs-4 fw-semibold" id="figure-stale">1</div>' in html
    start = html.index(reverse("contacts:list") + "?updated_to=")
    link = html[start : html.index('"', start)].replace("&amp;", "&")
    listing = member_client.get(link).content.decode()
    assert "Oldfellow" in listing
    assert "Newcomer" not in listing


def test_recent_cleanings_are_listed_on_the_page(member_client, member):
    make_contact(member, given_name="MARIO", family_name="ROSSI")
    member_client.post(reverse("quality:clean"), {"action": "capitalize"})
    job = Job.objects.get()

    html = member_client.get(reverse("quality:report")).content.decode()

    assert reverse("jobs:detail", args=[job.pk]) in html
