from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    name = "rubrica.segments"
    label = "segments"

    def ready(self) -> None:
        _register_list_scopes()
        _register_grant_entity()


def _register_list_scopes() -> None:
    """The people list narrowed to a saved segment (``?segment=ID``), its banner and its bulk
    actions ("Add to segment…", "Remove from this segment"); the people API answers its
    ``?segment=`` from the same entry."""
    from rubrica.contacts.models import Contact
    from rubrica.kits.web.list_scopes import ListScope, register_list_scope
    from rubrica.segments import selectors, views

    register_list_scope(
        ListScope(
            model=Contact,
            param="segment",
            resolve=selectors.segment_from_param,
            page=selectors.segment_page,
            context=selectors.people_list_context,
            banner_template="segments/_people_banner.html",
            bulk_options_template="segments/_bulk_options.html",
            bulk_fields_template="segments/_bulk_fields.html",
            bulk_actions=("segment_add", "segment_remove"),
            bulk=views.bulk_members,
        )
    )


def _register_grant_entity() -> None:
    """Roles grant actions on segments under the key "segments" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            "segments",
            _("Segments"),
            (Action.VIEW, Action.ADD, Action.CHANGE, Action.DELETE),
            position=70,
        )
    )
