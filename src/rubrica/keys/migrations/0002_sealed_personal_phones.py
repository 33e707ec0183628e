"""Personal phone numbers (ADR 0052) marked sensitive before they could be sealed: sealed now,
with their copies. Here, not in ``contacts``, for the reasons 0001 gives."""

from django.db import migrations

PARTS = ("raw", "e164")
WORDS = frozenset({"home", "personal", "private"})  # customfields.protection.is_personal_phone


def _personal(label):
    import re

    return bool(WORDS.intersection(re.split(r"[\s,;/]+", str(label or "").casefold())))


def _protected(apps):
    protected = apps.get_model("customfields", "ProtectedField")
    return set(protected.objects.filter(entity="contact").values_list("field", flat=True))


def _phones(apps, seal):
    """Seal the numbers of every personal phone row, with the blind index of its E.164 form
    beside it (or open every sealed one and empty the index). A value that does not open stops
    a rollback, changing nothing."""
    from django.db.models import TextField, Value
    from django.db.models.functions import Cast

    from rubrica.core import sealing

    phone = apps.get_model("contacts", "ContactPhone")
    raw = {f"stored_{name}": Cast(name, output_field=TextField()) for name in PARTS}
    for row in phone.objects.annotate(**raw).iterator(chunk_size=2000):
        update = {}
        for name in PARTS:
            stored, value = getattr(row, f"stored_{name}"), getattr(row, name)
            if not stored:
                continue
            if isinstance(value, sealing.UnreadableText):
                if seal:
                    continue
                raise RuntimeError(
                    f"phone {row.pk}: a sealed number does not open (its key is missing); add "
                    "the key before going back."
                )
            context = f"contact.personal_phones.{name}"
            if seal and _personal(row.label) and not sealing.is_sealed_text(stored):
                update[name] = Value(sealing.seal_text(str(value), context), TextField())
                if name == "e164":
                    update["e164_key"] = f"bi{sealing.blind_index(str(value), context)}"
            elif not seal and sealing.is_sealed_text(stored):
                update[name] = Value(str(value), output_field=TextField())
                update["e164_key"] = ""
        if update:
            phone.objects.filter(pk=row.pk).update(**update)


def seal_if_protected(apps, schema_editor):
    """What the re-sealing job would do on a site that had protected personal phones: their
    numbers sealed, every phone key of the duplicate index blinded (as ``contacts.matching``
    now writes them), no phone number in the vCard extras, and the copies of people's phones in
    history, merges, import and cleaning rows sealed."""
    from rubrica.core import sealing
    from rubrica.dedup.models import key_bucket

    if "personal_phones" not in _protected(apps):
        return
    _phones(apps, seal=True)
    key = apps.get_model("dedup", "DuplicateKey")
    for kind, part in (("phone", "e164"), ("phone_nsn", "nsn")):
        for row in key.objects.filter(kind=kind).iterator(chunk_size=2000):
            if row.key.startswith("bi"):
                continue
            blinded = f"bi{sealing.blind_index(row.key, f'contact.phones.{part}')}"[:200]
            key.objects.filter(pk=row.pk).update(key=blinded, bucket=key_bucket(blinded))
    _copies(apps, seal_now=frozenset({"phones"}), scrub=True)


def open_if_sealed(apps, schema_editor):
    """Going back: open every sealed number before the columns shrink to their old lengths,
    open the copies, and drop the blinded phone keys (the older version indexes people
    again)."""
    _phones(apps, seal=False)
    key = apps.get_model("dedup", "DuplicateKey")
    key.objects.filter(kind__in=("phone", "phone_nsn"), key__regex=r"^bi").delete()
    _copies(apps, seal_now=frozenset(), scrub=False)


def _copies(apps, *, seal_now, scrub):
    """The copies of people's ``phones`` in history entries, merge snapshots, import rows and
    cleaning changes sealed (``"phones"`` in ``seal_now``) or opened, through the re-sealing
    job's own functions; with ``scrub``, no phone number left in people's vCard extras."""
    from rubrica.customfields.protection import SEALED_BUILTINS, Resealed, reseal_builtin_values
    from rubrica.dataio.vcard.mapping import without_phone_forms
    from rubrica.keys.services import _reseal_snapshot_builtins

    # Only the phones: every other sealed built-in stays as it is stored.
    others = frozenset(SEALED_BUILTINS["contact"]) - {"phones"}
    counts = Resealed()

    def only_phones(data):
        if not isinstance(data, dict) or "phones" not in data:
            return data
        new = reseal_builtin_values("contact", {"phones": data["phones"]}, seal_now, counts)
        return {**data, "phones": new["phones"]} if new["phones"] is not data["phones"] else data

    content_type = apps.get_model("contenttypes", "ContentType")
    person = content_type.objects.filter(app_label="contacts", model="contact").first()
    if person is not None:
        history = apps.get_model("history", "HistoryEntry")
        entries = history.objects.filter(content_type=person).exclude(changes={})
        for row in entries.iterator(chunk_size=2000):
            changes = only_phones(row.changes)
            if changes is not row.changes:
                history.objects.filter(pk=row.pk).update(changes=changes)
    merge = apps.get_model("merges", "Merge")
    protected = _protected(apps)
    keep = frozenset(name for name in others if name in protected)
    for row in merge.objects.iterator(chunk_size=500):
        snapshot = _reseal_snapshot_builtins("contact", row.snapshot, keep | seal_now, counts)
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
                new = only_phones(kept)
                if new is not kept:
                    update[column] = new
            if update:
                model.objects.filter(pk=row.pk).update(**update)
    if scrub:
        contact = apps.get_model("contacts", "Contact")
        for pk, extra in contact.objects.exclude(vcard_extra=[]).values_list("pk", "vcard_extra"):
            kept = without_phone_forms(extra, None)
            if kept is not extra:
                contact.objects.filter(pk=pk).update(vcard_extra=kept)


class Migration(migrations.Migration):
    dependencies = [
        ("keys", "0001_sealed_addresses_and_dates"),
        ("contacts", "0011_personal_phones_sealable"),
    ]

    operations = [
        migrations.RunPython(seal_if_protected, open_if_sealed, elidable=True),
    ]
