"""Import jobs: store an upload, preview it, run it in checkpointed batches, report, revert.

Flow (web, API and CLI alike), one module per stage:

1. ``uploads``: ``store_upload`` keeps the file in private storage, ``detect_format`` recognises
   it, ``import_preview`` reads the first records through the same reader the job will use.
2. ``services``: ``import_start`` creates the job (kind ``import``); ``import_revert`` starts a
   job (kind ``import_revert``) that undoes what the import did.
3. ``runner``: ``run_import``, the import's runner (``dataio.pipeline`` reads ahead for it);
   ``revert``: ``run_import_revert``, the revert's runner. Both kinds are registered with the
   jobs engine in ``dataio.apps``.
4. ``report``: the per-record outcomes, counted and as CSV.
"""
