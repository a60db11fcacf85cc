"""Test run: the project's settings module with test-friendly environment defaults.

Only environment defaults are set here; everything else comes from `audit_prep.settings`, so
tests exercise the same parsing as production. DATABASE_URL, when set (CI sets PostgreSQL), is
kept as given.
"""

import atexit
import os
import shutil
import tempfile

if "DATA_DIR" not in os.environ:
    # One data directory per test run, removed at its end; the processes the run starts
    # (xdist workers, the Celery worker, manage.py calls) inherit it through the environment.
    os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="audit-prep-tests-")
    atexit.register(shutil.rmtree, os.environ["DATA_DIR"], ignore_errors=True)

_defaults = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "CELERY_BROKER_URL": "memory://",
    "CELERY_TASK_ALWAYS_EAGER": "true",
    "EMAIL_URL": "memory:",
    "API_THROTTLE_ANON": "10000/minute",
    "API_THROTTLE_USER": "100000/minute",
    # The suite signs in and fails on purpose many times from one address: tests of the login
    # throttle set real limits themselves (tests/core/test_logins.py).
    "LOGIN_FAILURES_PER_ACCOUNT": "1000",
    "LOGIN_FAILURES_PER_IP": "10000",
}
for _name, _value in _defaults.items():
    os.environ.setdefault(_name, _value)

from audit_prep.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
