"""The Custom fields link follows the grant its page asks (manage custom fields), not the
administrator flag (ADR 0033): a Manager sees it in the settings menu and on the settings page,
a Sales user does not (and the page still refuses them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "shown"), [("manager", True), ("sales", False)])
def test_the_custom_fields_link_follows_the_grant(client, admin_user, role, shown):
    client.force_login(UserFactory(username=f"u_{role}", roles=[role]))
    link = f'href="{reverse("settings:fields")}"'.encode()
    page = client.get(reverse("settings:index"))
    assert page.status_code == 200
    assert (page.content.count(link) >= 2) is shown  # the menu and the list of settings
    assert (link in page.content) is shown
    assert client.get(reverse("settings:fields")).status_code == (200 if shown else 403)
    # Users, roles and tags stay the administrators'.
    assert f'href="{reverse("settings:users")}"'.encode() not in page.content
    assert f'href="{reverse("settings:tags")}"'.encode() not in page.content
