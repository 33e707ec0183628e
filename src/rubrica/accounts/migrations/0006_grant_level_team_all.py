"""The level "team, private included" (``team_all``, ADR 0033) and the shipped Manager's use of it.

The level needs a wider column and a wider check. The shipped Manager now views, changes and
deletes at ``team_all`` where it had ``team``: a shipped role without grant rows follows the new
defaults of ``accounts.grants`` at once. A Manager role that an administrator has edited (it has
grant rows) keeps what it had: its view, change and delete pairs without a row are pinned at
``team``, the level they had, so no edit of theirs is overridden by the new default.
"""

from django.db import migrations, models

#: The actions whose shipped Manager level moved from team to team_all.
MOVED = ("view", "change", "delete")


def _pairs():
    from rubrica.core.policies import grant_entities

    return [
        (entity.key, action)
        for entity in grant_entities
        for action in MOVED
        if action in entity.actions
    ]


def pin_edited_manager(apps, schema_editor):
    AccessRole = apps.get_model("accounts", "AccessRole")
    Grant = apps.get_model("accounts", "Grant")
    for role in AccessRole.objects.filter(key="manager", shipped=True):
        existing = set(Grant.objects.filter(role=role).values_list("entity", "action"))
        if not existing:
            continue  # still the shipped grants: the new defaults apply
        Grant.objects.bulk_create(
            [
                Grant(role=role, entity=entity, action=action, level="team")
                for entity, action in _pairs()
                if (entity, action) not in existing
            ]
        )


def back_to_team(apps, schema_editor):
    Grant = apps.get_model("accounts", "Grant")
    Grant.objects.filter(level="team_all").update(level="team")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_merge_two_factor"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="grant",
            name="grant_level_valid",
        ),
        migrations.AlterField(
            model_name="grant",
            name="level",
            field=models.CharField(
                choices=[
                    ("all", "All"),
                    ("team_all", "Team (private included)"),
                    ("team", "Team"),
                    ("own", "Own"),
                    ("none", "None"),
                ],
                max_length=8,
                verbose_name="level",
            ),
        ),
        migrations.AddConstraint(
            model_name="grant",
            constraint=models.CheckConstraint(
                condition=models.Q(level__in=["all", "team_all", "team", "own", "none"]),
                name="grant_level_valid",
            ),
        ),
        migrations.RunPython(pin_edited_manager, back_to_team),
    ]
