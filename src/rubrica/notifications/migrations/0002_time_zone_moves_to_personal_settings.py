# The user's time zone moves to their personal settings (accounts.UserSettings, ADR 0021):
# copied there first, then removed here.

from django.db import migrations


def copy_time_zones(apps, schema_editor):
    NotificationSettings = apps.get_model("notifications", "NotificationSettings")
    UserSettings = apps.get_model("accounts", "UserSettings")
    for user_id, zone in NotificationSettings.objects.exclude(time_zone="").values_list(
        "user_id", "time_zone"
    ):
        UserSettings.objects.update_or_create(user_id=user_id, defaults={"time_zone": zone})


def copy_back(apps, schema_editor):
    NotificationSettings = apps.get_model("notifications", "NotificationSettings")
    UserSettings = apps.get_model("accounts", "UserSettings")
    for user_id, zone in UserSettings.objects.exclude(time_zone="").values_list(
        "user_id", "time_zone"
    ):
        NotificationSettings.objects.update_or_create(user_id=user_id, defaults={"time_zone": zone})


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_site_and_user_settings'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(copy_time_zones, copy_back),
        migrations.RemoveField(
            model_name='notificationsettings',
            name='time_zone',
        ),
    ]
