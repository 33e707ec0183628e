"""The starting lifecycle stages and organization kinds (editable afterwards)."""

from django.db import migrations

STAGES = ["Lead", "Prospect", "Customer", "VIP", "Former customer"]
KINDS = ["Customer", "Prospect", "Partner", "Supplier", "Distributor", "Competitor", "Other"]


def seed(apps, schema_editor):
    stage = apps.get_model("taxonomy", "LifecycleStage")
    kind = apps.get_model("taxonomy", "OrganizationKind")
    for position, name in enumerate(STAGES):
        stage.objects.get_or_create(name=name, defaults={"position": position})
    for position, name in enumerate(KINDS):
        kind.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
