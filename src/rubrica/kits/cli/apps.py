from django.apps import AppConfig


class CliKitConfig(AppConfig):
    """Installed so that the commands of no single app are found: `rubrica trash` (over every kind
    the domains registered in ``core.trash``), as ``kits.web`` holds the Trash page."""

    name = "rubrica.kits.cli"
    label = "cli_kit"
