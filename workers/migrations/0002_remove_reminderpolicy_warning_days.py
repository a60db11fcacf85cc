"""`ReminderPolicy.warning_days` fed only the expiry states, removed with them (issue 9): the
one warning window is `Adoption.warning_days`, the checklist's."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('workers', '0001_initial'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='reminderpolicy',
            name='warning_days',
        ),
    ]
