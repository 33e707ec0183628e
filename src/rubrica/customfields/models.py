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
    #: Sensitive (ADR 0027): its values are stored encrypted (``core.sealing``) and shown only
    #: to administrators and the roles named below; no list column, filter or search text.
    sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_("Encrypted at rest; only the roles chosen below see or change it."),
    )
    #: Role keys (``accounts.selectors.role_keys``) that may read / change a sensitive value;
    #: administrators always may.
    read_roles = models.JSONField(_("roles that may read"), default=list, blank=True)
    edit_roles = models.JSONField(_("roles that may change"), default=list, blank=True)

    class Meta:
        ordering = ["entity", "position", "label"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        constraints = [
            models.UniqueConstraint(fields=["entity", "key"], name="customfield_entity_key_unique")
        ]

    def __str__(self) -> str:
        return self.label


class ProtectedField(models.Model):
    """A built-in field marked sensitive (ADR 0027): only administrators and ``read_roles`` see
    its values, only administrators and ``edit_roles`` change them. One row per field; no row
    means the field is not protected. ``field`` is one of ``customfields.protection.
    BUILTIN_FIELDS`` for its entity."""

    entity = models.CharField(_("applies to"), max_length=20, choices=Entity.choices)
    field = models.CharField(_("field"), max_length=50)
    read_roles = models.JSONField(_("roles that may read"), default=list, blank=True)
    edit_roles = models.JSONField(_("roles that may change"), default=list, blank=True)

    class Meta:
        ordering = ["entity", "field"]
        verbose_name = _("protected field")
        verbose_name_plural = _("protected fields")
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "field"], name="protectedfield_entity_field_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity}.{self.field}"
