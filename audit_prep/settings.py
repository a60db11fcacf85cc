"""Settings for audit-prep, read from the environment with strict typed parsing.

Every variable is documented in `.env.example`. With no configuration at all the service runs on
its embedded default (SQLite and local disk under DATA_DIR, Celery on kombu's filesystem
transport) but only in debug mode: outside debug a secret key must be given.
"""

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from environs import Env
from marshmallow.validate import URL, OneOf, Range, Regexp

BASE_DIR = Path(__file__).resolve().parent.parent

env = Env(eager=True)
env.read_env(BASE_DIR / ".env", recurse=False)

DEBUG = env.bool("DJANGO_DEBUG", False)
DATA_DIR = env.path("DATA_DIR", BASE_DIR / "data")

_INSECURE_KEY_PREFIX = "django-insecure"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is required outside debug (set DJANGO_DEBUG=true for development)."
        )
    SECRET_KEY = f"{_INSECURE_KEY_PREFIX}-development-only-key-never-use-in-production"
elif not DEBUG and (SECRET_KEY.startswith(_INSECURE_KEY_PREFIX) or len(SECRET_KEY) < 40):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a random string of at least 40 chars.")

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env.str(
    "SITE_URL", "http://127.0.0.1:8000", validate=URL(require_tld=False, schemes={"http", "https"})
).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from STATIC_URL (no CDN)
    "django_otp",
    "django_otp.plugins.otp_totp",
    "audit_prep.apps.AuditPrepConfig",
    "evidence",
    "populations",
    "checklists",
    "audits",
    "notices",
    "backups",
    "workers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "audit_prep.request_id.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "audit_prep.api.refusals.ChunkedBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Auditors' refused requests in the audit trail, whatever the route, the second factor's
    # refusals included (decision 0028).
    "audits.workspace.refusals.AuditorRefusalMiddleware",
    "audit_prep.second_factor.SecondFactorMiddleware",
    "audit_prep.logins.LoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "audit_prep.urls"
WSGI_APPLICATION = "audit_prep.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notices.context_processors.unread_notifications",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------
DATABASES = {
    "default": env.dj_db_url(
        "DATABASE_URL",
        default=f"sqlite:///{DATA_DIR / 'audit_prep.sqlite3'}",
        conn_max_age=env.int("DATABASE_CONN_MAX_AGE", 0, validate=Range(min=0)),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] != ":memory:":
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the worker writes; a busy timeout instead of
    # "database is locked" under the embedded worker.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long analytic queries, not for a web request: the checklist
    # query's cost estimate would otherwise trigger ~30 ms of compilation on every call.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.dj_cache_url("CACHE_URL", default="locmem://audit-prep")}

# --- Passwords, i18n, static --------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", DATA_DIR / "static")

# --- Storage ------------------------------------------------------------------------------------
STORAGE_BACKEND = env.str("STORAGE_BACKEND", "local", validate=OneOf(["local", "s3"]))
MEDIA_ROOT = env.path("MEDIA_ROOT", DATA_DIR / "files")
_evidence_storage: dict[str, Any]
if STORAGE_BACKEND == "s3":
    _evidence_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", None),
            "region_name": env.str("AWS_S3_REGION_NAME", None),
            "access_key": env.str("AWS_ACCESS_KEY_ID", None),
            "secret_key": env.str("AWS_SECRET_ACCESS_KEY", None),
            "addressing_style": env.str(
                "AWS_S3_ADDRESSING_STYLE", "auto", validate=OneOf(["auto", "path", "virtual"])
            ),
            "signature_version": "s3v4",
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": True,  # keys are content-addressed: same key, same bytes
            "location": env.str("AWS_LOCATION", ""),
            # Reads past 8 MB spill to a temporary file instead of memory.
            "max_memory_size": 8 * 1024 * 1024,
        },
    }
else:
    _evidence_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "allow_overwrite": True},
    }
