"""The extracted text moves from StoredFile.text to its own table, FileText (one row per file
whose text was extracted), where search will read it: existing texts are copied, then the
column is dropped. Reversible: the texts are copied back."""

import django.db.models.deletion
from django.db import migrations, models

BATCH = 500


def copy_texts(apps, schema_editor):
    StoredFile = apps.get_model("evidence", "StoredFile")
    FileText = apps.get_model("evidence", "FileText")
    rows = (StoredFile.objects.using(schema_editor.connection.alias).exclude(text="")
            .order_by("pk").values_list("pk", "text"))
    batch = []
    for pk, text in rows.iterator(chunk_size=BATCH):
        batch.append(FileText(stored_file_id=pk, text=text))
        if len(batch) == BATCH:
            FileText.objects.using(schema_editor.connection.alias).bulk_create(batch)
            batch = []
    FileText.objects.using(schema_editor.connection.alias).bulk_create(batch)


def copy_texts_back(apps, schema_editor):
    StoredFile = apps.get_model("evidence", "StoredFile")
    FileText = apps.get_model("evidence", "FileText")
    alias = schema_editor.connection.alias
    rows = FileText.objects.using(alias).exclude(text="").values_list("stored_file_id", "text")
    for pk, text in rows.iterator(chunk_size=BATCH):
        StoredFile.objects.using(alias).filter(pk=pk).update(text=text)


class Migration(migrations.Migration):

    dependencies = [
        ("evidence", "0007_remove_evidenceitem_expiry_state"),
    ]

    operations = [
        migrations.CreateModel(
            name="FileText",
            fields=[
                ("stored_file", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True,
                    related_name="extracted_text", serialize=False, to="evidence.storedfile")),
                ("text", models.TextField(blank=True, default="")),
                ("note", models.CharField(blank=True, default="", max_length=20)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "verbose_name": "extracted text",
                "verbose_name_plural": "extracted texts",
            },
        ),
        migrations.RunPython(copy_texts, copy_texts_back),
        migrations.RemoveField(
            model_name="storedfile",
            name="text",
        ),
    ]
