from django.apps import AppConfig

#: The grant entity of imports, exports and their jobs.
IMPORTS_EXPORTS = "imports_exports"


class DataioConfig(AppConfig):
    name = "rubrica.dataio"
    label = "dataio"

    def ready(self) -> None:
        _register_jobs()
        _register_grant_entity()
        _register_scrubber()


def _register_scrubber() -> None:
    """A person's vCard extras keep no address in clear while addresses are sealed."""
    from rubrica.core import sealing
    from rubrica.dataio.vcard.mapping import scrub_sealed_forms

    if scrub_sealed_forms not in sealing.SCRUB_POLICY:
        sealing.SCRUB_POLICY.append(scrub_sealed_forms)


def _register_jobs() -> None:
    """Imports, their reverts and exports run as jobs. An import's upload is deleted once it
    succeeded, and with the job's other files once old; uploads never imported are swept."""
    from rubrica.dataio.exporting import run_export
    from rubrica.dataio.imports.revert import run_import_revert
    from rubrica.dataio.imports.runner import run_import
    from rubrica.dataio.imports.uploads import import_discard_upload, import_drafts_purge
    from rubrica.jobs.registry import FileSweeper, JobKind, register_file_sweeper, register_job_kind

    register_job_kind(
        JobKind(
            key="import",
            run=run_import,
            on_success=import_discard_upload,
            discard_private_files=import_discard_upload,
            grant_entity=IMPORTS_EXPORTS,
        )
    )
    register_job_kind(
        JobKind(key="import_revert", run=run_import_revert, grant_entity=IMPORTS_EXPORTS)
    )
    register_job_kind(
        JobKind(key="export", run=run_export, interactive=True, grant_entity=IMPORTS_EXPORTS)
    )
    register_file_sweeper(FileSweeper(key="dataio.import_drafts", sweep=import_drafts_purge))


def _register_grant_entity() -> None:
    """Roles grant actions on imports and exports under the key "imports_exports" (issue 17)."""
    from django.utils.translation import gettext_lazy as _

    from rubrica.core.policies import Action, GrantEntity, register_entity

    register_entity(
        GrantEntity(
            IMPORTS_EXPORTS,
            _("Imports and exports"),
            (Action.VIEW, Action.IMPORT, Action.EXPORT),
            position=80,
        )
    )
