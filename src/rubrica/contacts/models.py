"""People: a Contact with its emails, phones, addresses, URLs and IM/social profiles.

A few values are copied onto the contact row (``sort_name``, ``primary_email``, ``primary_phone``,
``city``, ``country``, ``organization``) so that lists can filter and sort on indexed columns at a
million rows without joins. Only ``contacts.services`` writes them, from the child rows.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from rubrica.core.models import (
    AddressBase,
    BlindIndexField,
    EmailBase,
    LabelledValue,
    OwnedRecord,
    PhoneBase,
    ScrubbedJSONField,
    SealedTextField,
    UrlBase,
)
from rubrica.core.policies import OwnedRecordPolicy, Policy

ALIVE = Q(deleted_at__isnull=True)

#: ``last_interaction_at`` of a person nobody has interacted with: the earliest time, not NULL, so
#: that the column sorts and pages by keyset the same way on SQLite and PostgreSQL (which order
#: NULLs differently) and "not contacted for N days" includes the people never contacted.
NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Gender(models.TextChoices):
    UNSPECIFIED = "", _("Not specified")
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    OTHER = "O", _("Other")
    NONE = "N", _("None or not applicable")
    UNKNOWN = "U", _("Unknown")


class ConsentState(models.TextChoices):
    """A person's answer for one channel: not asked (empty), opted in, or opted out."""

    UNKNOWN = "", _("Not asked")
    GRANTED = "granted", _("Opted in")
    WITHDRAWN = "withdrawn", _("Opted out")


class ConsentSource(models.TextChoices):
    """Where a consent answer came from."""

    NONE = "", _("None")
    FORM = "form", _("Form")
    IMPORT = "import", _("Import")
    API = "api", _("API")
    USER = "user", _("Recorded by a user")
    #: The person confirmed through the link e-mailed to them (ADR 0035).
    DOUBLE_OPT_IN = "confirmed", _("Double opt-in")


#: The channels a person can opt in to or out of: the key of each field pair.
CONSENT_CHANNELS = ("email", "sms")


