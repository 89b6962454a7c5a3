"""Satchel's one settings module, driven by environment variables.

Two modes, chosen by ``SATCHEL_MODE``:

* ``embedded`` (the default, what ``make run`` uses): SQLite in ``var/``, a secret key
  generated once into ``var/secret_key``, local media, Django serving media.
* ``production``: every secret comes from the environment; HTTPS-only cookies and HSTS;
  ``python manage.py check --deploy`` passes.

docs/settings.md lists every variable.
"""

import os
import secrets
import zoneinfo
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SATCHEL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


MODE = os.environ.get("SATCHEL_MODE", "embedded")
if MODE not in {"embedded", "production"}:
    raise ImproperlyConfigured("SATCHEL_MODE must be 'embedded' or 'production'.")
PRODUCTION = MODE == "production"


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when SATCHEL_MODE=production."
        )
    # The embedded default keeps a generated key in an ignored file, so sessions
    # survive restarts and nobody ever commits a key.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
# Keys retired by a rotation, still accepted for what they signed: sessions, signed
# media URLs and the progress owner markers of events queued on phones (courses.owners).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", default=[])
DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A form refused by the CSRF check gets the site's page (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    # Our apps first, so their templates and translations win.
    # In dependency order (shared/DESIGN.md section 2): seed_demo runs each app's
    # demo module in this order too.
    "members",
    "media_pipeline",
    "courses",
    "quizzes",
    "wagtailmedia",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages, JSON and CSV gzipped; media and static files left alone.
    "config.compression.TextGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # An empty 405 becomes a page in the member's language.
    "config.errors.MethodNotAllowedMiddleware",
    # A NUL in the path or query: 400 before a view hands it to the database.
    "config.nul_guard.NulCharacterMiddleware",
    # An id that cannot name a row, let through to a query by one of Wagtail's
    # views: 404 instead of the ValueError or OverflowError.
    "config.bad_ids.BadIdMiddleware",
    # A delete the database refused (PROTECT): a message, not a 500.
    "config.refused_deletions.ProtectedDeletionMiddleware",
    # A page that refused to go live (a workflow's approval): a message, not a 500.
    "config.refused_publishing.PublishRefusedMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "site" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "members.context_processors.roles",
            ],
        },
    },
]

# Database ---
SQLITE_OPTIONS = {
    # WAL lets the worker write while the site reads; IMMEDIATE transactions and a
    # busy timeout turn lock contention into a short wait instead of an error.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def _database() -> dict:
    url = os.environ.get("DATABASE_URL")
    if not url:
        if PRODUCTION:
            raise ImproperlyConfigured(
                "DATABASE_URL must be set when SATCHEL_MODE=production."
            )
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
    config = dj_database_url.parse(
        url, conn_max_age=int(os.environ.get("CONN_MAX_AGE", 0))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Users and sessions ---
VALIDATORS_MODULE = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{VALIDATORS_MODULE}.UserAttributeSimilarityValidator"},
    {"NAME": f"{VALIDATORS_MODULE}.MinimumLengthValidator"},
    {"NAME": f"{VALIDATORS_MODULE}.CommonPasswordValidator"},
    {"NAME": f"{VALIDATORS_MODULE}.NumericPasswordValidator"},
]
# A login named by a phone (members' logins) also takes the phone written with
# spaces, dashes or +86 (members/backends.py). Django's own comes first: it tries
# the name as typed, and the sessions it signed in stay valid.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "members.backends.PhoneLoginBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
# Members study for weeks on the same phone; do not make them log in every day.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 60

# Languages ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
WAGTAIL_CONTENT_LANGUAGES = WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# site/locale_vendor fills the gaps in Wagtail's and wagtailmedia's own Chinese
# catalogues (docs/development.md, "Translations"); our own strings, listed first, win.
LOCALE_PATHS = [BASE_DIR / "site" / "locale", BASE_DIR / "site" / "locale_vendor"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_TZ = True

# Static and media files ---
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "site" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}


def s3_storage(bucket: str) -> dict:
    """Uploads, lecture ladders, images and documents on an S3-compatible store
    (django-storages). Credentials come the way boto3 looks for them
    (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role)."""
    return {
        "BACKEND": "config.s3_storage.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            # Any S3-compatible store (MinIO, Ceph, a cloud's object storage).
            "endpoint_url": os.environ.get("SATCHEL_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("SATCHEL_S3_REGION") or None,
            "location": os.environ.get("SATCHEL_S3_PREFIX", ""),
            # Private objects: members-only lectures are served behind signed URLs.
            "default_acl": None,
            "querystring_auth": True,
            # Signature version 4: what every AWS region takes (botocore signs
            # some URLs with version 2, which newer regions refuse) and what
            # S3-compatible stores expect.
            "signature_version": "s3v4",
            # A replaced upload never overwrites another file of the same name.
            "file_overwrite": False,
        },
    }


if SATCHEL_S3_BUCKET := os.environ.get("SATCHEL_S3_BUCKET", ""):
    STORAGES["default"] = s3_storage(SATCHEL_S3_BUCKET)
# Whether Django itself serves the public part of MEDIA_URL, Wagtail's image files
# (config/public_media.py), at one stable URL per picture, on local storage and on S3
# alike. Off only where something else serves MEDIA_URL/images/ (docs/deployment.md).
# Lectures and documents have their own views either way.
SATCHEL_SERVE_MEDIA = env_bool("SATCHEL_SERVE_MEDIA", default=True)

# Background tasks ---
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # Long transcodes get their own queue so they never hold up short jobs.
        "QUEUES": ["default", "media"],
    }
}

