"""Organizations and the affiliations that link people to them."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import (
    AddressBase,
    OwnedRecord,
    PhoneBase,
    SealedTextField,
    TimestampedModel,
)
from rubrica.core.policies import OwnedRecordPolicy, Policy

ALIVE = Q(deleted_at__isnull=True)


class OrganizationSize(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    MICRO = "1-9", _("1–9")
    SMALL = "10-49", _("10–49")
    MEDIUM = "50-249", _("50–249")
    LARGE = "250-999", _("250–999")
    ENTERPRISE = "1000+", _("1000 or more")


class Organization(OwnedRecord):
    """A company, institution or group. ``parent`` makes subsidiaries; a cycle is refused by the
    services."""

    name = models.CharField(_("name"), max_length=300)
    sort_name = models.CharField(_("sort key"), max_length=300, editable=False)
    kind = models.ForeignKey(
        "taxonomy.OrganizationKind",
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
    )
    industry = models.CharField(_("industry"), max_length=150, blank=True)
    size = models.CharField(
        _("size"), max_length=10, choices=OrganizationSize.choices, blank=True, default=""
    )
    website = models.URLField(_("website"), max_length=2000, blank=True)
    email_domains = models.JSONField(_("email domains"), default=list, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="subsidiaries",
    )
    notes = SealedTextField(_("notes"), blank=True, seal_entity="organization")
    tags = models.ManyToManyField(
        "taxonomy.Tag", verbose_name=_("tags"), related_name="organizations", blank=True
    )
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=150, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=100, blank=True, editable=False)

    #: The owner/team/visibility rule at the level the person's roles grant on "organizations".
    permission_policy: ClassVar[Policy] = OwnedRecordPolicy("organizations")

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["sort_name", "id"]
        indexes = [
            models.Index(fields=["sort_name", "id"], condition=ALIVE, name="org_sort_idx"),
            models.Index(fields=["-updated_at", "-id"], condition=ALIVE, name="org_updated_idx"),
            models.Index(fields=["-created_at", "-id"], condition=ALIVE, name="org_created_idx"),
            models.Index(fields=["kind", "sort_name", "id"], condition=ALIVE, name="org_kind_idx"),
            models.Index(Lower("name"), name="org_name_ci_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("organizations:detail", args=[self.pk])


class OrganizationPhone(PhoneBase):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="phones")

    class Meta(PhoneBase.Meta):
        verbose_name = _("phone")
        verbose_name_plural = _("phones")


class OrganizationAddress(AddressBase):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="addresses"
    )

    class Meta(AddressBase.Meta):
        verbose_name = _("address")
        verbose_name_plural = _("addresses")


class Affiliation(TimestampedModel):
    """A person's role at an organization, kept after it ends so job changes leave a history.

    Invariants: at most one primary affiliation per person (constraint); ``end_date`` is not
    before ``start_date`` (constraint)."""

    contact = models.ForeignKey(
        "contacts.Contact",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="affiliations",
    )
    title = models.CharField(_("title"), max_length=150, blank=True)
    department = models.CharField(_("department"), max_length=150, blank=True)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    is_primary = models.BooleanField(_("primary"), default=False)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-is_primary", "-start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(is_primary=True),
                name="affiliation_one_primary_per_contact",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="affiliation_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact} @ {self.organization}"