STORAGES: dict[str, dict[str, Any]] = {
    "default": _evidence_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Uploads ------------------------------------------------------------------------------------
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024, validate=Range(min=1))
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", 20, validate=Range(min=1, max=200))
DOWNLOAD_URL_TTL_SECONDS = env.int("DOWNLOAD_URL_TTL_SECONDS", 300, validate=Range(60, 3600))
# The S3 endpoint as browsers reach it, when it differs from the servers' AWS_S3_ENDPOINT_URL
# (e.g. http://localhost:9000 for the compose stack's MinIO): download links are signed for it.
S3_PUBLIC_ENDPOINT_URL = env.str("AWS_S3_PUBLIC_ENDPOINT_URL", None)
FILE_UPLOAD_HANDLERS = ["evidence.upload_handlers.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env.str("FILE_UPLOAD_TEMP_DIR", None)
# The request body may hold several capped files plus form fields.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Django stops reading a multipart body at the file past this count (too_many_files).
DATA_UPLOAD_MAX_NUMBER_FILES = UPLOAD_MAX_FILES
FILE_UPLOAD_PERMISSIONS = 0o640

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "audit_prep.api.authentication.ApiTokenAuthentication",
        "audit_prep.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "audit_prep.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "audit_prep.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "audit_prep.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", "60/minute"),
        "user": env.str("API_THROTTLE_USER", "1200/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "audit-prep API",
    "DESCRIPTION": "Evidence vault and audit preparation for ISO 9001 / CEDRE / CAP.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # One name per choice set shown by several serializers: the population kinds (populations,
    # per_member), the evidence kinds (evidence, with or without warnings), the readiness
    # statuses (checklist items, their members) beside the evidence statuses.
    "ENUM_NAME_OVERRIDES": {"PopulationKindEnum": "populations.models.PopulationKind",
                            "EvidenceKindEnum": "evidence.models.EvidenceKind",
                            "EvidenceStatusEnum": "evidence.models.EvidenceStatus",
                            "TextStatusEnum": "evidence.models.TextStatus",
                            "ReadinessStatusEnum": "checklists.readiness.Status",
                            "EngagementKindEnum": "audits.models.EngagementKind",
                            "FindingStatusEnum": "audits.finding_models.FindingStatus",
                            "RequestStatusEnum": "audits.requests.models.RequestStatus",
                            "InvitationStatusEnum": "audit_prep.models.InvitationStatus",
                            "MilestoneStateEnum": ["done", "planned", "to_plan", "overdue"]},
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Sign-in: guessing throttled, API tokens that expire (audit_prep/logins.py, tokens.py) ------
# The login throttle is the first backend: it refuses a locked (account, address) or address
# before the password is checked (token, session and admin logins all call authenticate()).
AUTHENTICATION_BACKENDS = ["audit_prep.logins.LoginThrottleBackend",
                           "django.contrib.auth.backends.ModelBackend"]
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", 5, validate=Range(min=1))
LOGIN_FAILURES_PER_IP = env.int("LOGIN_FAILURES_PER_IP", 20, validate=Range(min=1))
LOGIN_LOCKOUT = env.timedelta(
    "LOGIN_LOCKOUT", timedelta(minutes=15),
    validate=Range(min=timedelta(seconds=1), max=timedelta(days=1)))
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For
# (0: the address is the connection's own, REMOTE_ADDR).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", 0, validate=Range(min=0, max=5))
# DRF's per-address throttles read the client's address as the sign-in throttle does.
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT or None
API_TOKEN_IDLE_TIMEOUT = env.timedelta(
    "API_TOKEN_IDLE_TIMEOUT", timedelta(days=14),
    validate=Range(min=timedelta(minutes=5), max=timedelta(days=365)))

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = env.path("CELERY_BROKER_DIR", DATA_DIR / "broker")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", False)
_CRON = r"^\S+ \S+ \S+ \S+ \S+$"
SCHEDULE_OVERRIDES = {
    name: value
    for name in ("send_reminders", "recompute_readiness", "daily_snapshots",
                 "requeue_stuck_revisions", "requeue_stuck_packs", "requeue_stuck_ocr",
                 "sweep_orphans", "rehash_sample")
    if (value := env.str(f"SCHEDULE_{name.upper()}", "", validate=Regexp(f"{_CRON}|^$")))
}
STUCK_REVISION_MINUTES = env.int("STUCK_REVISION_MINUTES", 15, validate=Range(min=1))
# Attempts that crash or whose worker dies (not store outages) before a revision is rejected.
VERIFICATION_MAX_ATTEMPTS = env.int("VERIFICATION_MAX_ATTEMPTS", 5, validate=Range(min=1))
# Text extraction runs in a child process per file (decision 0018): uncompressed bytes of one XML
# part or PDF stream, the child's address space, and its wall time (20 files x 40 s stays under
# the task's soft time limit).
TEXT_EXTRACTION_MAX_PART_BYTES = env.int("TEXT_EXTRACTION_MAX_PART_BYTES", 16 * 1024 * 1024,
                                         validate=Range(min=64 * 1024, max=128 * 1024 * 1024))
TEXT_EXTRACTION_MEMORY_BYTES = env.int("TEXT_EXTRACTION_MEMORY_BYTES", 256 * 1024 * 1024,
                                       validate=Range(min=128 * 1024 * 1024))
TEXT_EXTRACTION_TIMEOUT_SECONDS = env.int("TEXT_EXTRACTION_TIMEOUT_SECONDS", 30,
                                          validate=Range(min=1, max=40))
# OCR of scans (decision 0031; .env.example says what each bounds).
OCR_DPI = env.int("OCR_DPI", 300, validate=Range(72, 600))
OCR_PAGE_TIMEOUT_SECONDS = env.int("OCR_PAGE_TIMEOUT_SECONDS", 60, validate=Range(1, 600))
OCR_FILE_TIMEOUT_SECONDS = env.int("OCR_FILE_TIMEOUT_SECONDS", 600, validate=Range(1, 780))
OCR_MEMORY_BYTES = env.int("OCR_MEMORY_BYTES", 1 << 30, validate=Range(min=128 << 20))
OCR_MAX_PIXELS = env.int("OCR_MAX_PIXELS", 50_000_000, validate=Range(1_000_000, 400_000_000))
REHASH_SAMPLE_SIZE = env.int("REHASH_SAMPLE_SIZE", 200, validate=Range(min=0))
ORPHAN_GRACE_HOURS = env.int("ORPHAN_GRACE_HOURS", 24, validate=Range(min=1))
# The name authenticator apps show beside an auditor's code (decision 0023).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", "audit-prep")
# Staff remove a lost device in the admin; they never see its key or QR code there.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Days an invitation to join a structure stays usable (a re-send starts the period again).
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", 7, validate=Range(min=1, max=90))

# --- Email --------------------------------------------------------------------------------------
_email = env.dj_email_url("EMAIL_URL", default="console:")
if "EMAIL_BACKEND" not in _email:
    raise ImproperlyConfigured(
        "EMAIL_URL: unsupported scheme; use smtp://, smtps://, submission://, console:, file: "
        "or memory:"
    )
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_FILE_PATH = "/" + _email["EMAIL_FILE_PATH"] if _email.get("EMAIL_FILE_PATH") else str(
    DATA_DIR / "mail"
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", "audit-prep <no-reply@audit-prep.local>")

# --- Security -----------------------------------------------------------------------------------
# The header the TLS-terminating proxy sets to "https" (gunicorn serves plain HTTP behind it).
# Empty only when nothing in front can set it (then clients could spoof it).
_PROXY_SSL_HEADER = env.str("DJANGO_PROXY_SSL_HEADER", "X-Forwarded-Proto",
                            validate=Regexp(r"^[A-Za-z0-9-]*$"))
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER
    else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Probes from the orchestrator speak plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# e.g. security.W008 when a TLS-terminating proxy does the HTTP -> HTTPS redirect itself.
SILENCED_SYSTEM_CHECKS = env.list("DJANGO_SILENCED_SYSTEM_CHECKS", []) + (
    [] if SECURE_HSTS_PRELOAD else ["security.W021"]
)

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
CSRF_FAILURE_VIEW = "audit_prep.api.refusals.csrf_failure"

# Content-Security-Policy of every page (django-csp): our own origin only, no inline script or
# style. The Swagger UI page sets its own, which the middleware keeps.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF],
        "img-src": [csp_constants.SELF, "data:"],
        # The item page embeds the preview of a PDF (`evidence.serving`): only our own.
        "frame-src": [csp_constants.SELF],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "audit_prep.request_id.RequestIdLogFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s client "
            "%(client_request_id)s task %(task_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.log_level("LOG_LEVEL", logging.INFO)},
}
