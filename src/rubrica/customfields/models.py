"""Administrator-defined fields on people and organizations, stored in each record's JSON column."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Entity(models.TextChoices):
    CONTACT = "contact", _("Person")
    ORGANIZATION = "organization", _("Organization")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    LONG_TEXT = "long_text", _("Long text")
    NUMBER = "number", _("Whole number")
    DECIMAL = "decimal", _("Decimal number")
    DATE = "date", _("Date")
    BOOLEAN = "boolean", _("Yes/no")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    URL = "url", _("Web address")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")


key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,49}$",
    _("Use lower-case letters, digits and underscores, starting with a letter."),
)


class CustomFieldDefinition(models.Model):
    """The definition of one custom field. ``key`` names the value in ``custom_fields`` JSON and
    never changes once created (values are stored under it)."""

    entity = models.CharField(_("applies to"), max_length=20, choices=Entity.choices)
    key = models.CharField(_("key"), max_length=50, validators=[key_validator])
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices)
    required = models.BooleanField(_("required"), default=False)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    pattern = models.CharField(_("validation pattern"), max_length=200, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    show_in_list = models.BooleanField(_("offer as list column"), default=True)
    #: The value identifies one person or organization (a tax or membership number): the
    #: duplicate scan compares it and blocks on it (``rubrica.dedup``, see ADR 0014).
    identifying = models.BooleanField(
        _("identifying"),
        default=False,
        help_text=_("Two records with the same value are most likely the same."),
    )

    class Meta:
        ordering = ["entity", "position", "label"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key_unique")
        ]

    def __str__(self) -> str:
        return self.label
