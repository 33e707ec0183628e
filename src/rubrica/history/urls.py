"""Two pages per kind a domain registered (``history.registry``): the history of a record at
``<url_prefix>/<pk>/`` (name ``<key>``) and "Restore this value" at ``.../restore/``
(name ``<key>_revert``). Built when the URLconf is first loaded, after every ready() ran."""

from django.urls import URLPattern, path

from rubrica.history import views
from rubrica.history.registry import history_kinds

app_name = "history"


def history_urlpatterns() -> list[URLPattern]:
    """The pages of every kind registered now, in registration order."""
    patterns = []
    for kind in history_kinds():
        patterns += [
            path(
                f"{kind.url_prefix}/<int:pk>/",
                views.history_view,
                {"kind": kind.key},
                name=kind.key,
            ),
            path(
                f"{kind.url_prefix}/<int:pk>/restore/",
                views.revert_view,
                {"kind": kind.key},
                name=f"{kind.key}_revert",
            ),
        ]
    return patterns


urlpatterns = history_urlpatterns()
