"""`rubrica demo`: fill an empty install with realistic people and organizations to try it out."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rubrica.accounts.cli import acting_user
from rubrica.kits.cli.base import RubricaCommand, add_acting_user_argument, invalid


class Command(RubricaCommand):
    help = gettext_lazy(
        "Create demo data through the normal services: people and organizations from Italy, "
        "China, Iran, the US, the UK, Germany and France, with affiliations, tags, stages and "
        "custom fields. The same --seed gives the same data. Does nothing if demo data exists."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--people", type=int, default=200, help=gettext_lazy("How many people. Default: 200.")
        )
        parser.add_argument(
            "--seed", type=int, default=1, help=gettext_lazy("Random seed. Default: 1.")
        )
        parser.add_argument(
            "--language",
            default="",
            help=gettext_lazy(
                "The team's language: it, zh_Hans, fa or en. Most people, the organizations, "
                "tags and custom fields are then of that language (en: an international mix). "
                "Default: your own language, else the team country's, else en."
            ),
        )
        add_acting_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        from rubrica.cli.demo import DEMO_LANGUAGES, demo_exists, demo_language, generate

        count = options["people"]
        if not 1 <= count <= 100_000:
            raise invalid("people", _("Choose a number from 1 to 100000."))
        actor = acting_user(options.get("as_user"))
        try:
            language = demo_language(options.get("language") or None, user=actor)
        except ValueError:
            raise invalid(
                "language", _("Choose one of: %(names)s.") % {"names": ", ".join(DEMO_LANGUAGES)}
            ) from None
        existing = demo_exists()
        if existing:
            self.out(
                _("Demo data is already loaded (%(n)d people); nothing was added.")
                % {"n": existing}
            )
            return
        console = self.console()
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            disable=options["verbosity"] == 0,
        ) as progress:
            task = progress.add_task(_("Creating people"), total=count)
            result = generate(
                actor=actor,
                people=count,
                seed=options["seed"],
                advance=lambda: progress.advance(task),
                language=language,
            )
        self.out(
            _(
                "Created %(people)d people, %(orgs)d organizations, %(affs)d affiliations, "
                "%(tags)d tags and %(fields)d custom fields, owned by %(owner)s."
            )
            % {
                "people": result.people,
                "orgs": result.organizations,
                "affs": result.affiliations,
                "tags": result.tags,
                "fields": result.custom_fields,
                "owner": actor.username,
            }
        )
