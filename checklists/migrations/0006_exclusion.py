"""`Applicability` stored exclusions: it is renamed `Exclusion` (table and constraints renamed,
every row kept). Audit events already written keep the object type
"checklists.applicability" (the trail is append-only); new ones say "checklists.exclusion"."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("audit_prep", "0005_userpreference_email_refused"),
        ("checklists", "0005_readiness_state"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="Applicability", new_name="Exclusion"),
        migrations.RemoveConstraint(model_name="exclusion", name="applicability_unique"),
        migrations.RemoveConstraint(model_name="exclusion", name="applicability_justified"),
        migrations.AddConstraint(
            model_name="exclusion",
            constraint=models.UniqueConstraint(fields=("organization", "requirement"),
                                               name="exclusion_unique")),
        migrations.AddConstraint(
            model_name="exclusion",
            constraint=models.CheckConstraint(condition=~models.Q(justification=""),
                                              name="exclusion_justified")),
    ]
