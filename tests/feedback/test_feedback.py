"""Feedback: anyone who logged in sends it (with the page and the version); only administrators
read it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

import rubrica
from rubrica.feedback.models import Feedback
from rubrica.feedback.services import feedback_submit

pytestmark = pytest.mark.django_db


def test_submit_stores_message_page_version_and_author(member):
    item = feedback_submit(actor=member, message="  The list is too wide  ", page="/people/?q=a")

    assert (item.message, item.page, item.version, item.author) == (
        "The list is too wide",
        "/people/?q=a",
        rubrica.__version__,
        member,
    )


@pytest.mark.parametrize(
    "page", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]
)
def test_a_page_outside_the_site_is_not_kept(member, page):
    assert feedback_submit(actor=member, message="hi", page=page).page == ""


def test_a_blank_message_is_refused_and_nothing_is_stored(member):
    with pytest.raises(ValidationError) as caught:
        feedback_submit(actor=member, message="   ")

    assert "message" in caught.value.message_dict
    assert Feedback.objects.count() == 0


def test_an_inactive_user_cannot_send_feedback(member):
    member.is_active = False

    with pytest.raises(PermissionDenied):
        feedback_submit(actor=member, message="hi")
    assert Feedback.objects.count() == 0


def test_only_administrators_read_feedback(member, admin_user):
    feedback_submit(actor=member, message="hi")

    assert Feedback.objects.restrict(member, "view").count() == 0
    assert Feedback.objects.restrict(admin_user, "view").count() == 1


def test_the_form_sends_feedback_and_goes_back_to_the_page(member_client, member):
    form = member_client.get(reverse("feedback:new"), {"from": "/organizations/"})
    response = member_client.post(
        reverse("feedback:new"), {"message": "Cards on phones are great", "page": "/organizations/"}
    )

    assert 'name="page" value="/organizations/"' in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/organizations/"
    assert Feedback.objects.get().message == "Cards on phones are great"


def test_the_form_shows_the_error_of_an_empty_message(member_client):
    response = member_client.post(reverse("feedback:new"), {"message": "", "page": "/"})

    assert response.status_code == 200
    assert Feedback.objects.count() == 0


def test_the_list_is_for_administrators_only(client, member, admin_user):
    feedback_submit(actor=member, message="Persian <b>dates</b> please", page="/tasks/")

    client.force_login(member)
    denied = client.get(reverse("feedback:list"))
    client.force_login(admin_user)
    html = client.get(reverse("feedback:list")).content.decode()

    assert denied.status_code == 403
    assert "Persian &lt;b&gt;dates&lt;/b&gt; please" in html
    assert '<a href="/tasks/" dir="ltr"><bdi>/tasks/</bdi></a>' in html
    assert 'role="status">1 result</p>' in html
