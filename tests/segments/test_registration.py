"""Segments register with the apps below them from ``SegmentsConfig.ready()``."""

from __future__ import annotations

from rubrica.contacts.models import Contact
from rubrica.kits.web.list_scopes import list_scope, scopes_for
from rubrica.segments import selectors


def test_segments_answer_the_segment_parameter_of_the_people_list_page_and_api():
    scope = list_scope(Contact, "segment")

    assert [scope.param for scope in scopes_for(Contact)] == ["segment"]
    assert scope.resolve is selectors.segment_from_param
    assert scope.page is selectors.segment_page
