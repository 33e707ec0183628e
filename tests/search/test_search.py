"""rubrica.search: what each kind of text finds, hostile queries, permissions, transactions."""

from __future__ import annotations

import pytest
from django.db import transaction

from rubrica import search
from rubrica.contacts.services import contact_delete, contact_restore, contact_update
from rubrica.organizations.services import (
    affiliation_create,
    organization_delete,
    organization_restore,
    organization_update,
)
from rubrica.search.models import SearchDocument
from rubrica.search.text import fold, query_terms
from tests.factories import make_contact, make_organization

pytestmark = pytest.mark.django_db


def found(user, text, **kwargs):
    return [(hit.kind, hit.pk) for hit in search.query(user, text, **kwargs)]


def people(user, text):
    return [hit.pk for hit in search.query(user, text, kinds=("contact",))]


def test_fold_removes_accents_and_unifies_arabic_and_persian_letters():
    assert fold("Müller ÇAĞLAR") == "muller caglar"
    assert fold("علي كريمي") == fold("علی کریمی") == "علی کریمی"
    assert fold("فاطمة") == "فاطمه"
    assert fold("أحمد إبراهيم آرش") == "احمد ابراهیم ارش"


def test_query_terms_treat_a_formatted_phone_as_one_run_of_digits():
    assert query_terms("+39 (02) 1234-5678") == ["390212345678"]
    assert query_terms('"foo* -bar: (baz)') == ["foo", "bar", "baz"]


def test_finds_by_any_part_of_the_name_in_any_order(member):
    ada = make_contact(member, given_name="Ada", additional_name="King", family_name="Lovelace")
    make_contact(member, given_name="Charles", family_name="Babbage")

    assert people(member, "lovelace ada") == [ada.pk]
    assert people(member, "king") == [ada.pk]
    assert people(member, "ovela") == [ada.pk]
    assert people(member, "Ada Lovelace") == [ada.pk]


def test_accents_are_ignored_both_ways(member):
    muller = make_contact(member, given_name="Jürgen", family_name="Müller")
    noel = make_contact(member, given_name="Noel", family_name="Smith")

    assert people(member, "muller") == [muller.pk]
    assert people(member, "jurgen MÜLLER") == [muller.pk]
    assert people(member, "Noël") == [noel.pk]


def test_chinese_names_by_characters_and_pinyin(member):
    wang = make_contact(member, given_name="小明", family_name="王")
    li = make_contact(member, given_name="小红", family_name="李")

    assert people(member, "王小明") == [wang.pk]
    assert people(member, "小明") == [wang.pk]
    assert people(member, "王") == [wang.pk]
    assert people(member, "wang xiao ming") == [wang.pk]
    assert people(member, "wangxiaoming") == [wang.pk]
    assert people(member, "xiaoming") == [wang.pk]
    # A typo: nothing contains it, so the nearest names come, the nearest first.
    assert people(member, "xiaohung") == [li.pk, wang.pk]


def test_persian_names_match_across_yeh_and_kaf_variants(member):
    ali = make_contact(member, given_name="علي", family_name="كريمي")

    assert people(member, "علی کریمی") == [ali.pk]
    assert people(member, "کریمی") == [ali.pk]
    assert people(member, "علي") == [ali.pk]


def test_email_fragment_and_domain(member):
    ada = make_contact(member, emails=[{"value": "ada.lovelace@engines.example.org"}])
    make_contact(member, given_name="Bob", family_name="Other", emails=[{"value": "b@x.example"}])

    assert people(member, "lovelace@engines") == [ada.pk]
    assert people(member, "engines.example.org") == [ada.pk]
    hit = search.query(member, "engines.example")[0]
    assert (hit.pk, hit.field) == (ada.pk, "email")


def test_phone_digits_regardless_of_formatting_and_country_code(member, settings):
    settings.RUBRICA_DEFAULT_PHONE_REGION = "IT"
    ada = make_contact(member, phones=[{"value": "+39 06 1234 5678"}])
    make_contact(
        member, given_name="Bob", family_name="Other", phones=[{"value": "+1 202 555 0143"}]
    )

    assert people(member, "06 1234 5678") == [ada.pk]
    assert people(member, "0612345678") == [ada.pk]
    assert people(member, "+390612345678") == [ada.pk]
    assert people(member, "(06) 1234-5678") == [ada.pk]
    assert people(member, "5678") == [ada.pk]
    assert search.query(member, "0612345678")[0].field == "phone"


def test_company_title_city_and_tag(member):
    org = make_organization(member, name="Analytical Engines", visibility="everyone")
    ada = make_contact(
        member,
        title="Chief Programmer",
        addresses=[{"city": "Marylebone", "country": "UK"}],
        tags=["Pioneer"],
    )
    affiliation_create(actor=member, contact=ada, organization=org, data={"title": "Analyst"})

    assert people(member, "programmer") == [ada.pk]
    assert people(member, "marylebone") == [ada.pk]
    assert people(member, "pioneer") == [ada.pk]
    assert found(member, "analytical engines") == [("organization", org.pk), ("contact", ada.pk)]
    assert search.query(member, "pioneer")[0].field == "tag"


def test_organization_rename_follows_into_its_people(member):
    org = make_organization(member, name="Old Works")
    ada = make_contact(member)
    affiliation_create(actor=member, contact=ada, organization=org, data={})

    organization_update(actor=member, organization=org, data={"name": "New Foundry"})

    assert people(member, "foundry") == [ada.pk]
    assert people(member, "old works") == []


