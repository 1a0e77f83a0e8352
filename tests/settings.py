"""Settings for the test suite: the real settings, with a test secret and no outbound email."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
# A fixed Fernet key (32 bytes, URL-safe base64): what is sealed in one test run opens in the next.
os.environ.setdefault("SHIPDESK_SECRETS_KEY", "dGVzdHMtb25seS1zZWFsaW5nLWtleS0wMTIzNDU2Nzg=")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("EMAIL_URL", "consolemail://")

from shipdesk.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# Static files come from the apps (no collectstatic in tests).
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Passwords hash with MD5 in tests only: argon2 is slow by design (that is its job), and hundreds of
# test sign-ins would spend most of the suite's time hashing. The product's own list, argon2 first,
# is asserted by tests/ops/test_ops_security_settings.py.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