# Wagtail ---
WAGTAIL_SITE_NAME = "Satchel"
# The account screen's time zones: IANA's Area/Location names and UTC. The system's
# zoneinfo also lists aliases such as "localtime" that browsers refuse (the screen's
# script then stops with a RangeError).
WAGTAIL_USER_TIME_ZONES = ["UTC"] + sorted(
    name
    for name in zoneinfo.available_timezones()
    if "/" in name and not name.startswith(("Etc/", "posix/", "right/"))
)
WAGTAILADMIN_BASE_URL = os.environ.get("SATCHEL_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
# Wagtail's, with a translated label on the password field.
WAGTAILADMIN_USER_LOGIN_FORM = "config.admin_login.LoginForm"
WAGTAILSEARCH_BACKENDS = {
    "default": {"BACKEND": "wagtail.search.backends.database.fallback"}
}
# Their tag fields are taggit's own: these bases add the rule of config/tags.py.
WAGTAILIMAGES_IMAGE_FORM_BASE = "courses.admin_fields.ImageForm"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "courses.admin_fields.DocumentForm"
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
# Draftail, with JSON's lone surrogates made storable (config/rich_text.py).
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "config.rich_text.DraftailRichTextArea"}
}

# Members (owned by the members app) ---

# Media pipeline (owned by the media_pipeline app) ---
# docs/media-pipeline.md explains each of these. The media model is swappable and so
# fixed here: changing it after migrations would orphan every lecture.
WAGTAILMEDIA = {
    "MEDIA_MODEL": "media_pipeline.Lecture",
    "MEDIA_FORM_BASE": "media_pipeline.forms.LectureForm",
    # The probe judges the content (media_pipeline/probe.py); extensions prove nothing.
    "AUDIO_EXTENSIONS": [],
    "VIDEO_EXTENSIONS": [],
}
# ffmpeg binary: this setting, else `ffmpeg` on PATH, else imageio-ffmpeg's.
SATCHEL_FFMPEG = os.environ.get("SATCHEL_FFMPEG", "")
# An ffmpeg run that reports no progress for this long is killed (and retried).
SATCHEL_FFMPEG_STALL_SECONDS = int(os.environ.get("SATCHEL_FFMPEG_STALL_SECONDS", 120))
# What an editor may upload as a lecture.
SATCHEL_LECTURE_MAX_SECONDS = int(
    os.environ.get("SATCHEL_LECTURE_MAX_SECONDS", 4 * 3600)
)
SATCHEL_LECTURE_MAX_DIMENSION = int(
    os.environ.get("SATCHEL_LECTURE_MAX_DIMENSION", 4096)
)
# How long a signed /m/<token>/... media URL stays valid.
SATCHEL_MEDIA_URL_TTL = int(os.environ.get("SATCHEL_MEDIA_URL_TTL", 6 * 3600))
# Behind nginx: the internal location that maps to MEDIA_ROOT, or proxies to the
# object store with SATCHEL_S3_BUCKET (e.g. "/_media/"). The web process then checks
# the signed URL and hands the file to nginx with X-Accel-Redirect, instead of
# streaming it to a slow phone itself (docs/deployment.md, "Lecture files behind
# nginx").
SATCHEL_MEDIA_ACCEL_REDIRECT = os.environ.get("SATCHEL_MEDIA_ACCEL_REDIRECT", "")
if SATCHEL_MEDIA_ACCEL_REDIRECT and not (
    SATCHEL_MEDIA_ACCEL_REDIRECT.startswith("/")
    and SATCHEL_MEDIA_ACCEL_REDIRECT.endswith("/")
):
    raise ImproperlyConfigured(
        "SATCHEL_MEDIA_ACCEL_REDIRECT must start and end with '/', e.g. /_media/."
    )
