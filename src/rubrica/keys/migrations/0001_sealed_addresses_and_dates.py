"""Addresses (ADR 0048), birthdays, anniversaries and gender (ADR 0051) marked sensitive before they
could be sealed: sealed now, with their copies. Here, not in ``contacts``, because it reads every
app that keeps a copy of a person (history, merges, imports, cleanings, the duplicate index,
vCard extras) and uses the re-sealing job's own functions, which only this app may import."""

from django.db import migrations

PARTS = ("po_box", "extended", "street", "postal_code")
DATES = ("birthday", "anniversary", "gender")  # the person's own columns
#: The built-ins this migration makes sealable (notes were before it).
NEW = frozenset({"addresses", "birthday", "anniversary", "gender"})


def _protected(apps):
    protected = apps.get_model("customfields", "ProtectedField")
    return set(protected.objects.filter(entity="contact").values_list("field", flat=True))


def _seal_columns(model, columns, context, seal):
    """Seal (or open) ``columns`` of every row of ``model``: read opened by the field, written
    as given (a ``Value``). A value that does not open stops a rollback, changing nothing."""
    from django.db.models import TextField, Value
    from django.db.models.functions import Cast

    from rubrica.core import sealing

    raw = {f"raw_{name}": Cast(name, output_field=TextField()) for name in columns}
    for row in model.objects.annotate(**raw).iterator(chunk_size=2000):
        update = {}
        for name in columns:
            stored, value = getattr(row, f"raw_{name}"), getattr(row, name)
            if not stored:
                continue
            if isinstance(value, sealing.UnreadableText):
                if seal:
                    continue
                raise RuntimeError(
                    f"{model.__name__} {row.pk}: a sealed {name} does not open (its key is "
                    "missing); add the key before going back."
                )
            if seal:
                text = sealing.seal_text(str(value), context(name))
            elif sealing.is_sealed_text(stored):
                text = str(value)
            else:
                continue
            update[name] = Value(text, output_field=TextField())
        if update:
            model.objects.filter(pk=row.pk).update(**update)


def _blind(text, context):
    from rubrica.core import sealing

    return f"bi{sealing.blind_index(text, context)}"


def seal_if_protected(apps, schema_editor):
    """What the re-sealing job would do for the newly sealable built-ins a site had protected:
    address parts and dates sealed, the duplicate keys holding them blinded (as
    ``contacts.matching`` now writes them), no address in the vCard extras, and the copies in
    history, merges, import and cleaning rows sealed."""
    from rubrica.dedup.models import key_bucket

    protected = _protected(apps) & NEW
    if not protected:
        return
    key = apps.get_model("dedup", "DuplicateKey")

    def blind_keys(kind, split):
        for row in key.objects.filter(kind=kind).iterator(chunk_size=2000):
            if row.key.startswith("bi"):  # blinded already (clear keys are digits or upper)
                continue
            blinded = split(row.key)[:200]
            key.objects.filter(pk=row.pk).update(key=blinded, bucket=key_bucket(blinded))

    if "addresses" in protected:
        _seal_columns(
            apps.get_model("contacts", "ContactAddress"),
            PARTS,
            lambda name: f"contact.addresses.{name}",
            seal=True,
        )

        def postcode(text):
            code, _, sound = text.partition("|")
            return f"{_blind(code, 'contact.addresses.postal_code')}|{sound}"

        blind_keys("post_name", postcode)
    dates = [name for name in DATES if name in protected]
    if dates:
        _seal_columns(
            apps.get_model("contacts", "Contact"), dates, lambda name: f"contact.{name}", seal=True
        )
    if "birthday" in protected:

        def month_day(text):
            day, _, sound = text.partition("|")
            return f"{_blind(day, 'contact.birthday.month_day')}|{sound}"

        blind_keys("bday", lambda text: _blind(text, "contact.birthday.birthday"))
        blind_keys("name_bday", month_day)
    _copies(apps, seal_now=frozenset(_protected(apps)), scrub="addresses" in protected)


def open_if_sealed(apps, schema_editor):
    """Going back: open every newly sealable value before the columns shrink to their old
    lengths (a sealed value cut there could never be opened), open the copies, and drop the
    blinded keys of the duplicate index (the older version indexes people again)."""
    _seal_columns(
        apps.get_model("contacts", "ContactAddress"),
        PARTS,
        lambda name: f"contact.addresses.{name}",
        seal=False,
    )
    _seal_columns(
        apps.get_model("contacts", "Contact"), DATES, lambda name: f"contact.{name}", seal=False
    )
    key = apps.get_model("dedup", "DuplicateKey")
    key.objects.filter(kind__in=("post_name", "bday", "name_bday"), key__regex=r"^bi").delete()
    _copies(apps, seal_now=frozenset(_protected(apps)) - NEW, scrub=False)


def _copies(apps, *, seal_now, scrub):
    """History entries, merge snapshots, import rows and cleaning changes of people with the
    sealable built-ins in ``seal_now`` sealed and the others opened, through the re-sealing
    job's own functions; with ``scrub``, no address left in people's vCard extras."""
    from rubrica.customfields.protection import Resealed, reseal_builtin_values
    from rubrica.dataio.vcard.mapping import without_address_forms
    from rubrica.keys.services import _reseal_snapshot_builtins

    counts = Resealed()
    content_type = apps.get_model("contenttypes", "ContentType")
    person = content_type.objects.filter(app_label="contacts", model="contact").first()
    if person is not None:
        history = apps.get_model("history", "HistoryEntry")
        entries = history.objects.filter(content_type=person).exclude(changes={})
        for row in entries.iterator(chunk_size=2000):
            changes = reseal_builtin_values("contact", row.changes, seal_now, counts)
            if changes is not row.changes:
                history.objects.filter(pk=row.pk).update(changes=changes)
    merge = apps.get_model("merges", "Merge")
    for row in merge.objects.iterator(chunk_size=500):
        snapshot = _reseal_snapshot_builtins("contact", row.snapshot, seal_now, counts)
        if snapshot is not row.snapshot:
            merge.objects.filter(pk=row.pk).update(snapshot=snapshot)
    for app, name, columns in (
        ("dataio", "ImportRow", ("before",)),
        ("quality", "CleaningChange", ("before", "after")),
    ):
        model = apps.get_model(app, name)
        for row in model.objects.iterator(chunk_size=2000):
            update = {}
            for column in columns:
                kept = getattr(row, column)
                new = reseal_builtin_values("contact", kept, seal_now, counts)
                if new is not kept:
                    update[column] = new
            if update:
                model.objects.filter(pk=row.pk).update(**update)
    if scrub:
        contact = apps.get_model("contacts", "Contact")
        for pk, extra in contact.objects.exclude(vcard_extra=[]).values_list("pk", "vcard_extra"):
            kept = without_address_forms(extra)
            if kept is not extra:
                contact.objects.filter(pk=pk).update(vcard_extra=kept)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0010_sealable_dates_and_gender"),
        ("customfields", "0003_field_protection"),
        ("dedup", "0004_scan_candidates"),
        ("history", "0001_initial"),
        ("merges", "0001_initial"),
        ("dataio", "0003_import_row_activities"),
        ("quality", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(seal_if_protected, open_if_sealed, elidable=True),
    ]
