"""Django settings for Gongkai, read from ``GONGKAI_*`` environment variables.

See README.md "Configuration" for each variable. Production is the default:
debug off, HTTPS-only cookies, HSTS and a Content Security Policy.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from gongkai.config import env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = env.data_dir()

SECRET_KEY = env.secret_key(DATA_DIR)
DEBUG = env.env_bool("GONGKAI_DEBUG", False)
ALLOWED_HOSTS = env.env_list("GONGKAI_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "::1"])
CSRF_TRUSTED_ORIGINS = env.env_list("GONGKAI_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "gongkai.core",
    "gongkai.accounts",
    "gongkai.units",
    "gongkai.library",
    "gongkai.campaigns",
    "gongkai.search",
    "gongkai.disclosure_requests",
    "gongkai.annual_reports",
    "gongkai.portal",
    "gongkai.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache-Control, ETag/304 and the public page cache (issue #4 §8; ADR 0008). Early, so a
    # cached page skips everything below; it keeps the headers those added when it was made.
    "gongkai.core.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gongkai.config.urls"
WSGI_APPLICATION = "gongkai.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {"default": env.database(DATA_DIR)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# Login lockout (django-axes): after GONGKAI_LOGIN_FAILURE_LIMIT failures for one
# username from one address, that pair is locked for GONGKAI_LOGIN_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = env.env_int("GONGKAI_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env.env_int("GONGKAI_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Serve files straight from the apps' static folders when collectstatic has not run
# (tests, first start); `gongkai serve` runs collectstatic for production.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MANIFEST_STRICT = False

# --- Security -------------------------------------------------------------------
# GONGKAI_HTTPS=1 (default) is for a site served over HTTPS (directly or behind a
# proxy that sets X-Forwarded-Proto when GONGKAI_BEHIND_PROXY=1). The demo serves
# plain HTTP on the local machine and turns it off.
HTTPS = env.env_bool("GONGKAI_HTTPS", True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.env_int("GONGKAI_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("GONGKAI_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env.env_bool("GONGKAI_HSTS_PRELOAD", False)
if env.env_bool("GONGKAI_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.env_int("GONGKAI_SESSION_HOURS", 8) * 3600
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = (
    # HSTS preload is a site owner's decision (GONGKAI_HSTS_PRELOAD).
    [] if SECURE_HSTS_PRELOAD else ["security.W021"]
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- HTTP caching and the public page cache (issue #4 §8; docs/adr/0008) -----------------
# Anonymous public GETs: "Cache-Control: public, max-age=…, stale-while-revalidate=…" for
# browsers and a reverse proxy or CDN; everything else "private, no-store".
GONGKAI_HTTP_MAX_AGE = env.env_int("GONGKAI_HTTP_MAX_AGE", 60, minimum=0)
GONGKAI_HTTP_STALE_WHILE_REVALIDATE = env.env_int(
    "GONGKAI_HTTP_STALE_WHILE_REVALIDATE", 60, minimum=0
)
# Each server process keeps rendered anonymous pages (at most this many bytes, each page at
# most this many seconds) until content_changed() starts a new content generation.
GONGKAI_PAGE_CACHE = env.env_bool("GONGKAI_PAGE_CACHE", True)
GONGKAI_PAGE_CACHE_BYTES = env.env_int("GONGKAI_PAGE_CACHE_MB", 64, minimum=1) * 1024 * 1024
GONGKAI_PAGE_CACHE_SECONDS = env.env_int("GONGKAI_PAGE_CACHE_SECONDS", 300, minimum=1)
# Cookies that change a public page, part of the cache key: large text (portal/display.py).
GONGKAI_PAGE_CACHE_COOKIES = ["gk_text"]

# --- Search (issue #4 §3, ADR 0009) ------------------------------------------------------
# The tantivy index: a cache of the database, rebuilt by `gongkai reindex` (or by the worker
# when it is missing). Each server's own disk; not shared between machines.
GONGKAI_SEARCH_DIR = Path(os.environ.get("GONGKAI_SEARCH_DIR") or DATA_DIR / "search")
# A Chinese query word found as a segmented word in at least this many documents is not also
# searched as a run of characters in the body text (search/engine.py COMMON_WORD_DOCUMENTS).
GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS = env.env_int(
    "GONGKAI_SEARCH_COMMON_WORD_DOCUMENTS", 5_000, minimum=1
)
# Bumped after every commit that changes public content; stat()ed by every request.
GONGKAI_CONTENT_GENERATION_FILE = DATA_DIR / "content-generation"

# --- Background jobs (django-tasks with its database backend) ---------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- E-mail: SMTP when GONGKAI_SMTP_HOST is set, else files in the data dir --------
DEFAULT_FROM_EMAIL = os.environ.get("GONGKAI_EMAIL_FROM", "gongkai@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_smtp_host = os.environ.get("GONGKAI_SMTP_HOST", "")
if _smtp_host:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp_host
    EMAIL_PORT = env.env_int("GONGKAI_SMTP_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("GONGKAI_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("GONGKAI_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = env.env_bool("GONGKAI_SMTP_TLS", True)
    EMAIL_TIMEOUT = 30
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "gongkai": {"level": "INFO"},
        "django_tasks": {"level": "INFO"},
    },
}

# Jurisdiction: shown in the portal header and documents.
GONGKAI_SITE_NAME = _("Sino-Singapore Tianjin Eco-City government information disclosure")

# --- Library rules (configurable per jurisdiction; REGULATION.md §2, §6) ---------------
GONGKAI_LIBRARY = {
    # A normative document needs a valid-until date, at most this many years after it
    # takes effect (signed date when there is no effective date).
    "NORMATIVE_MAX_YEARS": env.env_int("GONGKAI_NORMATIVE_MAX_YEARS", 5),
    # Titles with these words (暂行 provisional, 试行 trial) get the shorter limit.
    "PROVISIONAL_WORDS": env.env_list("GONGKAI_PROVISIONAL_WORDS", ["暂行", "试行"]),
    "PROVISIONAL_MAX_YEARS": env.env_int("GONGKAI_PROVISIONAL_MAX_YEARS", 2),
    # Proactive information is due on the portal within this many working days (Art. 26).
    "PUBLISH_WITHIN_WORKING_DAYS": env.env_int("GONGKAI_PUBLISH_WITHIN_WORKING_DAYS", 20),
    # "Due soon" when at most this many working days remain.
    "DUE_SOON_WORKING_DAYS": env.env_int("GONGKAI_DUE_SOON_WORKING_DAYS", 5),
    # Expiry reminders to the owning unit: months / days before valid-until.
    "EXPIRY_NOTICES": [("6m", 6, 0), ("1m", 1, 0), ("1w", 0, 7)],
    # Attachments: size limit per file.
    "ATTACHMENT_MAX_BYTES": env.env_int("GONGKAI_ATTACHMENT_MAX_MB", 50) * 1024 * 1024,
}


# --- Disclosure requests (issue #5; REGULATION.md §3, §4, §5) --------------------------
GONGKAI_REQUESTS = {
    # Reply due this many working days after receipt (Art. 33).
    "REPLY_WORKING_DAYS": env.env_int("GONGKAI_REPLY_WORKING_DAYS", 20, minimum=1),
    # A clarification must be asked within this many working days of receipt (Art. 30).
    "CLARIFY_ASK_WITHIN_WORKING_DAYS": env.env_int("GONGKAI_CLARIFY_ASK_WITHIN", 7, minimum=1),
    # The deadline offered to the applicant by default, in working days.
    "CLARIFY_DEFAULT_WORKING_DAYS": env.env_int("GONGKAI_CLARIFY_DEFAULT_DAYS", 15, minimum=1),
    # A third party (Art. 32) and another agency (Art. 34) have this long to answer.
    "THIRD_PARTY_WORKING_DAYS": env.env_int("GONGKAI_THIRD_PARTY_WORKING_DAYS", 15, minimum=1),
    "AGENCY_WORKING_DAYS": env.env_int("GONGKAI_AGENCY_WORKING_DAYS", 15, minimum=1),
    # One extension of at most this many working days (Art. 33).
    "EXTENSION_MAX_WORKING_DAYS": env.env_int("GONGKAI_EXTENSION_MAX_WORKING_DAYS", 20, minimum=1),
    # Whether waiting for a fee stops the reply clock (UNVERIFIED nationally: configurable).
    "FEE_STOPS_CLOCK": env.env_bool("GONGKAI_FEE_STOPS_CLOCK", True),
    # The applicant pays within this many working days of receiving the fee notice.
    "FEE_PAY_WORKING_DAYS": env.env_int("GONGKAI_FEE_PAY_WORKING_DAYS", 20, minimum=1),
    # 国办函〔2020〕109号: per request per applicant per calendar month, or by pages.
    "FEE_SCHEDULE": {
        "per_request": {
            "free_up_to": 10,
            "first_band_up_to": 30,
            "first_band_rate": 100,
            "band": 10,
            "step": 100,
        },
        "per_volume": [[1, 30, 0], [31, 100, 10], [101, 200, 20], [201, None, 40]],
    },
    # "Due soon" lists: at most this many working days left.
    "DUE_SOON_WORKING_DAYS": env.env_int("GONGKAI_REQUEST_DUE_SOON_DAYS", 3, minimum=0),
    # Personal data of applicants is destroyed this many days after the request closed.
    "RETENTION_DAYS": env.env_int("GONGKAI_PERSONAL_DATA_RETENTION_DAYS", 1825, minimum=1),
    # Description of the information asked for: at most this many characters.
    "DESCRIPTION_MAX_CHARS": env.env_int("GONGKAI_REQUEST_DESCRIPTION_MAX", 5000, minimum=100),
    # Abuse limits: online submissions per address and per applicant per day; failed
    # tracking lookups per address per hour.
    "SUBMISSIONS_PER_IP_PER_DAY": env.env_int("GONGKAI_REQUESTS_PER_IP_PER_DAY", 20, minimum=1),
    "SUBMISSIONS_PER_APPLICANT_PER_DAY": env.env_int(
        "GONGKAI_REQUESTS_PER_APPLICANT_PER_DAY", 10, minimum=1
    ),
    "LOOKUP_FAILURES_PER_HOUR": env.env_int("GONGKAI_LOOKUP_FAILURES_PER_HOUR", 10, minimum=1),
    # Requests in these key areas are prompted for conversion to proactive disclosure.
    "CONVERT_PROMPT_KEY_AREAS": env.env_list(
        "GONGKAI_CONVERT_PROMPT_KEY_AREAS", ["land_acquisition", "housing_expropriation"]
    ),
    # ... and requests whose title or description has one of these words.
    "CONVERT_PROMPT_WORDS": env.env_list(
        "GONGKAI_CONVERT_PROMPT_WORDS", ["征收", "拆迁", "征地", "安置补偿", "棚户区改造"]
    ),
    # The reply letter's number: prefix + 〔year〕 + serial + 号.
    "LETTER_NUMBER_PREFIX": os.environ.get("GONGKAI_LETTER_NUMBER_PREFIX", "津生依申复"),
}


# --- Annual reports (issue #6; REGULATION.md §8) -----------------------------------------
# The name of the government whose government-wide report is the sum of its units.
GONGKAI_GOVERNMENT_NAME = os.environ.get("GONGKAI_GOVERNMENT_NAME", "中新天津生态城管委会")
GONGKAI_ANNUAL_REPORTS = {
    # (month, day) of the year after the report's year by which it is published: a unit's
    # report by 31 January, the government's own by 31 March (Art. 49–50).
    "UNIT_DUE": (1, 31),
    "GOVERNMENT_DUE": (3, 31),
    # Reminders to units that have not published go out daily from this day (month, day).
    "REMIND_FROM": (1, 1),
}
