"""`rubrica roles list | show KEY | grant KEY ENTITY ACTION LEVEL | assign USERNAME KEY...`: the
roles and their grants (issue 17, ADR 0025), through the same services as the settings pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts import services
from rubrica.accounts.cli import acting_user
from rubrica.accounts.models import AccessRole, User
from rubrica.core.policies import Level, grant_entities
from rubrica.kits.cli.base import (
    EXIT_CODES_HELP,
    EXIT_NOT_FOUND,
    CliError,
    HelpFormatter,
    RubricaCommand,
    add_acting_user_argument,
)


class Command(RubricaCommand):
    help = gettext_lazy(
        "Roles and their grants: list, show KEY, grant KEY ENTITY ACTION LEVEL, "
        "assign USERNAME KEY..."
    )

    def add_arguments(self, parser: Any) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

        def sub(name: str, text: Any) -> Any:
            found = actions.add_parser(
                name, help=text, formatter_class=HelpFormatter, epilog=str(EXIT_CODES_HELP)
            )
            add_acting_user_argument(found)
            return found

        listing = sub("list", gettext_lazy("List the roles, with how many users hold each."))
        listing.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        show = sub("show", gettext_lazy("Show a role's level for every entity and action."))
        show.add_argument("key", metavar="KEY")
        show.add_argument("--json", action="store_true", help=gettext_lazy("Print JSON."))
        grant = sub("grant", gettext_lazy("Set the level of one action of a role on an entity."))
        grant.add_argument("key", metavar="KEY")
        grant.add_argument("entity", metavar="ENTITY")
        grant.add_argument("grant_action", metavar="ACTION")
        grant.add_argument("level", metavar="LEVEL", help=" | ".join(Level.values))
        assign = sub("assign", gettext_lazy("Give USERNAME exactly the roles KEY..."))
        assign.add_argument("username", metavar="USERNAME")
        assign.add_argument("keys", metavar="KEY", nargs="+")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = acting_user(options.get("as_user"))
        if not actor.is_administrator:
            raise PermissionDenied(_("Only administrators can manage roles, users and teams."))
        action = options["action"]
        if action == "list":
            self._list(options["json"])
        elif action == "show":
            self._show(_role(options["key"]), options["json"])
        elif action == "grant":
            role = _role(options["key"])
            pair = (options["entity"], options["grant_action"])
            services.role_grants_set(actor=actor, role=role, levels={pair: options["level"]})
            self.out(
                _("%(role)s: %(entity)s %(action)s is now %(level)s.")
                % {
                    "role": role.key,
                    "entity": pair[0],
                    "action": pair[1],
                    "level": options["level"],
                }
            )
        else:
            user = User.objects.filter(username__iexact=options["username"]).first()
            if user is None:
                raise CliError(
                    _("no user named %(name)s") % {"name": options["username"]}, EXIT_NOT_FOUND
                )
            roles = [_role(key) for key in options["keys"]]
            services.user_roles_set(actor=actor, user=user, roles=roles)
            self.out(
                _("%(user)s holds: %(roles)s.")
                % {"user": user.username, "roles": ", ".join(sorted(r.key for r in roles))}
            )

    def _list(self, as_json: bool) -> None:
        rows = [
            {
                "key": role.key,
                "name": role.label,
                "shipped": role.shipped,
                "users": role.users.count(),
                "teams": role.teams.count(),
            }
            for role in AccessRole.objects.order_by("-shipped", "name")
        ]
        if as_json:
            self.out_json(rows)
            return
        for row in rows:
            self.out(
                _("%(key)s: %(name)s (%(users)d users, %(teams)d teams)")
                % {
                    "key": row["key"],
                    "name": row["name"],
                    "users": row["users"],
                    "teams": row["teams"],
                }
            )

    def _show(self, role: AccessRole, as_json: bool) -> None:
        levels = services.role_levels(role)
        if as_json:
            self.out_json(
                {
                    "key": role.key,
                    "name": role.label,
                    "shipped": role.shipped,
                    "grants": {
                        f"{entity}.{action}": level for (entity, action), level in levels.items()
                    },
                }
            )
            return
        self.out(f"{role.key}: {role.label}")
        for entity in grant_entities:
            cells = ", ".join(
                f"{action}={levels[(entity.key, action)]}" for action in entity.actions
            )
            self.out(f"  {entity.key}: {cells}")


def _role(key: str) -> AccessRole:
    role = AccessRole.objects.filter(key=key).first()
    if role is None:
        raise CliError(_("no role with the key %(key)s") % {"key": key}, EXIT_NOT_FOUND)
    return role
