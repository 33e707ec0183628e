"""The batched create path (``contacts_create_many``) gives the same person, history and search
document as ``contact_create`` one by one."""

from __future__ import annotations

from typing import Any

from rubrica import search
from rubrica.contacts.bulk import NewContact, contacts_create_many
from rubrica.contacts.models import Contact
from rubrica.contacts.services import contact_create, snapshot
from rubrica.history.models import HistoryEntry
from rubrica.search.models import SearchDocument

DATA: dict[str, Any] = {
    "prefix": "Dr",
    "given_name": "Zoë",
    "family_name": "Quixote",
    "nicknames": ["Zo"],
    "title": "Engineer",
    "birthday": "--04-15",
    "notes": "line one\nline two",
    "tags": ["golf", "VIP"],
    "emails": [
        {"label": "work", "value": "Zoe@Example.COM", "is_preferred": False},
        {"label": "home", "value": "zoe@home.example", "is_preferred": True},
    ],
    "phones": [{"label": "mobile", "value": "+39 347 123 4567"}],
    "addresses": [{"label": "home", "street": "Via Roma 1", "city": "Milano", "country": "Italy"}],
    "urls": [{"label": "blog", "value": "zoe.example.com"}],
    "profiles": [{"label": "WeChat", "value": "zoe_q"}],
    "visibility": "team",
}
DERIVED = ("display_name", "sort_name", "primary_email", "primary_phone", "city", "country")


def test_a_batch_created_person_equals_one_made_by_contact_create(member: Any) -> None:
    single = contact_create(actor=member, data=DATA)
    [result] = contacts_create_many(actor=member, items=[NewContact(data=dict(DATA))])
    assert result.error == ""
    batched = Contact.objects.get(pk=result.contact.pk)
    assert snapshot(batched) == snapshot(single)
    for name in (*DERIVED, "version", "owner_id", "visibility"):
        assert getattr(batched, name) == getattr(single, name), name
    entries = [
        list(
            HistoryEntry.objects.filter(object_id=c.pk).values_list("action", "version", "changes")
        )
        for c in (single, batched)
    ]
    assert entries[0] == entries[1]
    docs = [
        SearchDocument.objects.filter(record_id=c.pk, kind="contact").values(
            "name", "email", "phone", "org", "tag", "other"
        )[0]
        for c in (single, batched)
    ]
    assert docs[0] == docs[1]
    from rubrica.dedup.models import DuplicateKey

    keys = [
        set(DuplicateKey.objects.filter(contact_id=c.pk).values_list("kind", "key"))
        for c in (single, batched)
    ]
    assert keys[0] == keys[1]
    assert keys[0]
    assert {hit.pk for hit in search.query(member, "quixote")} == {single.pk, batched.pk}


def test_a_bad_item_is_reported_by_field_and_the_good_ones_are_created(member: Any) -> None:
    results = contacts_create_many(
        actor=member,
        items=[
            NewContact(data={"given_name": "Good"}),
            NewContact(data={"given_name": "Bad", "emails": [{"value": "not an email"}]}),
            NewContact(data={"notes": "no name at all"}),
        ],
    )
    assert results[0].contact is not None
    assert results[1].contact is None
    assert results[1].error == "emails.0.value: Enter a valid email address."
    assert results[2].error == "given_name: Give at least a name, an email or a phone number."
    assert list(Contact.objects.values_list("display_name", flat=True)) == ["Good"]


def test_a_uid_already_used_is_not_taken_again(member: Any) -> None:
    first = contacts_create_many(
        actor=member, items=[NewContact(data={"given_name": "A"}, uid="urn:x")]
    )
    second = contacts_create_many(
        actor=member, items=[NewContact(data={"given_name": "B"}, uid="urn:x")]
    )
    assert first[0].contact.uid == "urn:x"
    assert second[0].contact.uid != "urn:x"
    assert second[0].notes == ["UID urn:x is already used; the person got a new one."]


def _history(pk: int) -> list[tuple[str, int, Any]]:
    return list(
        HistoryEntry.objects.filter(object_id=pk, content_type__model="contact")
        .order_by("version")
        .values_list("action", "version", "changes")
    )


