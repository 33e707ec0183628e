"""/api/v1/contacts: CRUD, permissions, concurrency, validation, filters and pagination."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_delete, snapshot
from rubrica.customfields.services import definition_save
from rubrica.history.models import HistoryEntry
from rubrica.organizations.services import affiliation_create
from rubrica.taxonomy.models import LifecycleStage, Tag
from tests.api.conftest import JSON
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/contacts"


def detail(contact: Contact) -> str:
    return f"{URL}/{contact.pk}"


# Create, read, update, delete, restore --------------------------------------------------------


def test_create_returns_201_with_the_record_location_and_etag(client, member, as_member):
    payload = {
        "given_name": "Grace",
        "family_name": "Hopper",
        "emails": [{"label": "work", "value": "Grace@Navy.MIL"}],
        "phones": [{"label": "mobile", "value": "+1 202 555 0143"}],
        "tags": ["vip", "navy"],
        "stage": "Customer",
    }
    response = client.post(URL, payload, content_type=JSON, **as_member)
    assert response.status_code == 201
    body = response.json()
    contact = Contact.objects.get()
    assert body["id"] == contact.pk
    assert response["Location"] == f"http://testserver/api/v1/contacts/{contact.pk}"
    assert response["ETag"] == '"1"'
    assert body["display_name"] == "Grace Hopper"
    assert body["owner"] == "member"
    assert body["stage"] == "Customer"
    assert body["tags"] == ["navy", "vip"]
    assert body["emails"] == [{"label": "work", "value": "Grace@navy.mil", "is_preferred": True}]
    assert body["phones"] == [
        {
            "label": "mobile",
            "value": "+1 202 555 0143",
            "e164": "+12025550143",
            "extension": "",
            "is_preferred": True,
        }
    ]
    assert body["photo"] is None
    assert body["version"] == 1


def test_get_returns_every_documented_field_and_a_quoted_version_etag(client, member, as_member):
    contact = make_contact(
        member,
        nicknames=["Countess"],
        addresses=[{"label": "home", "street": "12 St James's Sq", "city": "London"}],
        urls=[{"value": "example.org/ada"}],
        profiles=[{"label": "LinkedIn", "value": "ada"}],
        birthday="1815-12-10",
    )
    response = client.get(detail(contact), **as_member)
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    body = response.json()
    assert set(body) == {
        *snapshot(contact),
        "id",
        "uid",
        "version",
        "affiliations",
        "photo",
        "created_at",
        "updated_at",
        "deleted_at",
        "last_interaction_at",
        "email_consent_at",
        "email_consent_source",
        "sms_consent_at",
        "sms_consent_source",
        "consent_by_purpose",
    }
    assert body["consent_by_purpose"] == []
    assert body["uid"] == contact.uid
    assert body["nicknames"] == ["Countess"]
    assert body["birthday"] == "1815-12-10"
    assert body["addresses"][0]["city"] == "London"
    assert body["urls"] == [{"label": "", "value": "https://example.org/ada", "is_preferred": True}]
    assert body["profiles"] == [{"label": "LinkedIn", "value": "ada", "is_preferred": True}]
    assert body["deleted_at"] is None


def test_get_with_matching_if_none_match_answers_304(client, member, as_member):
    contact = make_contact(member)
    response = client.get(detail(contact), HTTP_IF_NONE_MATCH='"1"', **as_member)
    assert response.status_code == 304
    assert response["ETag"] == '"1"'


def test_patch_changes_only_the_keys_sent_and_bumps_the_etag(client, member, as_member):
    contact = make_contact(member, emails=[{"value": "ada@example.org"}], title="Analyst")
    response = client.patch(
        detail(contact), {"title": "Mathematician"}, content_type=JSON, **as_member
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body["title"] == "Mathematician"
    assert body["given_name"] == "Ada"
    assert [e["value"] for e in body["emails"]] == ["ada@example.org"]
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Mathematician", 2)


def test_patch_with_current_if_match_succeeds(client, member, as_member):
    contact = make_contact(member)
    response = client.patch(
        detail(contact), {"role": "Author"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member
    )
    assert response.status_code == 200
    assert response.json()["role"] == "Author"


def test_patch_with_if_match_star_succeeds(client, member, as_member):
    contact = make_contact(member)
    response = client.patch(
        detail(contact), {"role": "Author"}, content_type=JSON, HTTP_IF_MATCH="*", **as_member
    )
    assert response.status_code == 200


def test_patch_with_stale_if_match_answers_412_and_changes_nothing(client, member, as_member):
    contact = make_contact(member)
    client.patch(detail(contact), {"role": "Author"}, content_type=JSON, **as_member)
    response = client.patch(
        detail(contact), {"role": "Poet"}, content_type=JSON, HTTP_IF_MATCH='"1"', **as_member
    )
    assert response.status_code == 412
    assert response["Content-Type"] == "application/problem+json"
    assert response["ETag"] == '"2"'
    assert response.json()["type"] == "urn:rubrica:problem:precondition-failed"
    contact.refresh_from_db()
    assert (contact.role, contact.version) == ("Author", 2)


def test_delete_with_stale_if_match_answers_412_and_keeps_the_record(client, member, as_member):
    contact = make_contact(member)
    response = client.delete(detail(contact), HTTP_IF_MATCH='"7"', **as_member)
    assert response.status_code == 412
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_delete_moves_to_trash_and_restore_brings_back(client, member, as_member):
    contact = make_contact(member)
    response = client.delete(detail(contact), HTTP_IF_MATCH='"1"', **as_member)
    assert response.status_code == 204
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert Contact.trash.filter(pk=contact.pk).exists()
    assert client.get(detail(contact), **as_member).status_code == 404

    trash = client.get(f"{URL}/trash", **as_member).json()
    assert [item["id"] for item in trash["items"]] == [contact.pk]
    assert trash["items"][0]["deleted_at"] is not None

    restored = client.post(f"{detail(contact)}/restore", **as_member)
    assert restored.status_code == 200
    assert restored.json()["deleted_at"] is None
    assert restored["ETag"] == '"3"'
    assert Contact.objects.filter(pk=contact.pk).exists()
    assert client.get(f"{URL}/trash", **as_member).json()["items"] == []


def test_patch_of_a_contact_in_trash_answers_404(client, member, as_member):
    contact = make_contact(member)
    contact_delete(actor=member, contact=contact)
    response = client.patch(detail(contact), {"title": "X"}, content_type=JSON, **as_member)
    assert response.status_code == 404


# Permissions ---------------------------------------------------------------------------------


def test_private_record_of_another_user_is_404_on_every_method(
    client, member, other_member, as_other
):
    contact = make_contact(member, visibility="private")
    before = snapshot(contact)
    assert client.get(detail(contact), **as_other).status_code == 404
    patched = client.patch(detail(contact), {"title": "Hacked"}, content_type=JSON, **as_other)
    assert patched.status_code == 404
    assert patched["Content-Type"] == "application/problem+json"
    assert client.delete(detail(contact), **as_other).status_code == 404
    assert client.post(f"{detail(contact)}/restore", **as_other).status_code == 404
    contact.refresh_from_db()
    assert snapshot(contact) == before
    assert contact.version == 1
    assert contact.deleted_at is None
    assert client.get(URL, **as_other).json()["items"] == []


def test_private_record_in_trash_is_hidden_from_other_users(client, member, as_other):
    contact = make_contact(member, visibility="private")
    contact_delete(actor=member, contact=contact)
    assert client.get(f"{URL}/trash", **as_other).json()["items"] == []
    assert client.post(f"{detail(contact)}/restore", **as_other).status_code == 404
    assert Contact.trash.filter(pk=contact.pk).exists()


def test_viewer_can_read_but_not_write(client, member, viewer, as_viewer):
    contact = make_contact(member)
    assert client.get(detail(contact), **as_viewer).status_code == 200

    created = client.post(URL, {"given_name": "Mallory"}, content_type=JSON, **as_viewer)
    assert created.status_code == 403
    assert created.json()["type"] == "urn:rubrica:problem:permission-denied"
    assert Contact.all_objects.count() == 1

    patched = client.patch(detail(contact), {"title": "X"}, content_type=JSON, **as_viewer)
    assert patched.status_code == 403
    assert client.delete(detail(contact), **as_viewer).status_code == 403
    contact.refresh_from_db()
    assert (contact.title, contact.version, contact.deleted_at) == ("", 1, None)


def test_member_cannot_change_sharing_of_someone_elses_record(
    client, member, other_member, as_other
):
    contact = make_contact(member)
    response = client.patch(
        detail(contact), {"visibility": "private"}, content_type=JSON, **as_other
    )
    assert response.status_code == 403
    contact.refresh_from_db()
    assert contact.visibility == "everyone"


# Validation ----------------------------------------------------------------------------------


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:rubrica:problem:validation"
    assert body["status"] == 422
    return body["errors"]


def test_bad_email_names_the_item_field(client, as_member):
    payload = {"given_name": "Ada", "emails": [{"value": "not an email"}]}
    errors = errors_of(client.post(URL, payload, content_type=JSON, **as_member))
    assert set(errors) == {"emails.0.value"}
    assert Contact.all_objects.count() == 0


def test_bad_phone_names_the_item_field(client, as_member):
    payload = {"given_name": "Ada", "phones": [{"value": "+1 555"}, {"value": "call me"}]}
    errors = errors_of(client.post(URL, payload, content_type=JSON, **as_member))
    assert set(errors) == {"phones.0.value", "phones.1.value"}


def test_unknown_custom_field_is_refused(client, as_member):
    payload = {"given_name": "Ada", "custom_fields": {"shoe_size": 42}}
    errors = errors_of(client.post(URL, payload, content_type=JSON, **as_member))
    assert errors == {"custom_fields.shoe_size": "There is no custom field shoe_size."}


def test_malformed_json_is_422_naming_the_body(client, as_member):
    response = client.post(URL, '{"given_name": "Ada"', content_type=JSON, **as_member)
    assert errors_of(response) == {"body": "The request body is not valid JSON."}


def test_wrong_type_names_the_field(client, as_member):
    payload = {"given_name": 42, "tags": "vip", "emails": [{"value": "a@example.org", "x": 1}]}
    errors = errors_of(client.post(URL, payload, content_type=JSON, **as_member))
    assert errors == {
        "given_name": "Enter text.",
        "tags": "Enter a list.",
        "emails.0.x": "Unknown field.",
    }


def test_unknown_top_level_field_is_refused(client, as_member):
    errors = errors_of(
        client.post(URL, {"given_name": "Ada", "nickname": "A"}, content_type=JSON, **as_member)
    )
    assert errors == {"nickname": "Unknown field."}


def test_invalid_patch_changes_nothing(client, member, as_member):
    contact = make_contact(member, title="Analyst")
    payload = {"title": "Poet", "emails": [{"value": "bad"}]}
    errors = errors_of(client.patch(detail(contact), payload, content_type=JSON, **as_member))
    assert set(errors) == {"emails.0.value"}
    contact.refresh_from_db()
    assert (contact.title, contact.version) == ("Analyst", 1)
    assert HistoryEntry.objects.count() == 1


def test_round_trip_of_phone_output_is_accepted(client, member, as_member):
    contact = make_contact(member, phones=[{"value": "+39 06 1234 5678"}])
    phones = client.get(detail(contact), **as_member).json()["phones"]
    response = client.patch(detail(contact), {"phones": phones}, content_type=JSON, **as_member)
    assert response.status_code == 200
    assert response.json()["phones"] == phones


# Custom fields on the API write path --------------------------------------------------------


@pytest.fixture
def contact_fields(admin_user):
    definition_save(
        actor=admin_user,
        data={
            "entity": "contact",
            "key": "tier",
            "label": "Tier",
            "field_type": "choice",
            "choices": ["gold", "silver"],
            "required": True,
        },
    )
    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "seats", "label": "Seats", "field_type": "number"},
    )


def test_custom_fields_are_validated_and_stored(client, contact_fields, as_member):
    payload = {"given_name": "Ada", "custom_fields": {"tier": "gold", "seats": "12"}}
    response = client.post(URL, payload, content_type=JSON, **as_member)
    assert response.status_code == 201
    assert response.json()["custom_fields"] == {"tier": "gold", "seats": 12}


def test_custom_field_errors_name_the_key(client, contact_fields, as_member):
    payload = {"given_name": "Ada", "custom_fields": {"tier": "bronze", "seats": "many"}}
    errors = errors_of(client.post(URL, payload, content_type=JSON, **as_member))
    assert errors == {
        "custom_fields.tier": "Choose one of: gold, silver.",
        "custom_fields.seats": "Enter a whole number.",
    }
    assert Contact.all_objects.count() == 0


def test_required_custom_field_is_enforced(client, contact_fields, as_member):
    errors = errors_of(client.post(URL, {"given_name": "Ada"}, content_type=JSON, **as_member))
    assert errors == {"custom_fields.tier": "Tier is required."}


# Affiliations in the record ------------------------------------------------------------------


def test_affiliations_are_shown_only_for_visible_organizations(
    client, member, other_member, as_other
):
    contact = make_contact(member)
    shared = make_organization(member, name="Shared Ltd")
    secret = make_organization(member, name="Secret Ltd", visibility="private")
    affiliation_create(actor=member, contact=contact, organization=shared, data={"title": "CTO"})
    affiliation_create(actor=member, contact=contact, organization=secret, data={})
    body = client.get(detail(contact), **as_other).json()
    assert [(a["organization"]["name"], a["title"]) for a in body["affiliations"]] == [
        ("Shared Ltd", "CTO")
    ]


# Lists: filters and pagination --------------------------------------------------------------


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["display_name"] for item in response.json()["items"]]


def test_filters_by_stage_tag_and_has_email(client, member, as_member):
    customer = LifecycleStage.objects.get(name="Customer")
    make_contact(member, given_name="Ann", family_name="A", stage="Customer", tags=["vip"])
    make_contact(
        member,
        given_name="Bob",
        family_name="B",
        emails=[{"value": "bob@example.org"}],
        tags=["vip"],
    )
    make_contact(member, given_name="Cy", family_name="C", emails=[{"value": "cy@example.org"}])
    vip = Tag.objects.get(name="vip")
    assert names(client.get(URL, {"stage": customer.pk}, **as_member)) == ["Ann A"]
    assert names(client.get(URL, {"tag": vip.pk}, **as_member)) == ["Ann A", "Bob B"]
    assert names(client.get(URL, {"has_email": "true"}, **as_member)) == ["Bob B", "Cy C"]
    assert names(client.get(URL, {"has_email": "false"}, **as_member)) == ["Ann A"]
    combined = client.get(URL, {"tag": vip.pk, "has_email": "true"}, **as_member)
    assert names(combined) == ["Bob B"]


def test_sort_orders_the_list(client, member, as_member):
    for given in ("Bea", "Al", "Cleo"):
        make_contact(member, given_name=given, family_name="")
    assert names(client.get(URL, {"sort": "name"}, **as_member)) == ["Al", "Bea", "Cleo"]
    assert names(client.get(URL, {"sort": "-name"}, **as_member)) == ["Cleo", "Bea", "Al"]
    assert names(client.get(URL, {"sort": "-created"}, **as_member)) == ["Cleo", "Al", "Bea"]


def test_filter_errors_are_422_problems(client, as_member):
    response = client.get(URL, {"sort": "shoe", "stage": "x", "cf_nope": "1"}, **as_member)
    errors = errors_of(response)
    assert set(errors) == {"sort", "stage", "cf_nope"}


def test_limit_above_200_is_refused(client, as_member):
    assert errors_of(client.get(URL, {"limit": 201}, **as_member)) == {
        "limit": "Enter a value of at most 200."
    }


def test_bad_cursor_is_422(client, as_member):
    errors = errors_of(client.get(URL, {"cursor": "not-a-cursor"}, **as_member))
    assert errors == {"cursor": "This page link is not valid."}


def test_cursor_pagination_walks_every_record_exactly_once_both_ways(client, member, as_member):
    for index in range(7):
        make_contact(member, given_name=f"P{index:02d}", family_name="")
    seen: list[str] = []
    pages = 0
    params: dict[str, object] = {"limit": 3}
    while True:
        body = client.get(URL, params, **as_member).json()
        seen.extend(item["display_name"] for item in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            break
        params = {"limit": 3, "cursor": body["next_cursor"]}
    assert seen == [f"P{index:02d}" for index in range(7)]
    assert pages == 3

    back = client.get(URL, {"limit": 3, "cursor": body["prev_cursor"]}, **as_member).json()
    assert [item["display_name"] for item in back["items"]] == ["P03", "P04", "P05"]


def test_list_runs_the_same_number_of_queries_for_any_page_size(client, member, as_member):
    org = make_organization(member)
    for index in range(6):
        contact = make_contact(
            member,
            given_name=f"P{index}",
            emails=[{"value": f"p{index}@example.org"}],
            phones=[{"value": "+1 202 555 0100"}],
            tags=["t"],
        )
        affiliation_create(actor=member, contact=contact, organization=org, data={})

    def count(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"limit": limit}, **as_member)
        assert len(response.json()["items"]) == limit
        return len(queries)

    client.get(URL, **as_member)  # the token's first use records last_used_at once
    assert count(2) == count(6)