# Transient transcoding failures are retried this many times in all, with backoff.
SATCHEL_TRANSCODE_MAX_ATTEMPTS = int(
    os.environ.get("SATCHEL_TRANSCODE_MAX_ATTEMPTS", 3)
)
SATCHEL_TRANSCODE_RETRY_SECONDS = int(
    os.environ.get("SATCHEL_TRANSCODE_RETRY_SECONDS", 60)
)
# A `processing` lecture whose worker has not reported for this long is re-queued.
SATCHEL_TRANSCODE_STALE_SECONDS = int(
    os.environ.get("SATCHEL_TRANSCODE_STALE_SECONDS", 15 * 60)
)

# Courses and progress (owned by the courses app) ---
# Heartbeats (progress batches that change no report figure) commit without waiting
# for the disk on PostgreSQL: a database crash may lose the last fraction of a second
# of them, which the next heartbeat of the session restores (docs/progress.md).
SATCHEL_PROGRESS_ASYNC_HEARTBEATS = env_bool("SATCHEL_PROGRESS_ASYNC_HEARTBEATS", True)
# Reminders (docs/reports.md): a member is not reminded again within this many hours.
SATCHEL_REMINDER_INTERVAL_HOURS = int(
    os.environ.get("SATCHEL_REMINDER_INTERVAL_HOURS", 72)
)
# How reminders are delivered: courses.reminders.senders.ConsoleSender (default),
# FileSender, EmailSender or SmsSender, or any class with `channel` and `send()`.
SATCHEL_REMINDER_SENDER = os.environ.get(
    "SATCHEL_REMINDER_SENDER", "courses.reminders.senders.ConsoleSender"
)
SATCHEL_REMINDER_FILE = Path(
    os.environ.get("SATCHEL_REMINDER_FILE", VAR_DIR / "reminders.jsonl")
)
SATCHEL_REMINDER_EMAIL_SUBJECT = os.environ.get(
    "SATCHEL_REMINDER_EMAIL_SUBJECT", "Satchel: a study reminder"
)
# SMS gateway (SmsSender): JSON POST with a bearer token.
SATCHEL_SMS_GATEWAY_URL = os.environ.get("SATCHEL_SMS_GATEWAY_URL", "")
SATCHEL_SMS_GATEWAY_TOKEN = os.environ.get("SATCHEL_SMS_GATEWAY_TOKEN", "")
SATCHEL_SMS_GATEWAY_TIMEOUT = float(os.environ.get("SATCHEL_SMS_GATEWAY_TIMEOUT", 10))

# Quizzes (owned by the quizzes app) ---
# Seconds a submission may arrive after a timed attempt's deadline: a phone on 2G
# may take that long to deliver the request the member sent in time.
QUIZZES_GRACE_SECONDS = int(os.environ.get("QUIZZES_GRACE_SECONDS", 30))
# Largest question bank file accepted by the import view.
QUIZZES_IMPORT_MAX_BYTES = int(os.environ.get("QUIZZES_IMPORT_MAX_BYTES", 5_000_000))

# API ---
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.api_auth.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers and errors, hardened and in our error shape (config/api_*.py).
    "DEFAULT_PARSER_CLASSES": [
        "config.api_input.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "config.api_errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Satchel API",
    "DESCRIPTION": "Members, progress, lectures, quizzes and organiser reports.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "PREPROCESSING_HOOKS": ["config.schema.only_public_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.every_operation_may_refuse_a_visitor",
    ],
}

# Logging: one line per event on stderr; the process manager keeps it. ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "filters": {
        "client_errors_without_traceback": {
            "()": "config.log_filters.ClientErrorsWithoutTraceback"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_errors_without_traceback"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per task state change is noise (Wagtail queues a task per page save);
        # our own task modules log what matters.
        "django_tasks": {"level": "WARNING"},
    },
}

# Production hardening ---
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading is a commitment for the whole domain; operators opt in to it.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