def test_a_batch_person_with_organization_and_custom_field_equals_the_services_path(
    admin_user: Any, member: Any
) -> None:
    from rubrica.customfields.services import definition_save
    from rubrica.organizations.models import Affiliation
    from rubrica.organizations.services import affiliation_create, organization_create
    from rubrica.search.models import SearchWord

    definition_save(
        actor=admin_user,
        data={"entity": "contact", "key": "badge", "label": "Badge", "field_type": "text"},
    )
    data = {
        **DATA,
        "owner": member.username,
        "tags": ["zeta", "Alpha", "beta"],
        "custom_fields": {"badge": "B-7"},
    }
    org = organization_create(actor=admin_user, data={"name": "Analytical Engines"})
    single = contact_create(actor=admin_user, data=data)
    affiliation_create(
        actor=admin_user,
        contact=single,
        organization=org,
        data={"department": "R&D", "title": "Chief", "is_primary": True},
    )
    words_before = set(SearchWord.objects.values_list("word", flat=True))
    SearchWord.objects.all().delete()
    [result] = contacts_create_many(
        actor=admin_user,
        items=[
            NewContact(
                data=dict(data),
                organization={"name": "analytical  engines", "department": "R&D", "title": "Chief"},
            )
        ],
    )
    assert result.error == ""
    assert result.organization_created is None
    batched = Contact.objects.get(pk=result.contact.pk)
    single = Contact.objects.get(pk=single.pk)
    assert snapshot(batched) == snapshot(single)
    assert batched.custom_fields == {"badge": "B-7"}
    for name in (*DERIVED, "version", "owner_id", "organization_id"):
        assert getattr(batched, name) == getattr(single, name), name
    affs = {a.contact_id: a for a in Affiliation.objects.filter(organization=org)}
    expected = [
        (action, version, {k.replace(str(affs[single.pk].pk), "N"): v for k, v in changes.items()})
        for action, version, changes in _history(single.pk)
    ]
    got = [
        (action, version, {k.replace(str(affs[batched.pk].pk), "N"): v for k, v in changes.items()})
        for action, version, changes in _history(batched.pk)
    ]
    for a, b in zip(got, expected, strict=True):
        assert a[:2] == b[:2]
        for k in set(a[2]) | set(b[2]):
            assert a[2].get(k) == b[2].get(k), k
    docs = [
        SearchDocument.objects.filter(record_id=c.pk, kind="contact").values(
            "name", "email", "phone", "org", "tag", "other", "body"
        )[0]
        for c in (single, batched)
    ]
    assert docs[0] == docs[1]
    assert docs[1]["tag"] == "alpha\nbeta\nzeta"
    assert set(SearchWord.objects.values_list("word", flat=True)) <= words_before
    assert {"zoe", "quixote"} <= set(SearchWord.objects.values_list("word", flat=True))
    from rubrica.dedup.models import DuplicateKey

    keys = [
        set(DuplicateKey.objects.filter(contact_id=c.pk).values_list("kind", "key", "bucket"))
        for c in (single, batched)
    ]
    assert keys[0] == keys[1]


def test_a_custom_field_defined_between_two_batches_is_validated_in_the_second(
    admin_user: Any, member: Any
) -> None:
    from rubrica.customfields.services import definition_save

    [before] = contacts_create_many(
        actor=member, items=[NewContact(data={"given_name": "A", "custom_fields": {"k": "v"}})]
    )
    assert before.error == "custom_fields.k: There is no custom field k."
    definition_save(
        actor=admin_user, data={"entity": "contact", "key": "k", "label": "K", "field_type": "text"}
    )
    [after] = contacts_create_many(
        actor=member, items=[NewContact(data={"given_name": "A", "custom_fields": {"k": "v"}})]
    )
    assert after.error == ""
    assert Contact.objects.get(pk=after.contact.pk).custom_fields == {"k": "v"}


def test_the_organization_cache_stays_bounded_and_still_reuses_organizations(
    member: Any, monkeypatch: Any
) -> None:
    from rubrica.contacts import bulk
    from rubrica.organizations.models import Organization

    monkeypatch.setattr(bulk, "CACHE_LIMIT", 2)
    caches = bulk.BatchCaches()
    names = ["Acme", "Globex", "Initech", "Acme", "Umbrella", "Globex"]
    items = [
        NewContact(data={"given_name": f"P{n}"}, organization={"name": name})
        for n, name in enumerate(names)
    ]

    results = contacts_create_many(actor=member, items=items, caches=caches)

    assert [r.error for r in results] == [""] * len(names)
    assert len(caches.organizations) <= 2
    # A name that fell out of the cache is looked up again, not created twice.
    assert sorted(Organization.objects.values_list("name", flat=True)) == [
        "Acme",
        "Globex",
        "Initech",
        "Umbrella",
    ]
    assert [r.contact.organization.name for r in results if r.contact] == names


def test_a_full_cache_forgets_the_least_recently_used_half() -> None:
    from rubrica.contacts import bulk

    cache: dict[str, Any] = {}
    for n in range(bulk.CACHE_LIMIT):
        bulk.BatchCaches.remember(cache, f"k{n}", n)
    assert bulk.BatchCaches.recall(cache, "k0") == 0  # used again: now the most recent

    bulk.BatchCaches.remember(cache, "new", -1)

    assert len(cache) == bulk.CACHE_LIMIT - bulk.CACHE_LIMIT // 2 + 1
    assert "k0" in cache and "new" in cache
    assert "k1" not in cache
    assert f"k{bulk.CACHE_LIMIT - 1}" in cache
