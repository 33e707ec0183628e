"""Abstract mixins shared by every domain model, and the restrict() queryset.

A record that people own carries an owner, an optional team and a visibility. Reads that a person
can trigger start from ``Model.objects.restrict(user, action)``, which asks the model's permission
policy (``permission_policy``, see ``core.policies``); records in the Trash (``deleted_at`` set)
are hidden from every default read and only reachable through ``Model.trash``.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any, ClassVar, Self, TypeVar, cast

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from rubrica.core import sealing
from rubrica.core.policies import Action as Action
from rubrica.core.policies import OwnedRecordPolicy, Policy, policy_for
from rubrica.core.policies import Visibility as Visibility

if TYPE_CHECKING:
    from rubrica.core.policies import AnyUser


_M = TypeVar("_M", bound=models.Model)
logger = logging.getLogger(__name__)


class RestrictQuerySet(models.QuerySet[_M, _M]):
    """A queryset that can be narrowed to what a person may do: ``restrict(user, action)`` asks the
    model's permission policy (``core.policies``), so changing the rule means changing the policy,
    never the querysets."""

    def restrict(self, user: AnyUser, action: str = Action.VIEW) -> Self:
        return policy_for(self.model).queryset_for(user, action, self)


RestrictManager = models.Manager.from_queryset(RestrictQuerySet)


def _restrict_queryset(queryset: models.QuerySet[_M, _M]) -> RestrictQuerySet[_M]:
    """The queryset a RestrictManager makes, typed as such (the stubs type ``get_queryset`` of a
    manager made by ``from_queryset`` as a plain QuerySet)."""
    return cast("RestrictQuerySet[_M]", queryset)


class AliveManager(RestrictManager[_M]):
    """Records not in the Trash."""

    def get_queryset(self) -> RestrictQuerySet[_M]:
        return _restrict_queryset(super().get_queryset()).filter(deleted_at__isnull=True)


class TrashManager(RestrictManager[_M]):
    """Records in the Trash only."""

    def get_queryset(self) -> RestrictQuerySet[_M]:
        return _restrict_queryset(super().get_queryset()).filter(deleted_at__isnull=False)


def new_uid() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class OwnedRecord(TimestampedModel):
    """A record with an owner, a visibility, a Trash state, a version and custom fields.

    Invariants: ``version`` grows by one on every change made through a service, and is what
    optimistic concurrency (form hidden field, API ETag) compares; ``deleted_at`` is set only by
    the delete service and cleared only by restore.
    """

    uid = models.CharField(_("UID"), max_length=255, unique=True, default=new_uid, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.EVERYONE
    )
    custom_fields = models.JSONField(_("custom fields"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deleted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    #: Who may do what with these records (owner, team, visibility); a model may name another.
    permission_policy: ClassVar[Policy] = OwnedRecordPolicy()

    objects = AliveManager()
    trash = TrashManager()
    all_objects = RestrictManager()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    if TYPE_CHECKING:
        # Every owned record has a page of its own, defined by its model (the Trash pages link it).
        def get_absolute_url(self) -> str: ...


class LabelledValue(models.Model):
    """One of several values of a kind (an email, a phone...) with a label and a preferred flag."""

    label = models.CharField(_("label"), max_length=50, blank=True)
    is_preferred = models.BooleanField(_("preferred"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class EmailBase(LabelledValue):
    value = models.CharField(_("email"), max_length=254, db_index=True)

    class Meta(LabelledValue.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.value


class PhoneBase(LabelledValue):
    raw = models.CharField(_("phone as typed"), max_length=64)
    e164 = models.CharField(_("phone (E.164)"), max_length=32, blank=True, db_index=True)
    extension = models.CharField(_("extension"), max_length=16, blank=True)

    class Meta(LabelledValue.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.raw


class AddressBase(LabelledValue):
    po_box = models.CharField(_("PO box"), max_length=100, blank=True)
    extended = models.CharField(_("extended address"), max_length=255, blank=True)
    street = models.CharField(_("street"), max_length=255, blank=True)
    city = models.CharField(_("city"), max_length=150, blank=True)
    region = models.CharField(_("region"), max_length=150, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=32, blank=True)
    country = models.CharField(_("country"), max_length=100, blank=True)

    class Meta(LabelledValue.Meta):
        abstract = True

    def __str__(self) -> str:
        parts = [self.street, self.city, self.region, self.postal_code, self.country]
        return ", ".join(part for part in parts if part)


class UrlBase(LabelledValue):
    value = models.URLField(_("URL"), max_length=2000)

    class Meta(LabelledValue.Meta):
        abstract = True

    def __str__(self) -> str:
        return self.value


class _KeptClear(str):
    """A value of a column sealed row by row that its row's policy keeps in clear
    (``SealedTextField.value_for_row``): written as it is."""


class SealedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column whose value is sealed at rest while its field is marked sensitive
    (ADR 0034): written sealed (``core.sealing.seal_text``, bound to ``<entity>.<name>``) when
    ``sealing.must_seal(entity, name)`` says so, read back opened, so every reader in Python
    (pages, API, exports, imports that append, merges that join) sees the text. SQL on the
    column sees the sealed form: nothing filters or searches these columns, and the search
    documents leave a protected field out. ``rubrica keys rotate`` (``rubrica.keys``) seals and
    opens the stored values when the protection changes and moves them to the current key."""

    #: Tells ``core.bulk.fast_insert`` to prepare each value through this field.
    seals = True

    def __init__(
        self,
        *args: Any,
        seal_entity: str = "",
        seal_name: str = "",
        per_row: bool = False,
        **kwargs: Any,
    ) -> None:
        self.seal_entity = seal_entity
        self.seal_name = seal_name
        #: Each row decides (``sealing.must_seal_row``, asked with the row being saved): a
        #: person's phone is sealed only while it is a personal one (ADR 0052).
        self.per_row = per_row
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["seal_entity"] = self.seal_entity
        if self.seal_name:
            kwargs["seal_name"] = self.seal_name
        if self.per_row:
            kwargs["per_row"] = True
        return name, path, args, kwargs

    @property
    def protected_name(self) -> str:
        """The protected name whose marking seals this column: its own name (``notes``), or
        the collection it is a part of (``seal_name``: a postal address's street is sealed
        while ``addresses`` is, ADR 0048)."""
        return self.seal_name or self.name

    def seal_context(self) -> str:
        """What a sealed value is bound to: ``contact.notes``, ``contact.addresses.street``."""
        if self.seal_name:
            return f"{self.seal_entity}.{self.seal_name}.{self.name}"
        return f"{self.seal_entity}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not sealing.is_sealed_text(value):
            return value
        try:
            return sealing.open_text(value, self.seal_context())
        except sealing.SealError:
            logger.error("sealed %s does not open (tampered or key missing)", self.seal_context())
            return sealing.UnreadableText(gettext("(unreadable: changed or key missing)"), value)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        return self.value_for_row(model_instance, value) if self.per_row else value

    def sealing_now(self) -> bool:
        """May any row of this column be sealed now (its field is marked)? A per-row column
        seals a row only then, and only when the row policy says so too."""
        return sealing.must_seal(self.seal_entity, self.protected_name)

    def value_for_row(self, row: Any, value: Any) -> Any:
        """``value`` as ``row`` (a model instance, or ``core.bulk.fast_insert``'s stand-in)
        stores it: sealed when the row must be (``per_row`` columns; the others decide in
        ``get_db_prep_save``), else marked as decided in clear."""
        if (
            isinstance(value, str)
            and value
            and not isinstance(value, sealing.UnreadableText)
            and not sealing.is_sealed_text(value)
        ):
            if sealing.must_seal_row(self.seal_entity, self.protected_name, row):
                return sealing.seal_text(value, self.seal_context())
            return _KeptClear(value)
        return value

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if isinstance(value, sealing.UnreadableText):
            return value.raw
        if isinstance(value, _KeptClear):
            value = str(value)
        elif (
            self.per_row
            and isinstance(value, str)
            and value
            and not sealing.is_sealed_text(value)
            and self.sealing_now()
        ):
            # Without its row (``QuerySet.update``, ``bulk_update``) nobody asked whether this
            # row must be sealed: refused rather than stored in clear (ADR 0052).
            raise ValueError(
                f"{self.seal_context()} is sealed row by row: write it with save(), "
                "bulk_create() or core.bulk.fast_insert, which ask the row's policy."
            )
        if (
            not self.per_row
            and isinstance(value, str)
            and value
            and not sealing.is_sealed_text(value)
            and sealing.must_seal(self.seal_entity, self.protected_name)
        ):
            value = sealing.seal_text(value, self.seal_context())
        return super().get_db_prep_save(value, connection)


