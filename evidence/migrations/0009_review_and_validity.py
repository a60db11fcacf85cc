"""The "reviewed, still valid" history (`EvidenceReview`, `EvidenceItem.last_reviewed_on`) and
the validity read model (`EvidenceItem.validity_end`, `superseded`), filled by the checklists'
recomputation (checklists 0009 marks every readiness state to recompute).

On SQLite, adding the check constraint rebuilds the table: triggers that name it are saved and
restored around the operations, as migration 0007 does (see its docstring)."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


_triggers = importlib.import_module("evidence.migrations.0007_remove_evidenceitem_expiry_state")


class Migration(migrations.Migration):

    dependencies = [
        ('audit_prep', '0006_move_notification_to_notices'),
        ('evidence', '0008_file_text'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_triggers.save_triggers, _triggers.restore_triggers,
                             elidable=True),
        migrations.CreateModel(
            name='EvidenceReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reviewed_on', models.DateField(verbose_name='reviewed on')),
                ('note', models.TextField(verbose_name='note')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': 'review',
                'verbose_name_plural': 'reviews',
                'ordering': ['evidence_id', '-reviewed_on', '-id'],
            },
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='last_reviewed_on',
            field=models.DateField(blank=True, null=True, verbose_name='last reviewed on'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='superseded',
            field=models.BooleanField(default=False, editable=False, verbose_name='replaced by a newer item'),
        ),
        migrations.AddField(
            model_name='evidenceitem',
            name='validity_end',
            field=models.DateField(blank=True, db_index=True, editable=False, null=True, verbose_name='end of validity'),
        ),
        migrations.AddConstraint(
            model_name='evidenceitem',
            constraint=models.CheckConstraint(condition=models.Q(('last_reviewed_on__isnull', True), ('last_reviewed_on__gte', models.F('effective_date')), _connector='OR'), name='evidence_reviewed_after_effective', violation_error_code='review_before_effective_date', violation_error_message='A review cannot precede the effective date.'),
        ),
        migrations.AddField(
            model_name='evidencereview',
            name='created_by',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='evidencereview',
            name='evidence',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reviews', to='evidence.evidenceitem'),
        ),
        migrations.RunPython(_triggers.restore_triggers, _triggers.save_triggers,
                             elidable=True),
    ]
