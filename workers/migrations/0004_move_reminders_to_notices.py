"""Reminder policies, reminders and deliveries now belong to `notices` (issue 9): removed from
this app's state only; the tables and their rows are taken over by notices 0001."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0001_initial'),
        ('workers', '0003_readiness_state_moved'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='ReminderDelivery'),
            migrations.DeleteModel(name='Reminder'),
            migrations.DeleteModel(name='ReminderPolicy'),
        ]),
    ]