class BlindIndexField(models.CharField):  # type: ignore[type-arg]
    """A column that holds the keyed blind index of another column's value while that row is
    sealed (``SealedTextField`` with ``per_row``), and is empty otherwise: exact lookups of a
    sealed value (``<name>__in`` the blind indexes of the values sought) without storing it in
    clear (ADR 0052). Set on save from the row; whatever the row object holds is ignored."""

    #: Tells ``core.bulk.fast_insert`` to prepare each value through this field.
    seals = True
    per_row = True

    def __init__(self, *args: Any, source: str = "", **kwargs: Any) -> None:
        self.source = source
        kwargs.setdefault("max_length", 96)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", 96), ("blank", True), ("default", "")):
            if kwargs.get(key) == value:
                del kwargs[key]
        return name, path, args, kwargs

    def sealing_now(self) -> bool:
        return self.source_field(self.model).sealing_now()

    def source_field(self, model: type[models.Model]) -> SealedTextField:
        field = model._meta.get_field(self.source)
        assert isinstance(field, SealedTextField)
        return field

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = self.value_for_row(model_instance, "")
        setattr(model_instance, self.attname, value)
        return value

    def value_for_row(self, row: Any, value: Any) -> Any:
        source = self.source_field(self.model)
        text = getattr(row, source.attname, "")
        if isinstance(text, sealing.UnreadableText) or sealing.is_sealed_text(text):
            return str(getattr(row, self.attname, "") or "")  # unchanged: it cannot be read
        if not isinstance(text, str) or not text:
            return ""
        if not sealing.must_seal_row(source.seal_entity, source.protected_name, row):
            return ""
        return blind_value(text, source.seal_context())


def blind_value(text: str, context: str, *, key_id: str | None = None) -> str:
    """What a ``BlindIndexField`` holds for ``text`` of a column sealed in ``context`` (under
    ``key_id``, default the current key)."""
    return f"bi{sealing.blind_index(text, context, key_id=key_id)}"


class ScrubbedJSONField(models.JSONField):
    """A JSON column whose value is passed through ``core.sealing.scrub`` on every write (save,
    ``update()``, ``core.bulk.fast_insert``), so that what an app says must not be kept in clear
    never reaches the database: a person's vCard extras lose the kept forms of addresses while
    addresses are sealed (ADR 0048)."""

    #: Tells ``core.bulk.fast_insert`` to prepare each value through this field.
    seals = True

    def __init__(self, *args: Any, scrub_entity: str = "", **kwargs: Any) -> None:
        self.scrub_entity = scrub_entity
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["scrub_entity"] = self.scrub_entity
        return name, path, args, kwargs

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        if isinstance(value, list) and value:
            value = sealing.scrub(self.scrub_entity, self.name, value)
        return super().get_db_prep_save(value, connection)
