"""Activities in the search: their text is searchable, and a hit opens the activity, which links
its people and organizations. Registered by ``rubrica.activities.apps`` (see
``rubrica.search.registry``); the engine reads them through ``Activity.objects.restrict()``, so a
private activity is found by its owner (and administrators) only."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rubrica.activities.models import Activity
from rubrica.core.filters import Params
from rubrica.search.documents import folded_lines
from rubrica.search.registry import Narrowing

KIND = "activity"
#: What activity_fields reads.
ACTIVITY_PREFETCH = ("outcome",)
#: Activities have none of the search's filters: a filter in use leaves no activities.
FILTER_KEYS: tuple[str, ...] = ()


def activity_fields(activity: Activity) -> dict[str, str]:
    """Subject as the name; text and outcome. The people's names are left out: their documents
    carry them, and a rename would leave copies here stale."""
    return {
        "name": folded_lines([activity.subject or activity.get_kind_display()]),
        "email": "",
        "phone": "",
        "org": "",
        "tag": "",
        "other": folded_lines(
            [activity.body, activity.outcome.name if activity.outcome else "", _("activity")]
        ),
    }


def parse_filters(params: Params) -> tuple[Narrowing, dict[str, str]]:
    return Narrowing(apply=lambda qs: qs, used=frozenset()), {}
