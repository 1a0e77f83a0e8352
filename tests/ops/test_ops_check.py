"""`shipdesk check`: what an operator runs before the first start, and after every config change."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from shipdesk.jobs.worker import Worker

GOOD_KEY = "k8Jq2vX9pL4mN7rT1wY5zB3cF6hD0gS8aE2uI9oP4lK7jH1nM5bV3xC6zQ0wR8tYu"


def check() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("check", stdout=out, stderr=io.StringIO())
    except SystemExit as exit:
        return int(exit.code), out.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = GOOD_KEY
    settings.ALLOWED_HOSTS = ["shipdesk.example.com"]
    settings.SHIPDESK_BASE_URL = "https://shipdesk.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "smtp.example.com"
    settings.SHIPDESK_METRICS_TOKEN = "metrics-token-0123456789"
    settings.SHIPDESK_WEBHOOK_PROVIDERS = ["easypost"]
    settings.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": "", "stripe": ""}
    settings.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {"generic": "", "easypost": "whsec_0123456789abcdef", "aftership": ""}
    return settings


def test_a_complete_production_configuration_passes_with_the_worker_running(production, db):
    Worker(worker_id="check-worker")._register()
    code, out = check()
    assert code == 0, out
    assert "Configuration OK" in out


def test_each_problem_is_named_with_its_fix_and_the_exit_code_is_1(production, db):
    production.SECRET_KEY = "django-insecure-short"
    production.ALLOWED_HOSTS = ["*"]
    production.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    production.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {"generic": "", "easypost": "", "aftership": ""}

    code, out = check()

    assert code == 1
    assert "ERROR SECRET_KEY" in out and "secrets.token_urlsafe(50)" in out
    assert "ERROR ALLOWED_HOSTS: contains '*'" in out
    assert "ERROR EMAIL_URL" in out and "smtp+tls://" in out
    assert "ERROR SHIPDESK_EASYPOST_WEBHOOK_SECRET: is not set" in out
    assert "WARNING worker" in out and "shipdesk-worker.service" in out
    assert "4 error(s)" in out


def test_a_missing_or_malformed_secrets_key_is_an_error_with_its_fix(production, db):
    production.SHIPDESK_SECRETS_KEY = []
    missing = check()
    production.SHIPDESK_SECRETS_KEY = ["not-a-fernet-key"]
    malformed = check()

    assert missing[0] == 1 and "ERROR SHIPDESK_SECRETS_KEY: is not set" in missing[1]
    assert "urlsafe_b64encode(os.urandom(32))" in missing[1]
    assert malformed[0] == 1 and "ERROR SHIPDESK_SECRETS_KEY: holds a key that is not 32 bytes" in malformed[1]


def test_an_empty_allowed_hosts_is_an_error(production, db):
    production.ALLOWED_HOSTS = []
    code, out = check()
    assert code == 1 and "ERROR ALLOWED_HOSTS: is empty" in out


def test_an_enabled_payment_webhook_provider_needs_its_secret_too(production, db):
    production.SHIPDESK_WEBHOOK_PROVIDERS = ["easypost", "stripe"]
    code, out = check()
    assert code == 1 and "ERROR SHIPDESK_STRIPE_WEBHOOK_SECRET: is not set" in out
    production.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": "", "stripe": "whsec_stripe_0123456789"}
    assert check()[0] == 0


def test_the_generic_provider_needs_both_its_tracking_and_its_payment_secret(production, db):
    production.SHIPDESK_WEBHOOK_PROVIDERS = ["generic"]
    production.SHIPDESK_TRACKING_WEBHOOK_SECRETS = {
        "generic": "generic-tracking-0123456789",
        "easypost": "",
        "aftership": "",
    }

    code, out = check()

    # the tracking secret is set; generic payment events would all be refused, and check says so
    assert code == 1 and "ERROR SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET: is not set" in out, out
    assert "SHIPDESK_GENERIC_TRACKING_WEBHOOK_SECRET" not in out
    production.SHIPDESK_PAYMENT_WEBHOOK_SECRETS = {"generic": "generic-payment-0123456789", "stripe": ""}
    assert check()[0] == 0


def test_the_deprecated_shared_secret_alone_is_flagged_since_payments_no_longer_read_it(production, db, monkeypatch):
    monkeypatch.setenv("SHIPDESK_GENERIC_WEBHOOK_SECRET", "old-shared-secret-0123456789")

    code, out = check()

    assert (
        "WARNING SHIPDESK_GENERIC_WEBHOOK_SECRET: is deprecated" in out
        and "SHIPDESK_GENERIC_PAYMENT_WEBHOOK_SECRET" in out
    )


def test_check_without_a_secret_key_says_what_to_set_and_exits_1_without_a_traceback(tmp_path):
    # A real process: the missing key is found while Django starts, before any test settings apply.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "SHIPDESK_DATA_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "shipdesk.example.com",
    }

    done = subprocess.run(
        [sys.executable, "-m", "shipdesk.cli", "check"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "ERROR SECRET_KEY: is not set" in output
    assert "secrets.token_urlsafe(50)" in output
    assert "Traceback" not in output and "ImproperlyConfigured" not in output


def test_replicas_without_a_shared_cache_are_a_warning_and_a_per_process_token_cache_an_error(production, db):
    production.SHIPDESK_REPLICAS = {**production.SHIPDESK_REPLICAS, "aliases": ["replica1"]}
    production.SHIPDESK_TOKEN_CACHE_SECONDS = 60
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    code, out = check()

    assert code == 1
    assert "CACHE_URL" in out and "SHIPDESK_TOKEN_CACHE_SECONDS" in out

    production.SHIPDESK_TOKEN_CACHE_SECONDS = 0
    production.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://r"}}
    code, out = check()
    assert "CACHE_URL" not in out and "SHIPDESK_TOKEN_CACHE_SECONDS" not in out
