"""Addresses marked sensitive before their parts could be sealed (ADR 0048): sealed now, with
their copies. Here, not in ``contacts``, because it reads every app that keeps a copy of a
person (history, merges, imports, cleanings, the duplicate index, vCard extras) and uses the
re-sealing job's own functions, which only this app may import."""

from django.db import migrations

PARTS = ("po_box", "extended", "street", "postal_code")
POSTCODE_CONTEXT = "contact.addresses.postal_code"


def _protected(apps):
    protected = apps.get_model("customfields", "ProtectedField")
    return set(protected.objects.filter(entity="contact").values_list("field", flat=True))


def seal_if_protected(apps, schema_editor):
    """A site that marked addresses sensitive before their parts could be sealed gets them
    sealed now (ADR 0048), as the re-sealing job leaves them: the parts of every address row,
    the postcode keys of the duplicate index blinded (``contacts.matching.postcode_key``), no
    address in the vCard extras, and the copies in history, merges, import and cleaning rows."""
    from django.db.models import TextField, Value

    from rubrica.core import sealing
    from rubrica.dedup.models import key_bucket

    if "addresses" not in _protected(apps):
        return
    address = apps.get_model("contacts", "ContactAddress")
    for row in address.objects.all().iterator(chunk_size=2000):
        update = {}
        for part in PARTS:
            value = getattr(row, part)  # read opened by the field
            if value and not isinstance(value, sealing.UnreadableText):
                sealed = sealing.seal_text(str(value), f"contact.addresses.{part}")
                update[part] = Value(sealed, output_field=TextField())
        if update:
            address.objects.filter(pk=row.pk).update(**update)
    key = apps.get_model("dedup", "DuplicateKey")
    for row in key.objects.filter(kind="post_name").iterator(chunk_size=2000):
        if row.key.startswith("bi"):  # blinded already (postcodes are upper case)
            continue
        postcode, _, sound = row.key.partition("|")
        blinded = f"bi{sealing.blind_index(postcode, POSTCODE_CONTEXT)}|{sound}"[:200]
        key.objects.filter(pk=row.pk).update(key=blinded, bucket=key_bucket(blinded))
    _copies(apps, seal_addresses=True)


def open_if_sealed(apps, schema_editor):
    """Going back: open every sealed part before the columns shrink to their old lengths (a
    sealed value cut there could never be opened), open the copies, and drop the blinded
    postcode keys (the older version indexes people again with clear ones). Refused, changing
    nothing, when a part does not open (its key is missing)."""
    from django.db.models import TextField, Value
    from django.db.models.functions import Cast

    from rubrica.core import sealing

    address = apps.get_model("contacts", "ContactAddress")
    raw = {f"raw_{part}": Cast(part, output_field=TextField()) for part in PARTS}
    for row in address.objects.annotate(**raw).iterator(chunk_size=2000):
        update = {}
        for part in PARTS:
            stored = getattr(row, f"raw_{part}")
            if stored and sealing.is_sealed_text(stored):
                value = getattr(row, part)
                if isinstance(value, sealing.UnreadableText):
                    raise RuntimeError(
                        f"Address {row.pk}: a sealed {part} does not open (its key is missing); "
                        "add the key before going back."
                    )
                update[part] = Value(str(value), output_field=TextField())
        if update:
            address.objects.filter(pk=row.pk).update(**update)
    key = apps.get_model("dedup", "DuplicateKey")
    key.objects.filter(kind="post_name", key__regex=r"^bi").delete()
    _copies(apps, seal_addresses=False)


def _copies(apps, *, seal_addresses):
    """History entries, merge snapshots, import rows and cleaning changes of people with their
    ``addresses`` sealed (or opened), through the re-sealing job's own functions."""
    from rubrica.customfields.protection import Resealed, reseal_builtin_values
    from rubrica.dataio.vcard.mapping import without_address_forms
    from rubrica.keys.services import _reseal_snapshot_builtins

    protected = _protected(apps)
    seal_now = frozenset({"notes"} & protected) | (
        frozenset({"addresses"}) if seal_addresses else frozenset()
    )
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
    if seal_addresses:
        contact = apps.get_model("contacts", "Contact")
        for pk, extra in contact.objects.exclude(vcard_extra=[]).values_list("pk", "vcard_extra"):
            kept = without_address_forms(extra)
            if kept is not extra:
                contact.objects.filter(pk=pk).update(vcard_extra=kept)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0009_address_parts_sealable"),
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
