"""Documents attached to records: a titled file with every version people uploaded.

A document belongs to exactly one record (a person, an organization or an activity; see
``attachables``) and follows it: whoever may not see the record may not see the document (404),
whoever may not change the record may not add, replace or delete its documents. A document's own
owner (who uploaded it) and visibility narrow that further: ``private`` keeps it to its owner among
those who see the record. The bytes live in the ``documents`` storage (``settings.STORAGES``) under
a generated name; the rows keep what was learnt from them (sniffed type, size, sha256) and the name
people gave the file, which is only ever shown, never used as a path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import Action, OwnedRecord
from rubrica.core.policies import OwnedRecordPolicy, Policy
from rubrica.documents.attachables import attachable_kinds

if TYPE_CHECKING:
    from rubrica.core.policies import AnyUser


class DocumentPolicy(OwnedRecordPolicy):
    """The rule of the record a document is attached to, narrowed by the document's own owner,
    team and visibility (OwnedRecordPolicy).

    - view: the user sees the record (``restrict(user, "view")`` of its kind).
    - change, delete: the user may change the record (adding a file to a person changes the
      person's file), and is not read-only.
    - add: as for any owned record (the services also ask for change on the record).
    """

    def queryset_for(self, user: AnyUser, action: str, queryset: Any) -> Any:
        queryset = super().queryset_for(user, action, queryset)
        record_action = Action.VIEW if action == Action.VIEW else Action.CHANGE
        # A correlated EXISTS per kind (a primary-key probe per document), not ``IN (SELECT ...)``:
        # the database would otherwise collect every record the user may see before listing the
        # few documents of one of them.
        follows = Q(pk__in=[])
        for kind in attachable_kinds():
            visible = kind.model.objects.restrict(user, record_action)  # type: ignore[attr-defined]
            follows |= Q(Exists(visible.filter(pk=OuterRef(kind.field))))
        return queryset.filter(follows)


class Document(OwnedRecord):
    """A titled file attached to one record, with its versions (``DocumentVersion``).

    Invariants: exactly one of the record fields is set (``documents_one_record``);
    ``current`` is the version with the highest number (set by the services); the Trash holds the
    document with all its versions, and a purge deletes their stored files.
    """

    title = models.CharField(_("title"), max_length=300)
    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    activity = models.ForeignKey(
        "activities.Activity",
        verbose_name=_("activity"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="documents",
    )
    current = models.ForeignKey(
        "documents.DocumentVersion",
        verbose_name=_("current version"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    permission_policy: ClassVar[Policy] = DocumentPolicy("documents")

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        base_manager_name = "all_objects"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(contact__isnull=False, organization__isnull=True, activity__isnull=True)
                    | Q(contact__isnull=True, organization__isnull=False, activity__isnull=True)
                    | Q(contact__isnull=True, organization__isnull=True, activity__isnull=False)
                ),
                name="documents_one_record",
            )
        ]
        indexes = [
            models.Index(fields=["contact", "-created_at", "-id"], name="documents_contact_idx"),
            models.Index(fields=["organization", "-created_at", "-id"], name="documents_org_idx"),
            models.Index(fields=["activity", "-created_at", "-id"], name="documents_activity_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        record = self.record
        return f"{record.get_absolute_url()}#document-{self.pk}" if record else "/"

    @property
    def record(self) -> Any:
        """The record the document is attached to (whichever registered field holds it)."""
        for kind in attachable_kinds():
            if getattr(self, f"{kind.field}_id", None) is not None:
                return getattr(self, kind.field)
        return None

    def download_url(self) -> str:
        return reverse("documents:download", args=[self.pk])


class DocumentVersion(models.Model):
    """One uploaded file of a document. Never changed after it is written; a new upload is a new
    version with the next number, and the old ones stay listable and downloadable.

    ``stored_name`` is the name in the ``documents`` storage, generated by the services (never
    derived from what the user sent); ``original_name`` is the user's file name, cleaned of any
    path, shown and offered as the download's name only.
    """

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    stored_name = models.CharField(_("stored as"), max_length=255, unique=True, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documents_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"

    @property
    def is_image(self) -> bool:
        from rubrica.documents.sniffing import is_previewable_image

        return is_previewable_image(self.content_type)

    @property
    def is_pdf(self) -> bool:
        return self.content_type == "application/pdf"
