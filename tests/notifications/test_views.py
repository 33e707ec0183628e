"""The notification pages: list, navbar badge, mark read / all read, preferences."""

from __future__ import annotations

import pytest
from django.urls import reverse

from rubrica.notifications.models import Notification, NotificationPreference
from rubrica.notifications.services import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("scratch")]


def test_the_badge_counts_unread_notifications(member_client, member) -> None:
    notify(recipient=member, kind="test.ping", title="One", url="/")
    notify(recipient=member, kind="test.ping", title="Two", url="/")
    response = member_client.get(reverse("notifications:badge"))
    assert response.status_code == 200
    assert 'data-unread="2"' in response.content.decode()


def test_the_navbar_loads_the_badge(member_client) -> None:
    page = member_client.get(reverse("notifications:list")).content.decode()
    assert f'hx-get="{reverse("notifications:badge")}"' in page


def test_the_list_shows_mine_escaped(member_client, member, other_member) -> None:
    notify(recipient=member, kind="test.ping", title="<b>Call</b> Ada", url="/")
    notify(recipient=other_member, kind="test.ping", title="Secret of other", url="/")
    page = member_client.get(reverse("notifications:list")).content.decode()
    assert "&lt;b&gt;Call&lt;/b&gt; Ada" in page
    assert "Secret of other" not in page


def test_mark_read_and_open_goes_to_the_record(member_client, member) -> None:
    n = notify(recipient=member, kind="test.ping", title="A", url="/people/7/")
    assert n is not None
    response = member_client.post(reverse("notifications:read", args=[n.pk]), {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/people/7/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_open_never_leaves_the_site(member_client, member) -> None:
    n = notify(recipient=member, kind="test.ping", title="A", url="https://evil.example/")
    assert n is not None
    response = member_client.post(reverse("notifications:read", args=[n.pk]), {"open": "1"})
    assert response["Location"] == reverse("notifications:list")


def test_someone_elses_notification_is_not_found_and_stays_unread(
    member_client, other_member
) -> None:
    n = notify(recipient=other_member, kind="test.ping", title="A", url="/")
    assert n is not None
    response = member_client.post(reverse("notifications:read", args=[n.pk]))
    assert response.status_code == 404
    n.refresh_from_db()
    assert n.read_at is None


def test_mark_all_read(member_client, member) -> None:
    notify(recipient=member, kind="test.ping", title="A", url="/")
    notify(recipient=member, kind="test.ping", title="B", url="/")
    member_client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_preferences_are_saved(member_client, member) -> None:
    response = member_client.post(
        reverse("notifications:preferences"),
        {"test.ping.email": "on", "time_zone": "Europe/Rome", "digest_hour": "7"},
    )
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=member, kind="test.ping")
    assert (pref.in_app, pref.email) == (False, True)
    page = member_client.get(reverse("notifications:preferences")).content.decode()
    assert 'value="Europe/Rome"' in page


def test_a_bad_time_zone_is_refused_and_nothing_saved(member_client, member) -> None:
    response = member_client.post(
        reverse("notifications:preferences"), {"time_zone": "Nowhere/Land", "digest_hour": "7"}
    )
    assert response.status_code == 400
    assert "time zone such as" in response.content.decode()
    assert not NotificationPreference.objects.exists()
