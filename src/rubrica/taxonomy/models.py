"""Editable lists: tags (coloured), lifecycle stages of people, kinds of organization."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
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
    """An entry of an editable, ordered list of choices."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class LifecycleStage(OrderedChoice):
    """Where a person stands with us: lead, prospect, customer, VIP, former customer..."""

    class Meta(OrderedChoice.Meta):
        verbose_name = _("lifecycle stage")
        verbose_name_plural = _("lifecycle stages")


class OrganizationKind(OrderedChoice):
    """What an organization is to us: customer, prospect, partner, supplier..."""

    class Meta(OrderedChoice.Meta):
        verbose_name = _("organization kind")
        verbose_name_plural = _("organization kinds")
