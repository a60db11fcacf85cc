"""The notices take over their models without moving a row (issue 9): reminder policies,
reminders and deliveries (from `workers`) and notifications (from `audit_prep`).

For each model: a state-only CreateModel on the old table (the old apps drop them from their
state, state-only too, in workers 0003 and audit_prep 0006), then AlterModelTable renames the
table to its `notices_*` name, and the content types (hence permissions and admin history) are
moved to this app."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import notices.models

MOVED = {"workers": ("reminderpolicy", "reminder", "reminderdelivery"),
         "audit_prep": ("notification",)}


def move_content_types(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias)
    for old_app, names in MOVED.items():
        for name in names:
            if not content_types.filter(app_label="notices", model=name).exists():
                content_types.filter(app_label=old_app, model=name).update(app_label="notices")


def restore_content_types(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType").objects.using(
        schema_editor.connection.alias)
    for old_app, names in MOVED.items():
        for name in names:
            if not content_types.filter(app_label=old_app, model=name).exists():
                content_types.filter(app_label="notices", model=name).update(app_label=old_app)


STATE = [
    migrations.CreateModel(
        name='ReminderPolicy',
        fields=[
            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ('lead_days', models.JSONField(default=notices.models.default_lead_days, verbose_name='reminder lead times (days)')),
            ('overdue_weekly', models.BooleanField(default=True, verbose_name='weekly reminder while overdue')),
            ('escalate_after_days', models.PositiveSmallIntegerField(default=14, verbose_name='escalate to quality managers after (days overdue)')),
            ('organization', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='reminder_policy', to='audit_prep.organization')),
        ],
        options={'db_table': 'workers_reminderpolicy'},
    ),
    migrations.CreateModel(
        name='Reminder',
        fields=[
            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ('valid_until', models.DateField()),
            ('threshold', models.SmallIntegerField()),
            ('escalated', models.BooleanField(default=False)),
            ('created_at', models.DateTimeField(auto_now_add=True)),
            ('completed_at', models.DateTimeField(blank=True, null=True)),
            ('evidence', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='evidence.evidenceitem')),
        ],
        options={
            'db_table': 'workers_reminder',
            'indexes': [models.Index(fields=['completed_at'], name='workers_rem_complet_ba8fe0_idx')],
            'constraints': [models.UniqueConstraint(fields=('evidence', 'valid_until', 'threshold'), name='reminder_once')],
        },
    ),
    migrations.CreateModel(
        name='ReminderDelivery',
        fields=[
            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ('sent_at', models.DateTimeField(blank=True, null=True)),
            ('attempts', models.PositiveSmallIntegerField(default=0)),
            ('last_error', models.CharField(blank=True, default='', max_length=300)),
            ('reminder', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notices.reminder')),
            ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
        ],
        options={
            'db_table': 'workers_reminderdelivery',
            'indexes': [models.Index(fields=['sent_at', 'user'], name='workers_rem_sent_at_b3c24c_idx')],
            'constraints': [models.UniqueConstraint(fields=('reminder', 'user'), name='delivery_once')],
        },
    ),
    migrations.CreateModel(
        name='Notification',
        fields=[
            ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ('kind', models.CharField(max_length=40)),
            ('title', models.CharField(max_length=300)),
            ('body', models.TextField(blank=True, default='')),
            ('link', models.CharField(blank=True, default='', max_length=500)),
            ('created_at', models.DateTimeField(auto_now_add=True)),
            ('read_at', models.DateTimeField(blank=True, null=True)),
            ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='audit_prep.organization')),
            ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
        ],
        options={
            'db_table': 'audit_prep_notification',
            'ordering': ['-created_at', '-id'],
            'indexes': [models.Index(fields=['user', 'read_at'], name='audit_prep__user_id_5a07c2_idx')],
        },
    ),
]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('audit_prep', '0005_userpreference_email_refused'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('evidence', '0007_remove_evidenceitem_expiry_state'),
        ('workers', '0002_remove_reminderpolicy_warning_days'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=STATE),
        migrations.AlterModelTable(name='reminderpolicy', table=None),
        migrations.AlterModelTable(name='reminder', table=None),
        migrations.AlterModelTable(name='reminderdelivery', table=None),
        migrations.AlterModelTable(name='notification', table=None),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
