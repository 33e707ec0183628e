from django.apps import AppConfig


class DataioConfig(AppConfig):
    name = "rubrica.dataio"
    label = "dataio"

    def ready(self) -> None:
        _register_jobs()


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
        )
    )
    register_job_kind(JobKind(key="import_revert", run=run_import_revert))
    register_job_kind(JobKind(key="export", run=run_export, interactive=True))
    register_file_sweeper(FileSweeper(key="dataio.import_drafts", sweep=import_drafts_purge))
