"""The search index: one row per searchable record, holding normalised text per field group.

Only ``rubrica.search`` writes these rows, inside the transaction of the service that changed the
record, so the index never disagrees with committed data. On SQLite two FTS5 tables (trigram for
substrings, unicode61 for 1–2 character word prefixes) index these columns as external content,
kept in step by triggers (see migration 0001); on PostgreSQL a pg_trgm GIN index covers ``body``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Field groups in ranking order: a match in an earlier group ranks higher.
FIELDS = ("name", "email", "phone", "org", "tag", "other")


class Kind(models.TextChoices):
    CONTACT = "contact", _("person")
    ORGANIZATION = "organization", _("organization")


class SearchDocument(models.Model):
    """Normalised text of one contact or organization. Invariant: at most one row per (kind,
    record_id); records in the Trash have no row."""

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    record_id = models.BigIntegerField(_("record id"))
    name = models.TextField(_("names"), blank=True)
    email = models.TextField(_("emails"), blank=True)
    phone = models.TextField(_("phones"), blank=True)
    org = models.TextField(_("organization, title, place"), blank=True)
    tag = models.TextField(_("tags"), blank=True)
    other = models.TextField(_("notes and custom fields"), blank=True)
    #: All groups joined; filled on PostgreSQL only (its trigram index), empty on SQLite.
    body = models.TextField(_("all text"), blank=True)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="search_document_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.record_id}"


class SearchWord(models.Model):
    """One word of the indexed names: the vocabulary a misspelled term is corrected against,
    so that the typo-tolerant pass compares the term with the distinct words (thousands) rather
    than with every document (a million). Invariant: every word of every document's ``name``
    (split by ``rubrica.search.engine.name_words``) has a row. Rows are only added as documents
    are written (a word nobody bears any more finds no document, which costs nothing);
    ``reindex`` rebuilds the table from scratch."""

    word = models.CharField(_("word"), max_length=100)

    class Meta:
        verbose_name = _("search word")
        verbose_name_plural = _("search words")
        constraints = [models.UniqueConstraint(fields=["word"], name="search_word_unique")]

    def __str__(self) -> str:
        return self.word
