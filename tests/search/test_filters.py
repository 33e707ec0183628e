"""Filters of the search results (tag, owner, stage, has_email, has_phone): on the page, the API
and the CLI, narrowing before matching, never widening what restrict() lets a person see."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from rubrica import search
from rubrica.search import engine, filters
from rubrica.taxonomy.models import LifecycleStage, Tag
from tests.api.conftest import bearer
from tests.factories import make_contact, make_organization
from tests.search.results import api_ids, shown, urls

pytestmark = pytest.mark.django_db

RESULTS = reverse("search:results")
API = "/api/v1/search"


def api_errors(response) -> dict[str, str]:
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["errors"]


@pytest.fixture
def records(member, other_member):
    """Everyone matches "falco"; each differs in one filter."""
    return {
        "vip": make_contact(
            member,
            given_name="Ada",
            family_name="Falco",
            tags=["vip"],
            stage="Customer",
            emails=[{"value": "ada@example.org"}],
        ),
        "plain": make_contact(member, given_name="Bea", family_name="Falco", stage="Lead"),
        "others": make_contact(
            other_member,
            given_name="Cleo",
            family_name="Falco",
            tags=["vip"],
            phones=[{"value": "+39 02 1234 5678"}],
        ),
        "hidden": make_contact(
            other_member,
            given_name="Dora",
            family_name="Falco",
            tags=["vip"],
            stage="Customer",
            visibility="private",
        ),
        "org_vip": make_organization(member, name="Falco Vip Srl", tags=["vip"]),
        "org_plain": make_organization(other_member, name="Falco Plain Spa"),
    }


# The page -----------------------------------------------------------------------------------


def test_tag_filter_narrows_people_and_organizations(member_client, member, records):
    vip = Tag.objects.get(name="vip")

    response = member_client.get(RESULTS, {"q": "falco", "tag": vip.pk})

    assert shown(response) == urls(records["vip"], records["others"], records["org_vip"])
    gia = make_contact(member, given_name="Gia", family_name="Falco", tags=["new"])
    new = Tag.objects.get(name="new")
    either = member_client.get(RESULTS, {"q": "falco", "tag": f"{vip.pk},{new.pk}"})
    assert shown(either) == urls(records["vip"], records["others"], gia, records["org_vip"])


def test_stage_filter_keeps_people_at_that_stage_and_no_organizations(member_client, records):
    customer = LifecycleStage.objects.get(name="Customer")

    response = member_client.get(RESULTS, {"q": "falco", "stage": customer.pk})

    assert shown(response) == urls(records["vip"])
    assert 'id="search-organizations"' not in response.content.decode()
    only_orgs = member_client.get(
        RESULTS, {"q": "falco", "stage": customer.pk, "kind": "organization"}
    )
    assert shown(only_orgs) == []
    assert "with these filters" in only_orgs.content.decode()


def test_owner_filter_and_me(member_client, member, other_member, records):
    mine = member_client.get(RESULTS, {"q": "falco", "owner": member.pk})
    assert shown(mine) == urls(records["vip"], records["plain"], records["org_vip"])

    theirs = member_client.get(RESULTS, {"q": "falco", "owner": other_member.pk})
    # Dora is theirs too, but private: the filter never widens what the member may see
    assert shown(theirs) == urls(records["others"], records["org_plain"])

    html = member_client.get(RESULTS, {"q": "falco"}).content.decode()
    assert f'<option value="{member.pk}">Me</option>' in html


def test_has_email_and_has_phone(member_client, records):
    with_email = member_client.get(RESULTS, {"q": "falco", "has_email": "true"})
    assert shown(with_email) == urls(records["vip"])
    with_phone = member_client.get(RESULTS, {"q": "falco", "has_phone": "yes"})
    assert shown(with_phone) == urls(records["others"])
    without_either = member_client.get(
        RESULTS, {"q": "falco", "has_email": "false", "has_phone": "false"}
    )
    assert shown(without_either) == urls(records["plain"])


def test_filters_combine(member_client, member, records):
    vip = Tag.objects.get(name="vip")

    response = member_client.get(RESULTS, {"q": "falco", "tag": vip.pk, "owner": member.pk})

    assert shown(response) == urls(records["vip"], records["org_vip"])


def test_a_private_record_of_someone_else_stays_hidden_whatever_the_filters(
    member_client, other_member, records
):
    vip = Tag.objects.get(name="vip")
    customer = LifecycleStage.objects.get(name="Customer")

    response = member_client.get(
        RESULTS, {"q": "dora", "tag": vip.pk, "stage": customer.pk, "owner": other_member.pk}
    )

    assert shown(response) == []
    assert records["hidden"].get_absolute_url() not in response.content.decode()
    # the owner finds it with the same filters: the filter is not what hides it
    assert search.query(
        other_member,
        "dora",
        narrow=filters.parse({"tag": str(vip.pk), "stage": str(customer.pk)})[0].narrow(),
    )[0].pk == (records["hidden"].pk)


def test_bad_values_are_named_and_ignored_like_on_the_people_list(member_client, records):
    customer = LifecycleStage.objects.get(name="Customer")

    response = member_client.get(
        RESULTS, {"q": "falco", "tag": "vip", "has_email": "maybe", "stage": customer.pk}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Some filters could not be used:" in html
    assert "<strong>Tag</strong>: Use numeric ids." in html
    assert "<strong>Has an email</strong>: Use true or false." in html
    # the valid stage still applies, the bad tag and has_email do not
    assert shown(response) == urls(records["vip"])
    overflow = member_client.get(RESULTS, {"q": "falco", "owner": "9" * 30})
    assert shown(overflow) == shown(member_client.get(RESULTS, {"q": "falco"}))


def test_form_keeps_the_values_the_kind_and_offers_a_clear_link(member_client, member, records):
    vip = Tag.objects.get(name="vip")
    customer = LifecycleStage.objects.get(name="Customer")

    html = member_client.get(
        RESULTS, {"q": "falco", "kind": "contact", "tag": vip.pk, "stage": customer.pk}
    ).content.decode()

    assert f'<option value="{vip.pk}" selected>vip</option>' in html
    assert f'<option value="{customer.pk}" selected>Customer</option>' in html
    assert '<option value="contact" selected>' in html
    # one form: changing "Look in" submits the filters with it
    form = html[
        html.index('aria-label="Search people and organizations"') : html.index(
            "search-clear-filters"
        )
    ]
    assert "</form>" not in form
    assert 'name="kind"' in form and 'name="tag"' in form and 'name="stage"' in form
    assert 'id="search-clear-filters" href="/search/?q=falco&amp;kind=contact"' in html
    unfiltered = member_client.get(RESULTS, {"q": "falco"}).content.decode()
    assert 'id="search-clear-filters"' not in unfiltered


def test_tag_names_are_escaped_in_the_filter_choices(member_client, member):
    make_contact(member, given_name="Eve", tags=["<b>x</b>"])

    html = member_client.get(RESULTS, {"q": "eve"}).content.decode()

    assert "<b>x</b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;</option>" in html


def test_filtered_out_records_do_not_use_up_the_candidates(member, monkeypatch):
    for given in ("Anna", "Bruno", "Carla"):
        make_contact(member, given_name=given, family_name="Zanetti")
    tagged = make_contact(member, given_name="Dario", family_name="Zanetti", tags=["rare"])
    rare = Tag.objects.get(name="rare")
    monkeypatch.setattr(engine, "CANDIDATES", 2)
    flt, errors = filters.parse({"tag": str(rare.pk)})

    hits = search.query(member, "zanetti", narrow=flt.narrow())

    assert errors == {}
    assert [(hit.kind, hit.pk) for hit in hits] == [("contact", tagged.pk)]


def test_without_filters_query_is_unchanged(member, records):
    flt, errors = filters.parse({})

    assert errors == {} and flt.narrow() is None and not flt.active
    assert {hit.pk for hit in search.query(member, "falco", narrow=flt.narrow())} == {
        hit.pk for hit in search.query(member, "falco")
    }


# The API ------------------------------------------------------------------------------------


def test_api_filters(client, member, records):
    vip = Tag.objects.get(name="vip")
    customer = LifecycleStage.objects.get(name="Customer")
    auth = bearer(member)

    by_tag = client.get(API, {"q": "falco", "tag": vip.pk}, **auth)
    assert api_ids(by_tag) == sorted(
        [
            ("contact", records["vip"].pk),
            ("contact", records["others"].pk),
            ("organization", records["org_vip"].pk),
        ]
    )
    by_stage = client.get(API, {"q": "falco", "stage": customer.pk}, **auth)
    assert api_ids(by_stage) == [("contact", records["vip"].pk)]
    by_owner = client.get(API, {"q": "falco", "owner": member.pk, "kind": "organization"}, **auth)
    assert api_ids(by_owner) == [("organization", records["org_vip"].pk)]
    by_phone = client.get(API, {"q": "falco", "has_phone": "true"}, **auth)
    assert api_ids(by_phone) == [("contact", records["others"].pk)]


def test_api_bad_filter_values_are_422_naming_the_parameter(client, member, records):
    auth = bearer(member)

    assert api_errors(client.get(API, {"q": "falco", "tag": "vip"}, **auth)) == {
        "tag": "Use numeric ids."
    }
    assert set(api_errors(client.get(API, {"q": "falco", "stage": "1,x"}, **auth))) == {"stage"}
    assert set(api_errors(client.get(API, {"q": "falco", "owner": "-1"}, **auth))) == {"owner"}
    assert "has_email" in str(api_errors(client.get(API, {"q": "x", "has_email": "hm"}, **auth)))


# The CLI ------------------------------------------------------------------------------------


def test_cli_tag_and_stage(rubrica, admin_user):
    ada = make_contact(admin_user, given_name="Ada", family_name="Falco", tags=["vip"])
    make_contact(admin_user, given_name="Bea", family_name="Falco", stage="Lead")
    vip = Tag.objects.get(name="vip")
    lead = LifecycleStage.objects.get(name="Lead")

    code, out, _err = rubrica("search", "falco", "--tag", str(vip.pk), "--json")
    assert code == 0
    assert [hit["pk"] for hit in json.loads(out)] == [ada.pk]
    code, out, _err = rubrica("search", "falco", "--stage", str(lead.pk), "--json")
    assert code == 0
    assert [hit["display"] for hit in json.loads(out)] == ["Bea Falco"]
    code, _out, err = rubrica("search", "falco", "--tag", "vip")
    assert code == 2
    assert "tag: Use numeric ids." in err
