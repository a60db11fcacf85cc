"""The latest readiness per structure and referential moves from `workers` to `checklists`,
which owns readiness (issue 9). The table is renamed, never copied: every row is kept, and the
content type follows so that permissions and admin history still point at it."""

import django.db.models.deletion
from django.db import migrations, models


def _relabel(apps, schema_editor, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias)
    if content_types.filter(app_label=new, model="readinessstate").exists():
        content_types.filter(app_label=old, model="readinessstate").delete()
    else:
        content_types.filter(app_label=old, model="readinessstate").update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "workers", "checklists")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "checklists", "workers")


class Migration(migrations.Migration):

    dependencies = [
        ("audit_prep", "0005_userpreference_email_refused"),
        ("checklists", "0004_drop_link_readiness_facts"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("workers", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name="ReadinessState",
                fields=[
                    ("id", models.BigAutoField(auto_created=True, primary_key=True,
                                               serialize=False, verbose_name="ID")),
                    ("score", models.DecimalField(decimal_places=2, max_digits=5, null=True)),
                    ("counts", models.JSONField(default=dict)),
                    ("computed_at", models.DateTimeField(blank=True, null=True)),
                    ("dirty_since", models.DateTimeField(blank=True, null=True)),
                    ("organization", models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+",
                        to="audit_prep.organization")),
                    ("referential", models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+",
                        to="checklists.referential")),
                ],
                options={
                    "db_table": "workers_readinessstate",
                    "indexes": [models.Index(condition=models.Q(("dirty_since__isnull", False)),
                                             fields=["dirty_since"], name="readiness_dirty")],
                    "constraints": [models.UniqueConstraint(
                        fields=("organization", "referential"), name="readiness_state_unique")],
                },
            ),
        ]),
        migrations.AlterModelTable(name="readinessstate", table=None),
        migrations.RunPython(forwards, backwards),
    ]
