"""Logging in and out, and that every page asks for a login first."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, make_contact, make_organization

pytestmark = pytest.mark.django_db


def _urls(contact, organization) -> list[str]:
    return [
        reverse("home"),
        reverse("contacts:list"),
        reverse("contacts:create"),
        reverse("contacts:detail", args=[contact.pk]),
        reverse("contacts:edit", args=[contact.pk]),
        reverse("contacts:delete", args=[contact.pk]),
        reverse("contacts:photo", args=[contact.pk]),
        reverse("contacts:affiliation_add", args=[contact.pk]),
        reverse("organizations:list"),
        reverse("organizations:create"),
        reverse("organizations:detail", args=[organization.pk]),
        reverse("organizations:edit", args=[organization.pk]),
        reverse("organizations:delete", args=[organization.pk]),
        reverse("organizations:suggest"),
        reverse("history:contact", args=[contact.pk]),
        reverse("history:organization", args=[organization.pk]),
        reverse("trash"),
    ]


def test_every_page_redirects_anonymous_visitors_to_the_login_page(client, member):
    contact = make_contact(member)
    organization = make_organization(member)

    for url in _urls(contact, organization):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{reverse('login')}?next={url}", url


def test_posts_from_anonymous_visitors_change_nothing(client, member):
    contact = make_contact(member)
    posts = [
        reverse("contacts:delete", args=[contact.pk]),
        reverse("contacts:bulk"),
        reverse("contacts:restore", args=[contact.pk]),
        reverse("history:contact_revert", args=[contact.pk]),
    ]
    for url in posts:
        response = client.post(url, {"selected": [contact.pk], "action": "delete"})
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login"))
    contact.refresh_from_db()
    assert contact.deleted_at is None


def test_login_page_logs_in_and_goes_to_the_people_list(client, member):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'name="username"' in page.content

    response = client.post(reverse("login"), {"username": "member", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")  # which sends to the user's home page
    assert client.get(reverse("home"))["Location"] == reverse("contacts:list")
    assert client.get(reverse("contacts:list")).status_code == 200


def test_wrong_password_shows_an_error_and_does_not_log_in(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "wrong"})

    assert response.status_code == 200
    assert b"alert-danger" in response.content
    assert client.get(reverse("contacts:list")).status_code == 302


def test_logout_needs_a_post_and_ends_the_session(member_client):
    assert member_client.get(reverse("logout")).status_code == 405

    response = member_client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert member_client.get(reverse("contacts:list")).status_code == 302


def test_csrf_is_enforced_on_posts(member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    contact = make_contact(member)

    response = client.post(reverse("contacts:delete", args=[contact.pk]))

    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.deleted_at is None
