"""The validity read model (`EvidenceItem.validity_end`, `superseded`) starts empty: mark every
readiness state dirty, so that the next recomputation (at most 5 minutes, the beat) fills it for
every structure that adopts a referential; the daily pass and the reminder job fill it for the
others. No rule is copied here (docs/decisions/0014-one-validity-read-model.md)."""

from django.db import migrations
from django.utils import timezone


def mark_all_dirty(apps, schema_editor):
    ReadinessState = apps.get_model("checklists", "ReadinessState")
    ReadinessState.objects.filter(dirty_since__isnull=True).update(dirty_since=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("checklists", "0008_requirement_per_member"),
        ("evidence", "0009_review_and_validity"),
    ]

    operations = [migrations.RunPython(mark_all_dirty, migrations.RunPython.noop)]
