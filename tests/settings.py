"""Settings for the test suite: the production settings with test-only back ends."""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("AUDIT_HMAC_KEY", "test-audit-key-not-for-production")
os.environ.setdefault("GATEWAY_TOKEN_KEY", "test-gateway-token-key-not-for-production")
os.environ.setdefault("EGOV_FAST_PASSWORD_HASHER", "1")

from egov.config.settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SMS_BACKEND = "egov.core.sms.MemorySmsBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="egov-test-media-"))
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="egov-test-static-"))
WHITENOISE_USE_FINDERS = True

from egov.identity.oidc.signing_keys import new_key_pem  # noqa: E402

OAUTH2_PROVIDER = {**OAUTH2_PROVIDER, "OIDC_RSA_PRIVATE_KEY": new_key_pem()}  # noqa: F405
SIGNING_DEV_CA = True  # the records part signs with its development CA in tests
