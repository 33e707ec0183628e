"""The record-linkage generator's name pools (``--names faker``, ADR 0046's 1M figures): the
same seed gives the same people, the Latin-script locales draw from Faker's person data, and
the population holds far more distinct full names than with the benchmark's own lists."""

from __future__ import annotations

from bench.linkage_bench import FAKER_LOCALES, NAMES, Generator, faker_names


def _full_names(rows) -> set[tuple[str, str]]:
    return {(row.given, row.family) for row in rows if not row.cluster}


def test_faker_pools_replace_the_latin_locales_and_keep_chinese_and_persian():
    names = faker_names()
    for locale in FAKER_LOCALES:
        given, family = names[locale]
        assert len(given) > 3 * len(NAMES[locale][0])
        assert len(family) > 3 * len(NAMES[locale][1])
        assert all(name.isalpha() for name in (*given, *family))
    assert names["zh"] == NAMES["zh"]
    assert names["fa"] == NAMES["fa"]


def test_the_faker_population_is_seeded_and_more_varied():
    first = Generator(20000, 7, False, names="faker").rows()
    again = Generator(20000, 7, False, names="faker").rows()
    own = Generator(20000, 7, False).rows()
    assert [(r.given, r.family, r.birthday) for r in first] == [
        (r.given, r.family, r.birthday) for r in again
    ]
    assert len(_full_names(first)) > 1.5 * len(_full_names(own))
    latin = {row.family for row in first if row.locale == "it"}
    assert latin - set(NAMES["it"][1])  # Italian family names beyond the benchmark's 50
