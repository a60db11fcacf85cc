"""Settings come from the environment with strict parsing; production refuses unsafe values."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "s3cr3t-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "audit-prep.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://audit-prep.example.org",
    "SITE_URL": "https://audit-prep.example.org",
    "DATABASE_URL": "postgres://audit:pw@db.internal:5432/audit_prep",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "CACHE_URL": "redis://redis.internal:6379/1",
    "EMAIL_URL": "submission://mailer:pw@smtp.example.org:587",
    "STORAGE_BACKEND": "s3",
    "AWS_STORAGE_BUCKET_NAME": "audit-prep-evidence",
    "AWS_S3_ENDPOINT_URL": "https://s3.gra.io.cloud.ovh.net",
    "AWS_S3_REGION_NAME": "gra",
    "AWS_ACCESS_KEY_ID": "AKIA",
    "AWS_SECRET_ACCESS_KEY": "secret",
}


def run_manage(tmp_path, env_overrides, *args):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "AWS_", "STORAGE_"))}
    env.update({"DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "audit_prep.settings"})
    env.update(env_overrides)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_production_variables(tmp_path):
    result = run_manage(tmp_path, PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("overrides", "message"), [
    ({"DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY is required"),
    ({"DJANGO_SECRET_KEY": "django-insecure-" + "x" * 40}, "DJANGO_SECRET_KEY must be"),
    ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY must be"),
    ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
    ({"UPLOAD_MAX_BYTES": "50MB"}, "UPLOAD_MAX_BYTES"),
    ({"UPLOAD_MAX_BYTES": "0"}, "UPLOAD_MAX_BYTES"),
    ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
    ({"AWS_STORAGE_BUCKET_NAME": ""}, "AWS_STORAGE_BUCKET_NAME"),
    ({"DOWNLOAD_URL_TTL_SECONDS": "86400"}, "DOWNLOAD_URL_TTL_SECONDS"),
    ({"SITE_URL": "not a url"}, "SITE_URL"),
    ({"INVITATION_TTL_DAYS": "0"}, "INVITATION_TTL_DAYS"),
    ({"INVITATION_TTL_DAYS": "7d"}, "INVITATION_TTL_DAYS"),
    ({"EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org"}, "EMAIL_URL"),
    ({"API_TOKEN_IDLE_TIMEOUT": "forever"}, "API_TOKEN_IDLE_TIMEOUT"),
    ({"API_TOKEN_IDLE_TIMEOUT": "1m"}, "API_TOKEN_IDLE_TIMEOUT"),
    ({"LOGIN_LOCKOUT": "2d"}, "LOGIN_LOCKOUT"),
    ({"LOGIN_FAILURES_PER_IP": "0"}, "LOGIN_FAILURES_PER_IP"),
    ({"LOGIN_FAILURES_PER_ACCOUNT": "five"}, "LOGIN_FAILURES_PER_ACCOUNT"),
    ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT"),
])
def test_bad_values_refuse_to_start(tmp_path, overrides, message):
    env = {**PRODUCTION, **overrides}
    if overrides.get("AWS_STORAGE_BUCKET_NAME") == "":
        del env["AWS_STORAGE_BUCKET_NAME"]
    result = run_manage(tmp_path, env, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_defaults_are_flagged_by_deploy_checks(tmp_path):
    env = {"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": PRODUCTION["DJANGO_SECRET_KEY"],
           "DJANGO_ALLOWED_HOSTS": "example.org"}
    result = run_manage(tmp_path, env, "check", "--deploy")
    output = result.stdout + result.stderr
    for check_id in ("audit_prep.W001", "audit_prep.W002", "audit_prep.W004"):
        assert check_id in output


def test_debug_runs_with_no_configuration_at_all(tmp_path):
    result = run_manage(tmp_path, {"DJANGO_DEBUG": "true"}, "check")
    assert result.returncode == 0, result.stderr


def test_every_variable_read_by_the_settings_is_documented():
    import re

    source = (ROOT / "audit_prep/settings.py").read_text()
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', source))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "the settings read no variable?"
    assert read - documented == set()


@pytest.mark.parametrize(("overrides", "reported"), [
    ({"CACHE_URL": "locmem://audit-prep"}, "audit_prep.W006"),
    ({"EMAIL_URL": "file:"}, "audit_prep.W004"),
    ({"SITE_URL": "http://audit-prep.example.org"}, "audit_prep.W007"),
    ({"DJANGO_PROXY_SSL_HEADER": ""}, "audit_prep.W008"),
])
def test_deploy_checks_name_the_trap_from_the_environment(tmp_path, overrides, reported):
    result = run_manage(tmp_path, {**PRODUCTION, **overrides}, "check", "--deploy")
    assert reported in result.stdout + result.stderr
    silenced = {**PRODUCTION, **overrides, "DJANGO_SILENCED_SYSTEM_CHECKS": reported}
    result = run_manage(tmp_path, silenced, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_proxy_header_is_configurable(tmp_path):
    probe = ("import django; django.setup(); from django.conf import settings; "
             "print(settings.SECURE_PROXY_SSL_HEADER)")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update({**PRODUCTION, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
                "audit_prep.settings", "DJANGO_PROXY_SSL_HEADER": "X-Scheme"})
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert "('HTTP_X_SCHEME', 'https')" in result.stdout, result.stderr


def test_sign_in_durations_are_read_as_durations(tmp_path):
    probe = ("import django; django.setup(); from django.conf import settings; "
             "print(settings.API_TOKEN_IDLE_TIMEOUT.total_seconds(), "
             "settings.LOGIN_LOCKOUT.total_seconds())")
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update({**PRODUCTION, "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE":
                "audit_prep.settings", "API_TOKEN_IDLE_TIMEOUT": "8h",
                "LOGIN_LOCKOUT": "90s"})
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["28800.0", "90.0"], result.stderr
