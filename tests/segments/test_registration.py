"""Segments register with the apps below them from ``SegmentsConfig.ready()``."""

from __future__ import annotations

from rubrica.contacts import scopes
from rubrica.segments import selectors


def test_segments_answer_the_segment_parameter_of_the_people_list():
    scope = scopes.list_scope("segment")

    assert set(scopes.list_scopes()) == {"segment"}
    assert scope.resolve is selectors.segment_from_param
    assert scope.page is selectors.segment_page
