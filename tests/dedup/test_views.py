"""Web: the duplicate warning on the person form, and the /duplicates/ page (list, dismiss,
merge link, scan now)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.contacts.models import Contact
from rubrica.dedup.models import DuplicatePair, PairStatus
from rubrica.dedup.services import scan_start
from rubrica.jobs.models import Job
from rubrica.jobs.services import job_run
from tests.factories import make_contact
from tests.web.conftest import edit_form, person_form

pytestmark = pytest.mark.django_db
CREATE = reverse("contacts:create")
LIST = reverse("dedup:list")


def ada_form(**overrides):
    return person_form(
        given_name="Ada",
        family_name="Lovelace",
        **{"emails-0-label": "home", "emails-0-value": "ada.lovelace@gmail.com"},
        **overrides,
    )


def scan(user) -> None:
    job = scan_start(actor=user, enqueue=False)
    assert job_run(job.pk).status == "succeeded"


def test_create_form_warns_about_a_likely_duplicate_and_saves_nothing(member_client, member):
    ada = make_contact(member, emails=[{"value": "Ada.Lovelace+news@gmail.com"}])

    response = member_client.post(CREATE, ada_form())

    html = response.content.decode()
    assert response.status_code == 200
    assert Contact.objects.count() == 1
    assert "This person may already be here" in html
    assert f'href="{ada.get_absolute_url()}"' in html
    assert "Same email · Same name" in html
    assert '<input type="hidden" name="confirm_duplicates" value="1">' in html
    assert "Save anyway" in html
    assert 'value="Ada"' in html  # what was typed is kept


def test_save_anyway_creates_the_person(member_client, member):
    make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])

    response = member_client.post(CREATE, ada_form(confirm_duplicates="1"))

    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_no_warning_for_a_namesake(member_client, member):
    make_contact(member, emails=[{"value": "someone.else@example.org"}])

    response = member_client.post(CREATE, ada_form())

    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_no_warning_about_a_private_record_of_another_member(member_client, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada.lovelace@gmail.com"}])

    response = member_client.post(CREATE, ada_form())

    assert response.status_code == 302
    assert Contact.objects.count() == 2


def test_edit_form_warns_with_a_merge_link_and_changes_nothing(member_client, member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@gmail.com"}])
    grace = make_contact(member, given_name="Grace", family_name="Hopper")
    data = edit_form(
        grace,
        given_name="Ada",
        family_name="Lovelace",
        **{"emails-0-label": "", "emails-0-value": "ada.lovelace@gmail.com"},
    )

    response = member_client.post(reverse("contacts:edit", args=[grace.pk]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'href="/merges/new/?a={grace.pk}&amp;b={ada.pk}"' in html
    grace.refresh_from_db()
    assert (grace.given_name, grace.version) == ("Grace", 1)

    response = member_client.post(
        reverse("contacts:edit", args=[grace.pk]), {**data, "confirm_duplicates": "1"}
    )
    assert response.status_code == 302
    grace.refresh_from_db()
    assert grace.given_name == "Ada"


def test_page_lists_open_pairs_side_by_side_with_actions(member_client, member):
    ada = make_contact(
        member, emails=[{"value": "ada@example.org"}], phones=[{"value": "+39 333 1234567"}]
    )
    twin = make_contact(
        member, given_name="Lovelace", family_name="Ada", phones=[{"value": "333-123-4567"}]
    )
    scan(member)
    pair = DuplicatePair.objects.get()

    html = member_client.get(LIST).content.decode()

    assert (pair.contact_a_id, pair.contact_b_id) == (ada.pk, twin.pk)
    assert f'href="{ada.get_absolute_url()}"><bdi>Ada Lovelace</bdi></a>' in html
    assert f'href="{twin.get_absolute_url()}"><bdi>Lovelace Ada</bdi></a>' in html
    # typed without +39, the number was read in the default region: same digits, other prefix
    # The match probability, rounded down (never "100%"), its tier and the reasons, strongest
    # first (it used to be a fixed 86%).
    assert '<span class="badge text-bg-danger">99%</span>' in html
    assert '<div class="small text-body-secondary">Sure</div>' in html
    assert (
        "<li>Same phone number with another country code</li>"
        "<li>Same name with given and family names swapped</li>"
    ) in html
    assert f'href="/merges/new/?a={ada.pk}&amp;b={twin.pk}"' in html
    assert f'action="{reverse("dedup:dismiss", args=[pair.pk])}"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_page_hides_pairs_with_a_person_the_user_cannot_see(client, member, other_member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    scan(member)
    assert DuplicatePair.objects.count() == 1
    client.force_login(member)

    html = client.get(LIST).content.decode()

    assert "No possible duplicates found." in html
    assert "Ada Lovelace" not in html


def test_dismiss_marks_the_pair_and_a_new_scan_keeps_it_dismissed(member_client, member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()

    response = member_client.post(reverse("dedup:dismiss", args=[pair.pk]))

    assert response.status_code == 302
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (PairStatus.DISMISSED, member)
    scan(member)
    pair.refresh_from_db()
    assert pair.status == PairStatus.DISMISSED
    assert "No possible duplicates found." in member_client.get(LIST).content.decode()


def test_dismiss_of_an_invisible_pair_is_404_and_changes_nothing(client, member, other_member):
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    make_contact(other_member, visibility="private", emails=[{"value": "ada@example.org"}])
    scan(other_member)
    pair = DuplicatePair.objects.get()
    client.force_login(member)

    response = client.post(reverse("dedup:dismiss", args=[pair.pk]))

    assert response.status_code == 404
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_dismiss_needs_post(member_client, member):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()

    assert member_client.get(reverse("dedup:dismiss", args=[pair.pk])).status_code == 405


def test_viewer_cannot_dismiss(client, member, viewer):
    make_contact(member, emails=[{"value": "ada@example.org"}])
    make_contact(member, emails=[{"value": "ada@example.org"}])
    scan(member)
    pair = DuplicatePair.objects.get()
    client.force_login(viewer)

    html = client.get(LIST).content.decode()
    response = client.post(reverse("dedup:dismiss", args=[pair.pk]), follow=True)

    assert "Not a duplicate" not in html
    assert "You may not change both of these people." in response.content.decode()
    pair.refresh_from_db()
    assert pair.status == PairStatus.OPEN


def test_scan_now_starts_a_job_and_redirects_to_it(member_client, member):
    response = member_client.post(reverse("dedup:scan"))

    job = Job.objects.get()
    assert (job.kind, job.owner, job.status) == ("dedup_scan", member, "queued")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])


def test_nav_has_a_duplicates_entry(member_client):
    html = member_client.get(LIST).content.decode()
    assert (
        f'href="{LIST}"><i class="bi bi-intersect" aria-hidden="true"></i> Duplicates</a>' in html
    )
