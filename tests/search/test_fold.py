"""Folding has a fast path for printable ASCII and a cache for short text; both must give what
the full Unicode path gives, or indexed text and typed queries would disagree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from rubrica.search.text import _fold, fold


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_the_ascii_fast_path_folds_like_the_full_path(text):
    assert fold(text) == _fold(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=100))
def test_cached_and_long_text_fold_like_the_full_path(text):
    assert fold(text) == _fold(text)
    assert fold(text) == _fold(text)  # the second call may come from the cache


def test_examples():
    assert fold("  Ada\u00a0LOVELACE ") == "ada lovelace"
    assert fold("MÜLLER") == "muller"
    assert fold("Straße") == "strasse"
    assert fold("a\tb\x7fc") == "a b c"
    assert fold("علي") == fold("علی")
