"""The checklist applies the readiness rule in Python over facts read from the evidence
(docs/decisions/0001-one-readiness-rule.md): the facts that triggers copied onto each link, their
index and the triggers go. Nothing is lost: every dropped column was derived from the evidence
and the requirement. Reversible: going back re-creates the columns and the triggers, which
backfill them."""

import importlib

from django.db import migrations

_facts = importlib.import_module("checklists.migrations.0003_link_readiness_facts")


class Migration(migrations.Migration):

    dependencies = [
        ("checklists", "0003_link_readiness_facts"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="evidencelink", name="link_readiness_order"),
        migrations.RunPython(_facts.drop_triggers, _facts.install_triggers),
        migrations.RemoveField(model_name="evidencelink", name="effective_date"),
        migrations.RemoveField(model_name="evidencelink", name="evidence_kind"),
        migrations.RemoveField(model_name="evidencelink", name="organization"),
        migrations.RemoveField(model_name="evidencelink", name="renewal_cut"),
        migrations.RemoveField(model_name="evidencelink", name="standing_rank"),
        migrations.RemoveField(model_name="evidencelink", name="valid_end"),
    ]
