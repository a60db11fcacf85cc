# The indexes take the names Django gives them on the notices_* tables (issue 9).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notices', '0001_initial'),
    ]

    operations = [
        migrations.RenameIndex(
            model_name='notification',
            new_name='notices_not_user_id_045411_idx',
            old_name='audit_prep__user_id_5a07c2_idx',
        ),
        migrations.RenameIndex(
            model_name='reminder',
            new_name='notices_rem_complet_524696_idx',
            old_name='workers_rem_complet_ba8fe0_idx',
        ),
        migrations.RenameIndex(
            model_name='reminderdelivery',
            new_name='notices_rem_sent_at_9d4f59_idx',
            old_name='workers_rem_sent_at_b3c24c_idx',
        ),
    ]
