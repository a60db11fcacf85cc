"""System checks for coherent deployment settings (run by `manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def embedded_defaults_in_production(app_configs, **kwargs):
    if settings.DEBUG:
        return []
    problems = []
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        problems.append(Warning(
            "SQLite is the embedded default; use PostgreSQL (DATABASE_URL) in production.",
            id="audit_prep.W001",
        ))
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        problems.append(Warning(
            "The filesystem broker only works on one machine; set CELERY_BROKER_URL to Redis.",
            id="audit_prep.W002",
        ))
    if settings.CELERY_TASK_ALWAYS_EAGER:
        problems.append(Warning(
            "CELERY_TASK_ALWAYS_EAGER runs background work inside web requests.",
            id="audit_prep.W003",
        ))
    if settings.EMAIL_BACKEND.endswith(("console.EmailBackend", "locmem.EmailBackend")):
        problems.append(Warning(
            "Reminders would not leave the server; set EMAIL_URL to an SMTP server.",
            id="audit_prep.W004",
        ))
    if settings.STORAGE_BACKEND == "local" and settings.CELERY_BROKER_URL.startswith("redis"):
        problems.append(Warning(
            "Workers on other machines cannot read local-disk files; use S3 storage "
            "(STORAGE_BACKEND=s3) or share MEDIA_ROOT between web and worker.",
            id="audit_prep.W005",
        ))
    return problems
