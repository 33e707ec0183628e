"""The data-quality figures: exact on a small data set, and only over what the person may see.

Services never store an unreadable phone, an invalid email or untrimmed text; such values come
from outside (old databases, bulk loads). Tests put them in place with ``queryset.update`` to
stand for that data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Q
from django.utils import timezone

from rubrica.contacts.models import Contact, ContactEmail, ContactPhone
from rubrica.dedup.selectors import open_pair_count
from rubrica.organizations.services import affiliation_create
from rubrica.quality.selectors import (
    _people_fields,
    completeness,
    invalid_phone_people,
    parse_months,
    quality_report,
    stale_cutoff,
)
from rubrica.taxonomy.models import LifecycleStage
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def _figures(report):
    return {c.key: (c.count, c.total, c.percent) for c in report.people_completeness}


def test_completeness_figures_are_exact(member):
    stage = LifecycleStage.objects.first() or LifecycleStage.objects.create(name="Lead")
    make_contact(
        member,
        given_name="Ada",
        emails=[{"value": "ada@example.org"}],
        phones=[{"value": "+39 02 1234 5678"}],
        addresses=[{"city": "Milano"}],
        tags=["vip"],
        stage=stage.name,
        birthday="1815-12-10",
        title="Countess",
    )
    make_contact(member, given_name="Bob", emails=[{"value": "bob@example.org"}])
    make_contact(member, given_name="Cy")
    dora = make_contact(member, given_name="Dora")
    org = make_organization(member, name="Engines", website="https://engines.example")
    affiliation_create(actor=member, contact=dora, organization=org, data={"is_primary": True})

    report = quality_report(member)

    assert report.people == 4
    assert report.organizations == 1
    figures = _figures(report)
    assert figures["email"] == (2, 4, 50)
    assert figures["phone"] == (1, 4, 25)
    assert figures["address"] == (1, 4, 25)
    assert figures["organization"] == (1, 4, 25)
    assert figures["title"] == (1, 4, 25)
    assert figures["birthday"] == (1, 4, 25)
    assert figures["photo"] == (0, 4, 0)
    assert figures["tags"] == (1, 4, 25)
    assert figures["stage"] == (1, 4, 25)
    assert figures["team"] == (0, 4, 0)
    assert figures["owner"] == (4, 4, 100)
    orgs = {c.key: (c.count, c.total) for c in report.organization_completeness}
    assert orgs["website"] == (1, 1)
    assert orgs["phone"] == (0, 1)
    assert report.invalid_phones == 0
    assert report.invalid_emails == 0
    assert report.stale_people == 0


def test_completeness_of_every_field_is_one_query(member, django_assert_num_queries):
    make_contact(member)
    qs = Contact.objects.restrict(member, "view")
    with django_assert_num_queries(1):
        figures, extra = completeness(qs, _people_fields(), {"stale": Q(pk__gt=0)})
    assert figures[0].total == 1
    assert extra == {"total": 1, "stale": 1}


def test_private_people_of_another_member_are_not_counted(member, other_member):
    make_contact(member, given_name="Mine", emails=[{"value": "mine@example.org"}])
    make_contact(other_member, given_name="Shared", visibility="everyone")
    hidden = make_contact(other_member, given_name="Hidden", visibility="private")
    ContactPhone.objects.create(contact=hidden, raw="garbage", e164="")
    Contact.objects.filter(pk=hidden.pk).update(updated_at=timezone.now() - dt.timedelta(days=900))

    report = quality_report(member)

    assert report.people == 2
    assert _figures(report)["email"] == (1, 2, 50)
    assert report.invalid_phones == 0
    assert report.stale_people == 0
    assert quality_report(other_member).people == 3
    assert quality_report(other_member).invalid_phones == 1


def test_unreadable_phones_are_counted_once_per_person(member):
    ada = make_contact(member, given_name="Ada", phones=[{"value": "+39 02 1234 5678"}])
    make_contact(member, given_name="Bob", phones=[{"value": "+39 02 1234 5679"}])
    ContactPhone.objects.filter(contact=ada).update(raw="call the office", e164="")
    ContactPhone.objects.create(contact=ada, raw="ask reception", e164="", position=1)

    assert quality_report(member).invalid_phones == 1
    assert list(invalid_phone_people(member)) == [ada]


@pytest.mark.parametrize(
    "bad",
    ["no-at-sign", "two@@example.org", "a@localhost", "a..b@example.org", "a b@example.org",
     "ada@example..org", ".ada@example.org", "ada@-example.org", "ada@example.org."],
)  # fmt: skip
def test_invalid_emails_are_found_with_the_services_validator(member, bad):
    ada = make_contact(member, given_name="Ada", emails=[{"value": "ada@example.org"}])
    make_contact(member, given_name="Bob", emails=[{"value": "bob@example.org"}])
    ContactEmail.objects.filter(contact=ada).update(value=bad)

    report = quality_report(member)

    assert report.invalid_emails == 1
    assert report.invalid_emails_capped is False


def test_stale_people_are_those_not_changed_for_n_months(member):
    old = make_contact(member, given_name="Old")
    make_contact(member, given_name="New")
    Contact.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=400))

    assert quality_report(member, months=12).stale_people == 1
    assert quality_report(member, months=24).stale_people == 0


def test_stale_cutoff_is_midnight_n_calendar_months_back_clamped_to_month_end():
    now = dt.datetime(2026, 3, 31, 15, 30, tzinfo=dt.UTC)
    assert stale_cutoff(1, now=now) == dt.datetime(2026, 2, 28, tzinfo=dt.UTC)
    assert stale_cutoff(12, now=now) == dt.datetime(2025, 3, 31, tzinfo=dt.UTC)
    assert stale_cutoff(3, now=now) == dt.datetime(2025, 12, 31, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("raw", "months"),
    [("6", 6), ("", 12), ("x", 12), ("0", 12), ("-3", 12), ("601", 12), (None, 12)],
)
def test_months_parameter_falls_back_to_twelve_when_unusable(raw, months):
    assert parse_months(raw) == months


def test_duplicates_figure_comes_from_the_duplicates_app(member):
    make_contact(member)
    assert quality_report(member).duplicates == open_pair_count(member)
