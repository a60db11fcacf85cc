"""`Requirement.excludable` (set by the library files on their next import: run
`manage.py import_referential`), and one score format: a percentage with one decimal.

Stored scores were percentages with two decimals (8.43) and the chapters of snapshots kept
fractions (0.0843): both become percentages with one decimal (8.4). Nothing is deleted;
exclusions are not touched (those a library does not allow are flagged by the checklist)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

TENTH = Decimal("0.1")


def _percent(value, factor=1):
    if value is None:
        return None
    return (Decimal(str(value)) * factor).quantize(TENTH, ROUND_HALF_UP)


def forwards(apps, schema_editor):
    Snapshot = apps.get_model("checklists", "ReadinessSnapshot")
    State = apps.get_model("checklists", "ReadinessState")
    for snapshot in Snapshot.objects.all().iterator():
        snapshot.score = _percent(snapshot.score)
        chapters = []
        for chapter in snapshot.chapters or []:
            chapter = dict(chapter)
            if isinstance(chapter.get("score"), int | float):
                chapter["score"] = float(_percent(chapter["score"], 100))
            chapters.append(chapter)
        snapshot.chapters = chapters
        snapshot.save(update_fields=["score", "chapters"])
    for state in State.objects.exclude(score=None).iterator():
        state.score = _percent(state.score)
        state.save(update_fields=["score"])


def backwards(apps, schema_editor):
    """Chapters go back to fractions (the scores stay percentages, with one decimal)."""
    Snapshot = apps.get_model("checklists", "ReadinessSnapshot")
    for snapshot in Snapshot.objects.all().iterator():
        chapters = []
        for chapter in snapshot.chapters or []:
            chapter = dict(chapter)
            if isinstance(chapter.get("score"), int | float):
                chapter["score"] = round(chapter["score"] / 100, 4)
            chapters.append(chapter)
        snapshot.chapters = chapters
        snapshot.save(update_fields=["chapters"])


class Migration(migrations.Migration):

    dependencies = [
        ("checklists", "0006_exclusion"),
    ]

    operations = [
        migrations.AddField(
            model_name="requirement",
            name="excludable",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="readinesssnapshot",
            name="score",
            field=models.DecimalField(decimal_places=1, max_digits=4, null=True),
        ),
        migrations.AlterField(
            model_name="readinessstate",
            name="score",
            field=models.DecimalField(decimal_places=1, max_digits=4, null=True),
        ),
    ]
