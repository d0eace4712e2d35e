"""Settings for Simpul, read from the environment.

Every setting has a default that suits the quick start (one machine, SQLite, SqliteHuey under
``var/``); a deployment overrides them with environment variables (see docs/operations.md).
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SIMPUL_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _create_once(path: Path, content: str) -> None:
    """Write a generated secret to ``path`` (mode 600) unless it exists, atomically with its content
    (written aside, then hard-linked into place, which fails if another process was first): processes
    starting together (gunicorn's workers, the consumer) all read the same one, never a half-written one."""
    if path.exists():
        return
    aside = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(content)
    try:
        os.link(aside, path)
    except FileExistsError:
        pass
    finally:
        aside.unlink()


def _secret_key() -> str:
    """Use SECRET_KEY if given, else a key generated once into var/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    _create_once(key_file, secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()


def _secret_encryption_keys() -> list[str]:
    """Fernet keys for secrets stored in the database (SNMP communities and keys): the first encrypts,
    all decrypt, so a new key can be put first and `manage.py rotate_secrets` run (docs/operations.md).
    From SIMPUL_SECRET_KEYS (comma-separated), else one generated once into var/ (never in the repo)."""
    if os.environ.get("SIMPUL_SECRET_KEYS"):
        return env_list("SIMPUL_SECRET_KEYS", [])
    key_file = VAR_DIR / "secret_encryption_keys"
    if not key_file.exists():
        from cryptography.fernet import Fernet

        _create_once(key_file, Fernet.generate_key().decode() + "\n")
    return [line.strip() for line in key_file.read_text().splitlines() if line.strip()]


SIMPUL_SECRET_KEYS = _secret_encryption_keys()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_filters",
    "django_tables2",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "infra.core",
    "infra.inventory",
    "infra.probes",
    "infra.maps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "infra.core.middleware.LoginRequiredMiddleware",
    "infra.core.middleware.SessionTimeoutMiddleware",
    "infra.core.middleware.PasswordChangeRequiredMiddleware",
    "infra.core.middleware.ChangeContextMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the locked-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "infra.urls"
WSGI_APPLICATION = "infra.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "infra" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "infra.core.context_processors.roles",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# SQLite in WAL mode under var/ by default; PostgreSQL (or any URL dj-database-url knows) via
# DATABASE_URL. IMMEDIATE transactions stop SQLite writers from failing with "database is locked"
# when a web worker and the task consumer write at once.
SQLITE_PATH = VAR_DIR / "simpul.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": SQLITE_PATH,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Users ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "core.User"
# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "infra.core.permissions.RoleBackend"]
# Every door that sets a password applies these (forms, the admin, createsuperuser through
# core.models.users.UserManager); docs/operations.md, "Security".
SIMPUL_PASSWORD_MIN_LENGTH = int(os.environ.get("SIMPUL_PASSWORD_MIN_LENGTH", "12"))
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": SIMPUL_PASSWORD_MIN_LENGTH},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Indonesian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "infra" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

# --- Cache -------------------------------------------------------------------------------------
# Drawn diagrams and the probes' status are kept in the cache. By default each process has its own
# (memory, bounded); SIMPUL_CACHE_URL=redis://host:6379/1 shares one between every web worker.
SIMPUL_CACHE_URL = os.environ.get("SIMPUL_CACHE_URL", "")
if SIMPUL_CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": SIMPUL_CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 300}}}

# --- Background work (huey) -----------------------------------------------------------------
# HUEY_BACKEND=sqlite (default, a file under var/) or redis (REDIS_URL) for several consumers.
HUEY_BACKEND = os.environ.get("HUEY_BACKEND", "sqlite").lower()
_huey_common = {
    # Consumers sharing one Redis share the queue of this name (the tests give each run its own).
    "name": os.environ.get("SIMPUL_HUEY_NAME", "simpul"),
    "immediate": env_bool("HUEY_IMMEDIATE", False),
    "consumer": {"workers": int(os.environ.get("HUEY_WORKERS", "4")), "worker_type": "thread"},
}
if HUEY_BACKEND == "redis":
    HUEY = {
        **_huey_common,
        "huey_class": "huey.RedisHuey",
        "url": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
else:
    HUEY = {
        **_huey_common,
        "huey_class": "huey.SqliteHuey",
        "filename": str(VAR_DIR / "huey.sqlite3"),
    }

# --- Probes (docs/probes.md) -------------------------------------------------------------------
# This consumer's name in results and runs (default: the host name); its reference target, probed
# before trusting its results (empty: no self-check; set it to the gateway or the DC core switch).
# The city named in every diagram's title block; empty: the registry's top city or regency region.
SIMPUL_CITY_NAME = os.environ.get("SIMPUL_CITY_NAME", "")

SIMPUL_PROBER_NAME = os.environ.get("SIMPUL_PROBER_NAME", "")
SIMPUL_PROBE_REFERENCE = os.environ.get("SIMPUL_PROBE_REFERENCE", "")
# When set, the only networks probes go to (comma-separated); the tests and the demo use loopback.
SIMPUL_PROBE_NETWORKS = env_list("SIMPUL_PROBE_NETWORKS", [])
# Targets in flight at once per chunk (empty: the engine's measured default), and chunk sizes.
SIMPUL_PROBE_CONCURRENCY = (
    int(os.environ["SIMPUL_PROBE_CONCURRENCY"]) if os.environ.get("SIMPUL_PROBE_CONCURRENCY") else None
)
SIMPUL_PROBE_CHUNK = int(os.environ.get("SIMPUL_PROBE_CHUNK", "500"))
SIMPUL_PROBE_SNMP_CHUNK = int(os.environ.get("SIMPUL_PROBE_SNMP_CHUNK", "100"))
# Raw results are kept this many days; hourly and daily figures this many days.
SIMPUL_PROBE_RAW_DAYS = int(os.environ.get("SIMPUL_PROBE_RAW_DAYS", "30"))
SIMPUL_PROBE_HOURLY_DAYS = int(os.environ.get("SIMPUL_PROBE_HOURLY_DAYS", "400"))
SIMPUL_PROBE_DAILY_DAYS = int(os.environ.get("SIMPUL_PROBE_DAILY_DAYS", str(10 * 366)))

# Website checks (HTTP engine, docs/probes.md "Websites"): a site not updated for this many days is
# flagged; a certificate expiring within this many days warns; a warning is sent again at most once
# per this many days; the freshness scan (feeds, sitemap, news) runs at most every this many hours.
SIMPUL_WEBSITE_STALE_DAYS = int(os.environ.get("SIMPUL_WEBSITE_STALE_DAYS", "90"))
SIMPUL_WEBSITE_CERT_DAYS = int(os.environ.get("SIMPUL_WEBSITE_CERT_DAYS", "30"))
SIMPUL_WEBSITE_REMINDER_DAYS = int(os.environ.get("SIMPUL_WEBSITE_REMINDER_DAYS", "7"))
SIMPUL_WEBSITE_FRESHNESS_HOURS = int(os.environ.get("SIMPUL_WEBSITE_FRESHNESS_HOURS", "6"))
# Automatic website checks of hosts outside loopback start switched off unless this is true (a person
# switches them on, one by one or all at once from the report).
SIMPUL_WEBSITE_CHECKS_ON = env_bool("SIMPUL_WEBSITE_CHECKS_ON", False)
# HTTP requests in flight at once, and at once per host (politeness); the User-Agent sent; a PEM file
# of certificate authorities trusted besides the system's (a city's own CA; the tests' and the demo's).
SIMPUL_HTTP_CONCURRENCY = int(os.environ.get("SIMPUL_HTTP_CONCURRENCY", "200"))
SIMPUL_HTTP_PER_HOST = int(os.environ.get("SIMPUL_HTTP_PER_HOST", "2"))
SIMPUL_HTTP_USER_AGENT = os.environ.get("SIMPUL_HTTP_USER_AGENT", "Simpul/1.0 (website check of the city's Diskominfo)")
SIMPUL_HTTP_CA_FILE = os.environ.get("SIMPUL_HTTP_CA_FILE", "")
SIMPUL_PROBE_HTTP_CHUNK = int(os.environ.get("SIMPUL_PROBE_HTTP_CHUNK", "200"))

# A checked spreadsheet waits this many seconds (in the database) for its confirmation.
SIMPUL_IMPORT_STAGE_TTL = int(os.environ.get("SIMPUL_IMPORT_STAGE_TTL", "3600"))
# Spreadsheet imports are checked and run by the huey consumer, within these limits (docs/operations.md):
# the upload's size, the rows that hold something, what an XLSX file unpacks to, and the seconds
# one check or import may take before it is stopped.
SIMPUL_IMPORT_MAX_BYTES = int(os.environ.get("SIMPUL_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))
SIMPUL_IMPORT_MAX_ROWS = int(os.environ.get("SIMPUL_IMPORT_MAX_ROWS", "100000"))
SIMPUL_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("SIMPUL_IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024)))
SIMPUL_IMPORT_TIME_LIMIT = int(os.environ.get("SIMPUL_IMPORT_TIME_LIMIT", "600"))

# Bootstrap's alert colours for Django's message levels.
MESSAGE_TAGS = {40: "danger"}

DJANGO_TABLES2_TEMPLATE = "generic/table.html"

# Request bodies (docs/operations.md, "Security"). Bulk API writes of up to 10,000 objects fit in
# one body; no single text field holds more than a few thousand characters (core.models.fields).
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
# A form with files (the spreadsheet import, 20 MB at most): refused past this, before it is stored.
SIMPUL_MAX_UPLOAD_SIZE = 21 * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "infra.core.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- REST API ---------------------------------------------------------------------------------
API_VERSION = "1.0"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "infra.core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["infra.core.api.permissions.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "infra.core.api.pagination.LimitOffsetPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "infra.core.api.filters.OrderingFilter",
    ],
    # JSON only, nested at most 32 deep (a deeper body is a 400, not a RecursionError).
    "DEFAULT_PARSER_CLASSES": ["infra.core.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "infra.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "infra.core.api.exceptions.exception_handler",
    "PAGE_SIZE": 50,
    "MAX_PAGE_SIZE": 1000,
    "ORDERING_PARAM": "ordering",
    "URL_FORMAT_OVERRIDE": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Simpul API",
    "DESCRIPTION": "Inventory, fiber and data-center migration records of a city government, with their "
    "complete change history. Read-only tokens for auditors. See docs/api.md.",
    "VERSION": API_VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CoreColorEnum": "infra.inventory.choices.CoreColor",
        "TerminationKindEnum": "infra.inventory.choices.TerminationKind",
        "MigrationStateEnum": "infra.inventory.choices.MigrationState",
        "CoreStateEnum": "infra.inventory.choices.CoreState",
        "SiteStatusEnum": "infra.inventory.choices.SiteStatus",
        "DeviceStatusEnum": "infra.inventory.choices.DeviceStatus",
        "FiberLinkStatusEnum": "infra.inventory.choices.FiberLinkStatus",
        "ApplicationStatusEnum": "infra.inventory.choices.ApplicationStatus",
        "IPAddressStatusEnum": "infra.inventory.choices.IPAddressStatus",
        "WaveStatusEnum": "infra.inventory.choices.WaveStatus",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Sign-in, sessions and HTTP headers (docs/operations.md, "Security") ---------------------------
# Lock-out (django-axes): SIMPUL_LOGIN_FAILURE_LIMIT wrong passwords within SIMPUL_LOGIN_COOLOFF_MINUTES
# lock the user name (whatever the address: guessing one account) and, separately, the address
# (whatever the user names: spraying many accounts) until that many minutes pass without a failure.
# SIMPUL_LOGIN_LOCKOUT_PARAMETERS lists what is counted: "username,ip_address" (default), "a+b" for a
# combination.
AXES_FAILURE_LIMIT = int(os.environ.get("SIMPUL_LOGIN_FAILURE_LIMIT", "10"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("SIMPUL_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [
    item.split("+") if "+" in item else item
    for item in env_list("SIMPUL_LOGIN_LOCKOUT_PARAMETERS", ["username", "ip_address"])
]
AXES_LOCKOUT_CALLABLE = "infra.core.security.lockout_response"  # registration/locked_out.html
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failed sign-in kept (AccessFailureLog), not only the count
AXES_VERBOSE = False  # no start-up banner; failures and lock-outs are still logged
AXES_CLIENT_IP_CALLABLE = "infra.core.security.client_ip"
# Behind a reverse proxy: the request header holding the client's address, e.g. X-Forwarded-For or
# X-Real-IP. Only when set, and only the right-most address in it (the one the proxy itself added).
SIMPUL_CLIENT_IP_HEADER = os.environ.get("SIMPUL_CLIENT_IP_HEADER", "")

# Sessions: signed out after SIMPUL_SESSION_IDLE_MINUTES without a request, and in any case
# SIMPUL_SESSION_MAX_HOURS after signing in (core.middleware.SessionTimeoutMiddleware).
SIMPUL_SESSION_IDLE_MINUTES = int(os.environ.get("SIMPUL_SESSION_IDLE_MINUTES", "60"))
SIMPUL_SESSION_MAX_HOURS = int(os.environ.get("SIMPUL_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = SIMPUL_SESSION_MAX_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SIMPUL_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# HTTPS: one switch for a site served over HTTPS (directly or behind a TLS-terminating proxy).
SIMPUL_HTTPS = env_bool("SIMPUL_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", SIMPUL_HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", SIMPUL_HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SIMPUL_HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if SIMPUL_HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SIMPUL_HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# The header a TLS-terminating proxy sets to say the request came over HTTPS, e.g.
# X-Forwarded-Proto: only when configured, since a client could send it too.
SIMPUL_PROXY_SSL_HEADER = os.environ.get("SIMPUL_PROXY_SSL_HEADER", "")
if SIMPUL_PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + SIMPUL_PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Static files are the site's own: no Access-Control-Allow-Origin: * on them.
WHITENOISE_ALLOW_ALL_ORIGINS = False

# Content security policy (django-csp): nothing inline, nothing from elsewhere. The API's
# documentation pages, which load Swagger UI and Redoc from their CDN, widen it for themselves
# only (infra/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Alerts (docs/probes.md, "Alerts") ----------------------------------------------------------
# The address people open Simpul at, for the links in alerts (empty: links are paths only).
SIMPUL_BASE_URL = os.environ.get("SIMPUL_BASE_URL", "").rstrip("/")
# Telegram's Bot API (tests point it at a local server).
SIMPUL_TELEGRAM_API = os.environ.get("SIMPUL_TELEGRAM_API", "https://api.telegram.org").rstrip("/")
# An event waits this long before it is routed, so that upstream awareness (a site behind it going
# down a minute later) and maintenance have had their say.
SIMPUL_ALERT_SETTLE_SECONDS = int(os.environ.get("SIMPUL_ALERT_SETTLE_SECONDS", "120"))
# Events older than this when first seen are not alerted (a dispatcher that was away, a new install).
SIMPUL_ALERT_MAX_AGE_HOURS = int(os.environ.get("SIMPUL_ALERT_MAX_AGE_HOURS", "6"))
# Each attempt's timeout, and attempts before a delivery is given up (back-off 1, 2, 4 ... minutes).
SIMPUL_ALERT_TIMEOUT = float(os.environ.get("SIMPUL_ALERT_TIMEOUT", "10"))
SIMPUL_ALERT_MAX_ATTEMPTS = int(os.environ.get("SIMPUL_ALERT_MAX_ATTEMPTS", "6"))
# The language of Telegram messages (Indonesian first; the JSON payload is language-free).
SIMPUL_ALERT_LANGUAGE = os.environ.get("SIMPUL_ALERT_LANGUAGE", "id")

# --- Diagrams (docs/diagrams.md) -------------------------------------------------------------------
# Seconds one diagram may take to build and draw; past that it is stopped with a message saying so.
SIMPUL_DIAGRAM_TIMEOUT = float(os.environ.get("SIMPUL_DIAGRAM_TIMEOUT", "20"))
# Drawn diagrams stay in the cache until the data they show changes, and at most this long.
SIMPUL_DIAGRAM_CACHE_SECONDS = int(os.environ.get("SIMPUL_DIAGRAM_CACHE_SECONDS", str(7 * 24 * 3600)))
# The wall screen (/diagrams/wall/) asks for a new drawing this often.
SIMPUL_WALL_REFRESH_SECONDS = int(os.environ.get("SIMPUL_WALL_REFRESH_SECONDS", "30"))
