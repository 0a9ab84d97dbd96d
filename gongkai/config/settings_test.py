"""Test settings: the production settings with plain HTTP, in-memory mail and fast hashing."""

import os

os.environ.setdefault("GONGKAI_HTTPS", "0")

from gongkai.config.settings import *  # noqa: E402, F403
from gongkai.config.settings import STORAGES  # noqa: E402

# No collectstatic in tests: serve static files straight from the apps.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Fast hashing for the hundreds of accounts tests create; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests change rows without the services too (direct updates), which start no new content
# generation: the page cache is off unless a test turns it on (core/tests/test_pagecache.py).
GONGKAI_PAGE_CACHE = False
