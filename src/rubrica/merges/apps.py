from django.apps import AppConfig


class MergesConfig(AppConfig):
    name = "rubrica.merges"
    label = "merges"

    def ready(self) -> None:
        _register_dedup()


def _register_dedup() -> None:
    """What merging adds to duplicate detection (``rubrica.dedup.registry.Merging``): the exact
    duplicates a scan merges when the operator turned it on, the page that merges a pair, and
    `rubrica dedup merge|undo`."""
    from rubrica.dedup import registry
    from rubrica.merges import cli, services

    registry.register_merging(
        registry.Merging(
            auto_merge_exact=services.auto_merge_exact,
            page="merges:new",
            cli=registry.CliActions(
                names=cli.COMMANDS,
                add_subcommands=cli.add_subcommands,
                handle=cli.handle,
                examples=cli.DEDUP_EXAMPLES,
            ),
        )
    )
