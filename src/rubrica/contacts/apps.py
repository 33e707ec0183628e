from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "rubrica.contacts"
    label = "contacts"

    def ready(self) -> None:
        _register_jobs()


def _register_jobs() -> None:
    """The photos stashed across a duplicate warning are swept by ``rubrica jobs purge``."""
    from rubrica.contacts.photo_stash import photo_stash_sweep
    from rubrica.jobs.registry import FileSweeper, register_file_sweeper

    register_file_sweeper(FileSweeper(key="contacts.photo_stash", sweep=photo_stash_sweep))
