"""The pieces that keep search fast at a million people: the vocabulary the typo-tolerant pass
corrects terms against, and a bulk rebuild that sets the engine's indexes aside and puts them
back."""

from __future__ import annotations

import pytest
from django.db import connection

from rubrica import search
from rubrica.contacts.services import contact_update
from rubrica.search.models import SearchWord
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def words() -> set[str]:
    return set(SearchWord.objects.values_list("word", flat=True))


def people(user, text):
    return [hit.pk for hit in search.query(user, text, kinds=("contact",))]


def test_the_vocabulary_holds_the_words_of_indexed_names(member):
    make_contact(member, given_name="Ada", family_name="De Morgan", nicknames=["Enchantress"])
    make_contact(member, given_name="小明", family_name="王")

    assert {"ada", "morgan", "enchantress", "wang", "xiao", "ming", "wangxiaoming"} <= words()
    assert "de" not in words()  # too short to be within a typo of a 4+ letter term


def test_a_new_name_is_found_misspelled_right_after_it_is_saved(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")

    contact_update(actor=member, contact=ada, data={"family_name": "Byronson"})

    assert "byronson" in words()
    assert people(member, "bryonson") == [ada.pk]


def test_reindex_rebuilds_the_vocabulary_from_the_documents(member):
    make_contact(member, given_name="Ada", family_name="Lovelace")
    SearchWord.objects.create(word="nobodysname")

    search.reindex()

    assert "nobodysname" not in words()
    assert {"ada", "lovelace"} <= words()


def test_after_a_reindex_the_index_keeps_following_the_records(member):
    ada = make_contact(member, given_name="Ada", family_name="Lovelace")
    search.reindex()

    contact_update(actor=member, contact=ada, data={"family_name": "Byron"})
    babbage = make_contact(member, given_name="Charles", family_name="Babbage")

    assert people(member, "byron") == [ada.pk]
    assert people(member, "lovelace") == []
    assert people(member, "babbage") == [babbage.pk]
    assert people(member, "babbbage") == [babbage.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name = 'search_searchdocument' ORDER BY name"
            )
            assert [row[0] for row in cursor.fetchall()] == [
                f"{table}_{suffix}"
                for table in ("search_fts_trigram", "search_fts_word")
                for suffix in ("ad", "ai", "au")
            ]
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = 'search_searchdocument'"
                " AND indexname = 'search_document_body_trgm'"
            )
            assert cursor.fetchall() == [("search_document_body_trgm",)]


def test_two_edits_in_a_five_letter_name_still_find_the_person(member):
    # "rasxi" shares no trigram with "rossi": the candidates of the same first letter and about
    # the same length bring it to rapidfuzz.
    rossi = make_contact(member, given_name="Anna", family_name="Rossi")
    make_contact(member, given_name="Luca", family_name="Bianchi")

    assert people(member, "rasxi") == [rossi.pk]
    assert people(member, "rsosi") == [rossi.pk]  # a swap of neighbours is one edit
    assert people(member, "anan rasxi") == [rossi.pk]
    assert people(member, "raxxu") == []  # three edits


def test_a_four_letter_term_allows_one_edit_only(member):
    ross = make_contact(member, given_name="Diana", family_name="Ross")

    assert people(member, "rsos") == [ross.pk]
    assert people(member, "raxs") == []  # two edits from "ross"


def test_the_nearest_correction_ranks_first(member):
    near = make_contact(member, given_name="Anna", family_name="Rossi")
    far = make_contact(member, given_name="Anna", family_name="Rizzi")

    hits = people(member, "rozsi")  # one edit from rossi, two from rizzi

    assert hits == [near.pk, far.pk]


def test_a_letter_dropped_from_a_five_letter_name_allows_two_edits(member):
    conti = make_contact(member, given_name="Marco", family_name="Conti")

    assert people(member, "cnot") == [conti.pk]  # "conti": a swap and a dropped letter


def test_particles_and_apostrophes_do_not_stop_the_typo_pass(member):
    santis = make_contact(member, given_name="Anna", family_name="De Santis")
    angelo = make_contact(member, given_name="Rita", family_name="D'Angelo")
    brien = make_contact(member, given_name="Sean", family_name="O'Brien")
    make_contact(member, given_name="Lia", family_name="Santis")

    assert people(member, "de sanits")[0] == santis.pk  # "de" ranks De Santis first
    assert people(member, "d'aneglo") == [angelo.pk]
    assert people(member, "o'brein") == [brien.pk]
    assert santis.pk in people(member, "di sanits")  # a misspelt particle is not required


def _crowd(monkeypatch, start: str) -> None:
    """100 vocabulary words starting with ``start``, and room for only 50 candidates."""
    from rubrica.search import engine

    monkeypatch.setattr(engine, "FUZZY_CANDIDATE_WORDS", 50)
    SearchWord.objects.bulk_create(
        [SearchWord(word=f"{start}{a}{b}i") for a in "bcdfghjklm" for b in "bcdfghjklm"]
    )


def test_a_large_vocabulary_of_the_same_first_letter_does_not_hide_the_correction(
    member, monkeypatch
):
    # Many words start with "r" before "rossi" in alphabetical order; candidates are taken by
    # two-letter starts ("rs" and "ro" for "rsosi"), not by the first letter alone.
    _crowd(monkeypatch, "ra")
    rossi = make_contact(member, given_name="Anna", family_name="Rossi")

    assert people(member, "rsosi") == [rossi.pk]
    assert people(member, "rxossi") == [rossi.pk]
    assert people(member, "rosxi") == [rossi.pk]


def test_word_prefixes():
    from rubrica.search.backends import word_prefixes

    assert word_prefixes("rossi") == ["ros", "rso", "rs", "ro", "r"]
    assert word_prefixes("ab") == ["a"]
    assert word_prefixes("aaa") == ["aaa", "aa", "a"]


def test_each_name_word_is_held_to_its_own_edit_allowance(member):
    # "mara" is two edits from "gala" (four letters: one allowed) and from "marina" (six
    # letters: two allowed); the person is found through "marina".
    marina = make_contact(member, given_name="Marina", family_name="Gala")

    assert people(member, "mara") == [marina.pk]


def test_a_crowded_two_letter_start_does_not_hide_the_correction(member, monkeypatch):
    _crowd(monkeypatch, "ro")
    rossi = make_contact(member, given_name="Anna", family_name="Rossi")

    assert people(member, "rsosi") == [rossi.pk]
    assert people(member, "rossu") == [rossi.pk]
