from django.db import migrations

OUTCOMES = ["Connected", "Voicemail", "No answer", "Wrong number"]


def add_outcomes(apps, schema_editor):
    Outcome = apps.get_model("activities", "Outcome")
    for position, name in enumerate(OUTCOMES):
        Outcome.objects.get_or_create(name=name, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(add_outcomes, migrations.RunPython.noop)]
