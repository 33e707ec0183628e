"""Editable lists: tags (coloured), lifecycle stages of people, kinds of organization."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1a2b3c."))


class Tag(models.Model):
    """A coloured label on people and organizations. Names are unique regardless of case."""

    name = models.CharField(_("name"), max_length=50)
    color = models.CharField(
        _("colour"), max_length=7, default="#6c757d", validators=[color_validator]
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        constraints = [models.UniqueConstraint(Lower("name"), name="tag_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class OrderedChoice(models.Model):
    """An entry of an editable, ordered list of choices.

    The entries Rubrica ships carry a stable ``key`` (``"no_answer"``, ``"customer"``): code that
    means a shipped entry (the quick-log's "Called — no answer") finds it by key, so renaming it
    breaks nothing. While a shipped entry keeps its shipped English name, ``label`` shows it in
    the reader's language; once an administrator renames it, their name is shown as written.
    Entries added later have an empty key."""

    #: key -> (the English name the entry ships with, its translatable label)
    shipped: ClassVar[dict[str, tuple[str, Promise]]] = {}

    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    key = models.CharField(_("key"), max_length=30, blank=True, default="", editable=False)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str:
        """The name to show: the shipped entry in the reader's language while unrenamed."""
        shipped = self.shipped.get(self.key)
        if shipped is not None and shipped[0] == self.name:
            return str(shipped[1])
        return self.name


def _keyed(name: str) -> list[models.BaseConstraint]:
    """Keys are unique where set (entries added by users have none)."""
    unique = models.UniqueConstraint(
        fields=["key"], condition=~Q(key=""), name=f"{name}_key_unique"
    )
    return [unique]


class LifecycleStage(OrderedChoice):
    """Where a person stands with us: lead, prospect, customer, VIP, former customer..."""

    shipped: ClassVar[dict[str, tuple[str, Promise]]] = {
        "lead": ("Lead", _("Lead")),
        "prospect": ("Prospect", _("Prospect")),
        "customer": ("Customer", _("Customer")),
        "vip": ("VIP", _("VIP")),
        "former_customer": ("Former customer", _("Former customer")),
    }

    class Meta(OrderedChoice.Meta):
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")
        constraints = _keyed("lifecyclestage")


class OrganizationKind(OrderedChoice):
    """What an organization is to us: customer, prospect, partner, supplier..."""

    shipped: ClassVar[dict[str, tuple[str, Promise]]] = {
        "customer": ("Customer", _("Customer")),
        "prospect": ("Prospect", _("Prospect")),
        "partner": ("Partner", _("Partner")),
        "supplier": ("Supplier", _("Supplier")),
        "distributor": ("Distributor", _("Distributor")),
        "competitor": ("Competitor", _("Competitor")),
        "other": ("Other", _("Other")),
    }

    class Meta(OrderedChoice.Meta):
        verbose_name = _("organization kind")
        verbose_name_plural = _("organization kinds")
        constraints = _keyed("organizationkind")