def test_exact_ranks_before_prefix_before_substring(member):
    substring = make_contact(member, given_name="Yann", family_name="Bojohn")
    prefix = make_contact(member, given_name="Johnson", family_name="Price")
    exact = make_contact(member, given_name="John", family_name="Smith")

    hits = search.query(member, "john", kinds=("contact",))

    assert [hit.pk for hit in hits] == [exact.pk, prefix.pk, substring.pk]
    assert hits[0].field == "name"
    assert hits[0].snippet[slice(*hits[0].highlight)] == "john"


def test_name_match_ranks_before_notes_match(member):
    in_notes = make_contact(member, given_name="Aaron", family_name="Notes", notes="Met Turing")
    in_name = make_contact(member, given_name="Alan", family_name="Turing")

    assert people(member, "turing") == [in_name.pk, in_notes.pk]


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        "*",
        "-",
        ":",
        "(",
        ")",
        "NEAR",
        "AND",
        "OR NOT",
        "a AND (b OR c)",
        'ada" OR "1"="1',
        "name:ada",
        "NEAR(ada lovelace, 2)",
        "^ada",
        "\x00",
        "ada\x00lovelace",
        "@",
        "@@",
        "",
        "   ",
        "a",
        "x" * 10_000,
        "ada " * 2_500,
    ],
)
def test_hostile_queries_never_raise(member, text):
    make_contact(member)

    hits = search.query(member, text)

    assert isinstance(hits, list)


def test_one_and_two_characters_match_word_starts(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    make_contact(member, given_name="Charles", family_name="Babbage")

    assert people(member, "lo") == [ada.pk]
    assert people(member, "l") == [ada.pk]
    assert people(member, "ad lo") == [ada.pk]


def test_private_record_of_another_member_is_never_returned(member, other_member):
    make_contact(other_member, given_name="Secret", family_name="Agent", visibility="private")
    shared = make_contact(
        other_member, given_name="Secret", family_name="Shared", visibility="everyone"
    )

    assert people(member, "secret") == [shared.pk]
    assert len(people(other_member, "secret")) == 2


def test_index_follows_update_in_the_same_transaction(member):
    ada = make_contact(member)

    contact_update(actor=member, contact=ada, data={"family_name": "Byron"})

    assert people(member, "byron") == [ada.pk]
    assert people(member, "lovelace") == []


def test_rolled_back_update_leaves_the_old_text_searchable(member):
    ada = make_contact(member)

    with pytest.raises(RuntimeError), transaction.atomic():
        contact_update(actor=member, contact=ada, data={"family_name": "Byron"})
        assert people(member, "byron") == [ada.pk]
        raise RuntimeError

    assert people(member, "lovelace") == [ada.pk]
    assert people(member, "byron") == []


def test_deleted_records_leave_the_index_and_come_back_on_restore(member):
    ada = make_contact(member)
    org = make_organization(member, name="Difference Engines")

    contact_delete(actor=member, contact=ada)
    organization_delete(actor=member, organization=org)

    assert found(member, "lovelace") == []
    assert found(member, "difference") == []
    contact_restore(actor=member, contact=ada)
    organization_restore(actor=member, organization=org)
    assert people(member, "lovelace") == [ada.pk]
    assert found(member, "difference") == [("organization", org.pk)]


def test_reindex_rebuilds_from_scratch(member):
    ada = make_contact(member)
    org = make_organization(member, name="Difference Engines")
    SearchDocument.objects.all().delete()
    SearchDocument.objects.create(kind="contact", record_id=999_999, name="ghost")
    calls = []

    count = search.reindex(progress=lambda done, total: calls.append((done, total)))

    assert count == 2
    assert calls[0] == (0, 2)
    assert calls[-1] == (2, 2)
    assert found(member, "ghost") == []
    assert found(member, "lovelace") == [("contact", ada.pk)]
    assert found(member, "difference") == [("organization", org.pk)]


def test_limit_and_kinds_narrow_the_results(member):
    for index in range(5):
        make_contact(member, given_name=f"Ada{index}")
    make_organization(member, name="Ada Works")

    assert len(search.query(member, "ada", limit=3)) == 3
    assert {hit.kind for hit in search.query(member, "ada", kinds=("organization",))} == {
        "organization"
    }


def test_a_misspelled_name_is_found_after_exact_matches(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    make_contact(member, given_name="Charles", family_name="Babbage")

    hits = search.query(member, "lovleace", kinds=("contact",))

    assert [(hit.pk, hit.field, hit.snippet) for hit in hits] == [(ada.pk, "name", "lovelace")]
    assert people(member, "babage charles") == [people(member, "babbage")[0]]


def test_look_alikes_are_not_shown_when_the_name_matches(member):
    maria = make_contact(member, given_name="Maria", family_name="Rossi")
    mario = make_contact(member, given_name="Mario", family_name="Rossi")

    assert people(member, "mario") == [mario.pk]
    assert people(member, "marip") == [maria.pk, mario.pk]


def test_typo_tolerance_respects_visibility(member, other_member):
    make_contact(other_member, given_name="Ada", family_name="Lovelace", visibility="private")

    assert people(member, "lovleace") == []


def test_sqlite_fts_indexes_stay_consistent_with_the_documents(member):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("FTS5 tables exist on SQLite only")
    ada = make_contact(member, emails=[{"value": "ada@example.org"}])
    contact_update(actor=member, contact=ada, data={"family_name": "Byron", "tags": ["Poet"]})
    contact_delete(actor=member, contact=ada)
    contact_restore(actor=member, contact=ada)
    search.reindex()

    with connection.cursor() as cursor:
        for table in ("search_fts_trigram", "search_fts_word"):
            # Raises (SQLITE_CORRUPT_VTAB) when the index and the documents disagree.
            cursor.execute(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)")  # noqa: S608
    assert people(member, "byron") == [ada.pk]
