"""System checks for coherent deployment settings (run by `manage.py check --deploy`).

Each warning has a stable id; a deployment that knowingly differs silences it by id with
DJANGO_SILENCED_SYSTEM_CHECKS (see `.env.example`).
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

# Django's e-mail backends that deliver nothing to anyone.
_UNDELIVERED_EMAIL = ("console.EmailBackend", "filebased.EmailBackend", "locmem.EmailBackend",
                      "dummy.EmailBackend")
# Caches whose counters live in one process: each web worker would keep its own.
_PER_PROCESS_CACHES = ("locmem.LocMemCache", "dummy.DummyCache")


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
    if settings.EMAIL_BACKEND.endswith(_UNDELIVERED_EMAIL):
        problems.append(Warning(
            f"E-mail goes to {settings.EMAIL_BACKEND.rsplit('.', 2)[-2]}, not to people: "
            "reminders would not leave the server; set EMAIL_URL to an SMTP server.",
            id="audit_prep.W004",
        ))
    if settings.STORAGE_BACKEND == "local" and settings.CELERY_BROKER_URL.startswith("redis"):
        problems.append(Warning(
            "Workers on other machines cannot read local-disk files; use S3 storage "
            "(STORAGE_BACKEND=s3) or share MEDIA_ROOT between web and worker.",
            id="audit_prep.W005",
        ))
    return problems


@register(Tags.security, deploy=True)
def shared_state_and_addresses(app_configs, **kwargs):
    """Traps of a multi-process deployment behind a proxy, which Django's own checks miss."""
    if settings.DEBUG:
        return []
    problems = []
    if settings.CACHES["default"]["BACKEND"].endswith(_PER_PROCESS_CACHES):
        problems.append(Warning(
            "The cache is per process: with several web workers (WEB_CONCURRENCY, 3 by default) "
            "each keeps its own throttle counters, multiplying the limits. Set CACHE_URL to "
            "Redis, or silence audit_prep.W006 when a single process serves.",
            id="audit_prep.W006",
        ))
    if settings.SITE_URL.lower().startswith("http://"):
        problems.append(Warning(
            "SITE_URL is http://: links in e-mails, calendar feeds and exports would send "
            "people over plain HTTP. Set SITE_URL to the https:// address.",
            id="audit_prep.W007",
        ))
    https_expected = settings.SECURE_SSL_REDIRECT or settings.SITE_URL.lower().startswith(
        "https://")
    if not settings.SECURE_PROXY_SSL_HEADER and https_expected:
        problems.append(Warning(
            "HTTPS is expected (SITE_URL or DJANGO_SECURE_SSL_REDIRECT) but "
            "DJANGO_PROXY_SSL_HEADER is empty: gunicorn serves plain HTTP, so behind the TLS "
            "proxy no request would be seen as secure (redirect loops, refused CSRF origins). "
            "Name the header the proxy sets (X-Forwarded-Proto).",
            id="audit_prep.W008",
        ))
    return problems
