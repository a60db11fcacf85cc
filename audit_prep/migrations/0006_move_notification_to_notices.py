"""Notifications now belong to `notices` (issue 9): removed from this app's state only; the
table and its rows are taken over by notices 0001, which renames it."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('audit_prep', '0005_userpreference_email_refused'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(name='Notification'),
        ]),
    ]
