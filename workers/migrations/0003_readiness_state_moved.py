"""`ReadinessState` now belongs to `checklists` (its migration 0005 renamed the table): removed
from this app's state only."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("checklists", "0005_readiness_state"),
        ("workers", "0002_remove_reminderpolicy_warning_days"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name="ReadinessState"),
        ]),
    ]
