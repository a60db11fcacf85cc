"""`manage.py check --deploy` warns about the traps of a multi-process deployment behind a proxy:
a per-process cache, e-mail that reaches no one, an http:// public address, no proxy header."""

import pytest
from django.test import override_settings

from audit_prep.checks import embedded_defaults_in_production, shared_state_and_addresses

REDIS_CACHE = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                           "LOCATION": "redis://127.0.0.1:6379/1"}}
SMTP = "django.core.mail.backends.smtp.EmailBackend"
PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PRODUCTION = {"DEBUG": False, "CACHES": REDIS_CACHE, "EMAIL_BACKEND": SMTP,
              "SITE_URL": "https://audit-prep.example.org", "SECURE_SSL_REDIRECT": True,
              "SECURE_PROXY_SSL_HEADER": PROXY_HEADER}


def ids(**overrides):
    with override_settings(**{**PRODUCTION, **overrides}):
        found = shared_state_and_addresses(None) + embedded_defaults_in_production(None)
    return {problem.id for problem in found}


NEW_IDS = {"audit_prep.W004", "audit_prep.W006", "audit_prep.W007", "audit_prep.W008"}


def test_a_coherent_production_setup_raises_none_of_them():
    assert ids() & NEW_IDS == set()


@pytest.mark.parametrize("backend", ["django.core.cache.backends.locmem.LocMemCache",
                                     "django.core.cache.backends.dummy.DummyCache"])
def test_a_per_process_cache_is_reported(backend):
    assert "audit_prep.W006" in ids(CACHES={"default": {"BACKEND": backend}})


@pytest.mark.parametrize("backend", ["console", "filebased", "locmem", "dummy"])
def test_e_mail_that_reaches_no_one_is_reported(backend):
    assert "audit_prep.W004" in ids(EMAIL_BACKEND=f"django.core.mail.backends.{backend}."
                                                  "EmailBackend")


def test_an_http_site_url_is_reported():
    assert "audit_prep.W007" in ids(SITE_URL="http://audit-prep.example.org")
    assert "audit_prep.W007" in ids(SITE_URL="HTTP://audit-prep.example.org")


@pytest.mark.parametrize(("site_url", "redirect", "reported"), [
    ("https://audit-prep.example.org", True, True),
    ("https://audit-prep.example.org", False, True),
    ("http://audit-prep.example.org", True, True),
    ("http://audit-prep.example.org", False, False),  # plain HTTP throughout: no proxy expected
])
def test_a_missing_proxy_header_is_reported_when_https_is_expected(site_url, redirect, reported):
    found = ids(SECURE_PROXY_SSL_HEADER=None, SITE_URL=site_url, SECURE_SSL_REDIRECT=redirect)
    assert ("audit_prep.W008" in found) is reported
    assert "audit_prep.W008" not in ids(SITE_URL=site_url, SECURE_SSL_REDIRECT=redirect)


def test_debug_reports_none_of_them():
    found = ids(DEBUG=True, CACHES={"default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
        SITE_URL="http://127.0.0.1:8000", SECURE_PROXY_SSL_HEADER=None)
    assert found == set()