class Contact(OwnedRecord):
    """A person. Invariant: ``display_name`` is never empty (derived from the name parts, an email
    or a phone when not given) and ``sort_name`` is its lower-cased family-first key."""

    prefix = models.CharField(_("prefix"), max_length=50, blank=True)
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    additional_name = models.CharField(_("additional names"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    suffix = models.CharField(_("suffix"), max_length=50, blank=True)
    display_name = models.CharField(_("display name"), max_length=300)
    sort_name = models.CharField(_("sort key"), max_length=300, editable=False)
    nicknames = models.JSONField(_("nicknames"), default=list, blank=True)
    phonetic_given_name = models.CharField(_("phonetic given name"), max_length=150, blank=True)
    phonetic_family_name = models.CharField(_("phonetic family name"), max_length=150, blank=True)
    #: Sealed at rest while marked sensitive (ADR 0051); every code is one letter.
    gender = SealedTextField(
        _("gender"),
        max_length=1,
        choices=Gender.choices,
        default=Gender.UNSPECIFIED,
        blank=True,
        seal_entity="contact",
    )
    #: ``YYYY-MM-DD`` or ``--MM-DD``; sealed at rest while marked sensitive (ADR 0051).
    birthday = SealedTextField(_("birthday"), max_length=10, blank=True, seal_entity="contact")
    anniversary = SealedTextField(
        _("anniversary"), max_length=10, blank=True, seal_entity="contact"
    )
    photo = models.ImageField(_("photo"), upload_to="photos/%Y/%m/", blank=True)
    title = models.CharField(_("job title"), max_length=150, blank=True)
    role = models.CharField(_("role"), max_length=150, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    notes = SealedTextField(_("notes"), blank=True, seal_entity="contact")
    tags = models.ManyToManyField(
        "taxonomy.Tag", verbose_name=_("tags"), related_name="contacts", blank=True
    )
    stage = models.ForeignKey(
        "taxonomy.LifecycleStage",
        verbose_name=_("lifecycle stage"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
    )
    source = models.CharField(_("source"), max_length=100, blank=True)
    vcard_extra = ScrubbedJSONField(
        _("other vCard properties"), default=list, blank=True, scrub_entity="contact"
    )

    # Consent to be written to, per channel (ADR 0032): the state, when it was given or
    # withdrawn, and where the answer came from. Only the contacts services write them.
    email_consent = models.CharField(
        _("e-mail consent"),
        max_length=10,
        choices=ConsentState.choices,
        default=ConsentState.UNKNOWN,
        blank=True,
    )
    email_consent_at = models.DateTimeField(_("e-mail consent changed"), null=True, blank=True)
    email_consent_source = models.CharField(
        _("e-mail consent source"),
        max_length=10,
        choices=ConsentSource.choices,
        default=ConsentSource.NONE,
        blank=True,
    )
    sms_consent = models.CharField(
        _("SMS consent"),
        max_length=10,
        choices=ConsentState.choices,
        default=ConsentState.UNKNOWN,
        blank=True,
    )
    sms_consent_at = models.DateTimeField(_("SMS consent changed"), null=True, blank=True)
    sms_consent_source = models.CharField(
        _("SMS consent source"),
        max_length=10,
        choices=ConsentSource.choices,
        default=ConsentSource.NONE,
        blank=True,
    )

    # Copies kept by the services for fast lists.
    primary_email = models.CharField(_("email"), max_length=254, blank=True, editable=False)
    primary_phone = models.CharField(_("phone"), max_length=32, blank=True, editable=False)
    city = models.CharField(_("city"), max_length=150, blank=True, editable=False)
    country = models.CharField(_("country"), max_length=100, blank=True, editable=False)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("organization"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    #: The latest interaction that counts (kept by the activities services), ``NEVER`` if none.
    last_interaction_at = models.DateTimeField(_("last interaction"), default=NEVER, editable=False)

    #: The owner/team/visibility rule at the level the person's roles grant on "people".
    permission_policy: ClassVar[Policy] = OwnedRecordPolicy("people")

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["sort_name", "id"]
        indexes = [
            models.Index(fields=["sort_name", "id"], condition=ALIVE, name="contact_sort_idx"),
            models.Index(
                fields=["-updated_at", "-id"], condition=ALIVE, name="contact_updated_idx"
            ),
            models.Index(
                fields=["-created_at", "-id"], condition=ALIVE, name="contact_created_idx"
            ),
            models.Index(
                fields=["stage", "sort_name", "id"], condition=ALIVE, name="contact_stage_idx"
            ),
            models.Index(
                fields=["owner", "sort_name", "id"], condition=ALIVE, name="contact_owner_idx"
            ),
            models.Index(
                fields=["country", "city", "sort_name", "id"],
                condition=ALIVE,
                name="contact_place_idx",
            ),
            models.Index(
                fields=["organization", "sort_name", "id"], condition=ALIVE, name="contact_org_idx"
            ),
            models.Index(fields=["primary_email", "id"], condition=ALIVE, name="contact_email_idx"),
            models.Index(
                fields=["last_interaction_at", "id"],
                condition=ALIVE,
                name="contact_last_interaction_idx",
            ),
            models.Index(fields=["family_name", "given_name"], name="contact_name_idx"),
            models.Index(fields=["deleted_at"], condition=~ALIVE, name="contact_trash_idx"),
        ]

    def __str__(self) -> str:
        return self.display_name

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])


class ContactEmail(EmailBase):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="emails")

    class Meta(EmailBase.Meta):
        verbose_name = _("email")
        verbose_name_plural = _("emails")


class ContactPhone(PhoneBase):
    """A person's phone. While personal phones are marked sensitive the number of a personal
    one (its label says home, personal or private) is stored sealed, as typed and as E.164,
    and ``e164_key`` holds the blind index of its E.164 form for exact lookups (ADR 0052);
    the other phones stay clear."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="phones")
    raw = SealedTextField(
        _("phone as typed"),
        max_length=64,
        seal_entity="contact",
        seal_name="personal_phones",
        per_row=True,
    )
    e164 = SealedTextField(
        _("phone (E.164)"),
        max_length=32,
        blank=True,
        db_index=True,
        seal_entity="contact",
        seal_name="personal_phones",
        per_row=True,
    )
    e164_key = BlindIndexField(_("blind index of the E.164 form"), source="e164", db_index=True)

    class Meta(PhoneBase.Meta):
        verbose_name = _("phone")
        verbose_name_plural = _("phones")


class ContactAddress(AddressBase):
    """A person's postal address. While ``addresses`` is marked sensitive the parts that place
    a home (PO box, extended address, street, postal code) are stored sealed (ADR 0048); city,
    region and country stay clear (the people list sorts and filters on the place)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="addresses")
    po_box = SealedTextField(
        _("PO box"), max_length=100, blank=True, seal_entity="contact", seal_name="addresses"
    )
    extended = SealedTextField(
        _("extended address"),
        max_length=255,
        blank=True,
        seal_entity="contact",
        seal_name="addresses",
    )
    street = SealedTextField(
        _("street"), max_length=255, blank=True, seal_entity="contact", seal_name="addresses"
    )
    postal_code = SealedTextField(
        _("postal code"), max_length=32, blank=True, seal_entity="contact", seal_name="addresses"
    )

    class Meta(AddressBase.Meta):
        verbose_name = _("address")
        verbose_name_plural = _("addresses")


class ContactUrl(UrlBase):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="urls")

    class Meta(UrlBase.Meta):
        verbose_name = _("web address")
        verbose_name_plural = _("web addresses")


class ContactProfile(LabelledValue):
    """An instant-messaging or social profile: ``label`` names the service (WeChat, LinkedIn...)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="profiles")
    value = models.CharField(_("handle or address"), max_length=300)

    class Meta(LabelledValue.Meta):
        verbose_name = _("IM or social profile")
        verbose_name_plural = _("IM and social profiles")

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"


class ConsentPurpose(models.Model):
    """What a person may be written to for beyond e-mail in general (ADR 0035): newsletter,
    marketing, event invitations... A small list administrators keep for the team. The general
    consent (``Contact.email_consent``, ``sms_consent``) is the consent with no purpose.
    Invariants: ``key`` is unique, lower-case letters, digits and dashes."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PurposeConsent(models.Model):
    """A person's answer for one purpose on one channel: opted in or out, when, from where. No
    row means not asked. Invariant: one row per (person, purpose, channel)."""

    contact = models.ForeignKey(
        Contact,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="purpose_consents",
    )
    purpose = models.ForeignKey(
        ConsentPurpose,
        verbose_name=_("purpose"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=[("email", _("E-mail")), ("sms", _("SMS"))]
    )
    state = models.CharField(_("consent"), max_length=10, choices=ConsentState.choices)
    at = models.DateTimeField(_("changed"))
    source = models.CharField(_("source"), max_length=20, choices=ConsentSource.choices, blank=True)

    class Meta:
        verbose_name = _("consent for a purpose")
        verbose_name_plural = _("consents for purposes")
        ordering = ["purpose__name", "channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "purpose", "channel"], name="purpose_consent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}: {self.purpose_id}/{self.channel}={self.state}"
