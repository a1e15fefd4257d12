"""Settings for Gongzhi.

Every knob comes from an environment variable (12-factor); this is the only
place that reads the environment. Defaults are safe for development on one
machine (SQLite under ``var/``); production is selected with
``GONGZHI_ENV=production`` and then refuses to start with a weak secret, a
missing encryption key or DEBUG on (see ``docs/deploy.md``).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", BASE_DIR / "var"))


def env_str(name, default=""):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    raw = os.environ.get(name)
    return int(raw) if raw not in (None, "") else default


def env_list(name, default=()):
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


GONGZHI_ENV = env_str("GONGZHI_ENV", "development")
PRODUCTION = GONGZHI_ENV == "production"
TESTING = env_bool("GONGZHI_TESTING", False)

DEBUG = env_bool("DEBUG", not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-secret-key-change-me-in-production-0123456789"
SECRET_KEY = env_str("SECRET_KEY", "" if PRODUCTION else _DEV_SECRET)

# Fernet key (urlsafe base64, 32 bytes) for personal fields; the development
# default is derived from a fixed string so demo data stays readable across runs.
_DEV_FIELD_KEY = "Z29uZ3poaS1kZXYtb25seS1maWVsZC1rZXktMDAwMDA="
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY", "" if PRODUCTION else _DEV_FIELD_KEY)
# Older keys still accepted for reading, newest first (key rotation).
FIELD_ENCRYPTION_OLD_KEYS = env_list("FIELD_ENCRYPTION_OLD_KEYS")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", "" if PRODUCTION else "gongzhi-dev-blind-index-key")
# 国密 for 密评 (gongzhi.core.crypto): the scheme new encrypted values are written with (aes-256-gcm,
# sm4-gcm, or sm4-ctr-hmac-sm3 where the linked OpenSSL lacks SM4-GCM; every scheme stays readable; switch
# and run rotate_field_key) and the keyed hash of blind indexes (hmac-sha256 or hmac-sm3; switch and run
# rebuild_blind_index). The start-up check core.E010 says when the linked library lacks them.
FIELD_ENCRYPTION_ALGORITHM = env_str("FIELD_ENCRYPTION_ALGORITHM", "aes-256-gcm")
BLIND_INDEX_ALGORITHM = env_str("BLIND_INDEX_ALGORITHM", "hmac-sha256")

if PRODUCTION:
    _problems = []
    if DEBUG:
        _problems.append("DEBUG must be off in production")
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET or len(set(SECRET_KEY)) < 5:
        _problems.append("SECRET_KEY is missing or weak (at least 50 characters, not the development key)")
    if not FIELD_ENCRYPTION_KEY or FIELD_ENCRYPTION_KEY == _DEV_FIELD_KEY:
        _problems.append("FIELD_ENCRYPTION_KEY is missing (generate one with `python manage.py generate_field_key`)")
    if not BLIND_INDEX_KEY or BLIND_INDEX_KEY == "gongzhi-dev-blind-index-key":
        _problems.append("BLIND_INDEX_KEY is missing")
    if _problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(_problems))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "gongzhi.core",
    "gongzhi.regions",
    "gongzhi.accounts",
    "gongzhi.audit",
    "gongzhi.workdays",
    "gongzhi.privacy",
    "gongzhi.registry",
    "gongzhi.notifications",
    "gongzhi.cases",
    "gongzhi.noticeboard",
    "gongzhi.mediation",
    "gongzhi.deliberation",
    "gongzhi.party",
    "gongzhi.insights",
    "gongzhi.volunteers",
    "gongzhi.assessment",
    "django_tasks_db",
    "gongzhi.ops",
    "gongzhi.demo",
    "gongzhi.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "gongzhi.audit.middleware.AuditContextMiddleware",
    "gongzhi.ops.replica.ReplicaReadsMiddleware",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# Embedded default: SQLite in WAL mode with a busy timeout, so the web server,
# commands and the worker can share one file. DATABASE_URL selects PostgreSQL.
SQLITE_PATH = VAR_DIR / "gongzhi.sqlite3"
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}")
# Persistent connections (DB_CONN_MAX_AGE seconds; production default 60) save a
# connection set-up per request; each is checked before reuse, so a restarted
# database costs one failed check, not a failed request.
DATABASES = {"default": dj_database_url.parse(
    DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0), conn_health_checks=True)}
# A read replica (docs/scaling.md): dashboards, exports and metrics read there (gongzhi.ops.replica).
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60 if PRODUCTION else 0), conn_health_checks=True)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # test runs read their own writes
DATABASE_ROUTERS = ["gongzhi.ops.replica.ReplicaRouter"]  # without a replica every read is the primary's
# Views (by URL name) and path prefixes ("/…") whose GET requests read the replica.
REPLICA_READ_VIEWS = env_list("REPLICA_READ_VIEWS", [
    "dashboard", "dashboard_export", "console_cases_xlsx", "console_cases_csv", "metrics", "/api/v1/cases/metrics"])
# After a change, a browser reads the primary this long (the replica may lag behind it).
REPLICA_PIN_SECONDS = env_int("REPLICA_PIN_SECONDS", 10)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20),
    }
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME", "") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["gongzhi.accounts.backends.ThrottledModelBackend",
                           "gongzhi.accounts.backends.PhoneCodeBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Failed sign-ins: after LOGIN_MAX_FAILURES failures within LOGIN_FAILURE_WINDOW
# seconds for one user name (or one client address), sign-in is refused for
# LOGIN_LOCKOUT_SECONDS.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW", 15 * 60)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
# Two-factor sign-in (gongzhi.accounts.two_factor): with TWO_FACTOR_ENFORCED, administrators and every
# role that may reveal personal data must sign in with an authenticator app's code (TOTP); others may.
# On in production; off in development (the demo users sign in with a password) and in tests but those
# of it.
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", PRODUCTION)
OTP_TOTP_ISSUER = env_str("TWO_FACTOR_ISSUER", "Gongzhi")
# Sessions end after this many seconds without a request (gongzhi.accounts.sessions); per role with
# SESSION_IDLE_TIMEOUTS="resident=86400,admin=900" (a role's name as in accounts.roles.Role).
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_IDLE_TIMEOUTS = {"resident": 7 * 24 * 3600}
for _item in env_list("SESSION_IDLE_TIMEOUTS", []):
    _role_name, _sep, _seconds = _item.partition("=")
    if not _sep or not _seconds.strip().isdigit():
        raise ImproperlyConfigured(f"SESSION_IDLE_TIMEOUTS: write role=seconds, not {_item!r}")
    SESSION_IDLE_TIMEOUTS[_role_name.strip()] = int(_seconds)
# A password reset link an administrator issues works once, for this many seconds.
PASSWORD_RESET_LINK_TTL = env_int("PASSWORD_RESET_LINK_TTL", 24 * 3600)
# A data-subject request (PIPL) is answered within this many working days of its receipt.
PRIVACY_REQUEST_WORKING_DAYS = env_int("PRIVACY_REQUEST_WORKING_DAYS", 15)
# Who answers the requests residents file themselves (a user name); empty: the least busy administrator.
PRIVACY_REQUEST_OWNER = env_str("PRIVACY_REQUEST_OWNER", "")
# Residents' sign-in by mobile number and one-time SMS code (gongzhi.accounts.phone_signin):
# how long a code lasts, how many digits it has, how many wrong guesses spend it, and the
# limits per number (one code per interval, so many a day) and per client address (an hour).
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 5 * 60)
SMS_CODE_LENGTH = env_int("SMS_CODE_LENGTH", 6)
SMS_CODE_MAX_ATTEMPTS = env_int("SMS_CODE_MAX_ATTEMPTS", 5)
SMS_CODE_INTERVAL = env_int("SMS_CODE_INTERVAL", 60)
SMS_CODE_PER_NUMBER_DAY = env_int("SMS_CODE_PER_NUMBER_DAY", 10)
SMS_CODE_PER_ADDRESS_HOUR = env_int("SMS_CODE_PER_ADDRESS_HOUR", 30)

# --- Internationalisation ---------------------------------------------------
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
# The language of a visitor who has not chosen one. Chinese unless a deployment says otherwise.
LANGUAGE_CODE = env_str("GONGZHI_LANGUAGE", "zh-hans")
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"GONGZHI_LANGUAGE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}")
LOCALE_PATHS = [BASE_DIR / "gongzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Working-day calendar ---------------------------------------------------
# Office hours as "HH:MM-HH:MM" ranges separated by commas (lunch break between).
OFFICE_HOURS = env_str("OFFICE_HOURS", "09:00-12:00,13:30-17:30")

# --- Static and media -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
# The nightly de-identified Parquet export of case events (gongzhi.cases.analytics, docs/scaling.md).
ANALYTICS_DIR = Path(env_str("ANALYTICS_DIR", str(VAR_DIR / "analytics")))

# --- Security ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Demo -------------------------------------------------------------------
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "")

# --- Request handling (接诉即办) ---------------------------------------------
# After this many returns (退单) a case goes to the subdistrict command centre
# for a binding decision instead of back to the dispatch queue.
CASE_MAX_RETURNS = env_int("CASE_MAX_RETURNS", 2)
# A deadline is "due soon" when fewer working hours than this remain.
CASE_DUE_SOON_WORKING_HOURS = env_int("CASE_DUE_SOON_WORKING_HOURS", 4)
CASE_ATTACHMENT_MAX_BYTES = env_int("CASE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
CASE_ATTACHMENT_MAX_PIXELS = env_int("CASE_ATTACHMENT_MAX_PIXELS", 40_000_000)

# --- Background tasks and notifications -------------------------------------
# Django's tasks framework. The embedded default runs each task at once in the
# calling process, so nothing else has to run; production may name a backend
# with a worker (e.g. a Redis-backed one) in TASKS_BACKEND.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")}}
# Outbound channels of notifications, each a class behind one interface
# (gongzhi.notifications.channels.Channel). The default only logs; swap in a
# real sender per channel with NOTIFICATION_<NAME>_BACKEND.
# A channel's other options come from NOTIFICATION_<NAME>_<OPTION> when set: for the SMS
# provider's HTTP API (gongzhi.notifications.channels.HttpSmsChannel) URL, TOKEN, SIGN_NAME
# and TIMEOUT (docs/deploy.md).
NOTIFICATION_CHANNEL_OPTIONS = ("URL", "TOKEN", "SIGN_NAME", "TIMEOUT")
NOTIFICATION_CHANNELS = {
    name: {"BACKEND": env_str(f"NOTIFICATION_{name.upper()}_BACKEND",
                              "gongzhi.notifications.channels.LoggingChannel"),
           **{option: env_str(f"NOTIFICATION_{name.upper()}_{option}") for option in NOTIFICATION_CHANNEL_OPTIONS
              if env_str(f"NOTIFICATION_{name.upper()}_{option}")}}
    for name in env_list("NOTIFICATION_CHANNEL_NAMES", ["sms", "wechat", "email"])
}


# --- Production path: static files, cache, task queue, logs, metrics -------
# (gongzhi.ops; docs/deploy.md). Development defaults need neither Redis nor
# collectstatic nor a worker.
import sys  # noqa: E402

# Tests and DEBUG serve static files from the apps' folders; production serves
# compressed files with content hashes in their names, from STATIC_ROOT after
# `collectstatic`.
_RUNNING_TESTS = TESTING or "pytest" in sys.modules or sys.argv[1:2] == ["test"]
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", not DEBUG and not _RUNNING_TESTS)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_MANIFEST
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = not STATIC_MANIFEST
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "whitenoise.middleware.WhiteNoiseMiddleware")
MIDDLEWARE.insert(0, "gongzhi.ops.middleware.MetricsMiddleware")
# Before WhiteNoise, so that static files (vendor HTML among them) carry the policy too.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "django.middleware.csp.ContentSecurityPolicyMiddleware")
# NUL and control characters in the path or query string: 400 before any view (gongzhi.core.text).
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.locale.LocaleMiddleware") + 1,
                  "gongzhi.core.middleware.RefuseControlCharactersMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("gongzhi.audit.middleware.AuditContextMiddleware") + 1,
                  "gongzhi.ops.middleware.RequestIdMiddleware")
# Idle expiry and the second factor of every signed-in request (gongzhi.accounts.middleware); after
# the audit context (client address, request id) is bound.
MIDDLEWARE.insert(MIDDLEWARE.index("gongzhi.ops.middleware.RequestIdMiddleware") + 1,
                  "gongzhi.accounts.middleware.SessionGuardMiddleware")

# Behind a reverse proxy that overwrites X-Forwarded-For with the client
# address, the audit trail and /metrics may take the client from it.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# Cache: Redis when REDIS_URL is set (shared by every process), otherwise
# per-process memory.
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "gongzhi.ops.cache.RedisCache",  # Django's, reusing its Redis client
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "gongzhi"),
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }}
    # Sessions are read from the cache (a Redis round trip instead of a query on
    # every signed-in request) and written through to the database, so a flushed
    # or restarted Redis signs nobody out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gongzhi"}}

# Task queue: TASKS_BACKEND is `immediate` (run in the calling process; the
# development default), `database` (a queue table run by `manage.py db_worker`;
# the production default) or a dotted backend path.
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "dummy": "django.tasks.backends.dummy.DummyBackend",
    "database": "django_tasks_db.DatabaseBackend",
    "redis": "gongzhi.ops.redis_tasks.RedisBackend",  # several workers at city scale (docs/scaling.md)
}
_tasks_backend = env_str("TASKS_BACKEND", "database" if PRODUCTION else "immediate")
TASKS["default"]["BACKEND"] = _TASK_BACKENDS.get(_tasks_backend, _tasks_backend)
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 14)
# The Redis queue's server (TASKS_BACKEND=redis); REDIS_URL, the cache's, when unset.
TASKS_REDIS_URL = env_str("TASKS_REDIS_URL", "")
TASKS["default"]["OPTIONS"] = {
    "MAX_ATTEMPTS": env_int("TASK_MAX_ATTEMPTS", 5),
    "BACKOFF_SECONDS": env_int("TASK_RETRY_BACKOFF_SECONDS", 2),
} if TASKS["default"]["BACKEND"].endswith("RedisBackend") else {}

# Logs: one JSON object per line in production (LOG_FORMAT=json), plain text
# in development; every line carries the request id (gongzhi.ops.logs).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
# Where gunicorn's workers share their request metrics (set by deploy/gunicorn.conf.py; the
# prometheus_client library reads the same variable itself when it is imported).
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or plain, not {LOG_FORMAT!r}")
LOGGING["filters"] = {**LOGGING.get("filters", {}), "request_id": {"()": "gongzhi.ops.logs.RequestIdFilter"}}
LOGGING["formatters"]["json"] = {"()": "gongzhi.ops.logs.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
LOGGING["handlers"]["console"]["filters"] = [*LOGGING["handlers"]["console"].get("filters", []), "request_id"]
# Phone and ID numbers are masked in every log record, by every handler (gongzhi.ops.logs).
LOGGING["filters"]["mask_personal_numbers"] = {"()": "gongzhi.ops.logs.MaskPersonalNumbers"}
# Every (re)configuration of logging masks every handler, Django's default ones too.
LOGGING_CONFIG = "gongzhi.ops.logs.configure"
for _handler in LOGGING["handlers"].values():
    _handler["filters"] = [*_handler.get("filters", []), "mask_personal_numbers"]

# /metrics: from these addresses (or networks), or with
# `Authorization: Bearer $METRICS_TOKEN`.
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Web pages (gongzhi.web) ---------------------------------------------------
# Front-end libraries come from the npm registry (package.json, `make assets`)
# and are served as local static files under static/vendor/<name>/: nothing is
# fetched from the internet at run time. Only installed ones are listed, so a
# checkout without node_modules still starts (web/tests check they are there).
_NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (f"vendor/{name}", _NODE_MODULES / path)
    for name, path in (("leaflet", "leaflet/dist"), ("uplot", "uplot/dist"), ("swagger-ui", "swagger-ui-dist"))
    if (_NODE_MODULES / path).is_dir()
]
# Map tiles are a deployment setting (docs/deploy.md, "Map tiles"): an intranet tile server's URL
# template ("https://tiles.example.gov.cn/{z}/{x}/{y}.png", MAP_TILE_URL), or 天地图 with the site's
# browser key (MAP_TIANDITU_KEY). Neither set (the default): no tile is fetched from anywhere, and the
# maps draw the communities and grids, labelled, on a plain background.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
MAP_TILE_SUBDOMAINS = env_str("MAP_TILE_SUBDOMAINS", "abc")
MAP_TIANDITU_KEY = env_str("MAP_TIANDITU_KEY", "")


def _tile_layers(url: str, attribution: str, subdomains: str, tianditu_key: str) -> list[dict]:
    """The tile layers every map draws, bottom first (empty: a plain, labelled vector map)."""
    if url:
        return [{"url": url, "attribution": attribution, "subdomains": subdomains}]
    if tianditu_key:
        # 天地图's Web-Mercator WMTS (CGCS2000 ≈ WGS-84: the stored boundaries and points need no shift):
        # the vector base map and its Chinese annotation layer, on servers t0…t7.
        wmts = ("https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s"
                "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s")
        credit = attribution or "天地图"
        return [{"url": wmts % (layer, layer, tianditu_key), "attribution": credit if layer == "vec" else "",
                 "subdomains": "01234567"} for layer in ("vec", "cva")]
    return []


MAP_TILE_LAYERS = _tile_layers(MAP_TILE_URL, MAP_TILE_ATTRIBUTION, MAP_TILE_SUBDOMAINS, MAP_TIANDITU_KEY)
# How many photos a resident or grid worker may attach to one report.
WEB_MAX_PHOTOS = env_int("WEB_MAX_PHOTOS", 3)
TEMPLATES[0]["OPTIONS"]["context_processors"].append("gongzhi.web.context_processors.layout")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("gongzhi.workdays.warnings.context")

# Content-Security-Policy on every response (Django's own middleware): scripts and styles come from
# this server's static files only, never 'unsafe-inline' (pages keep no inline script or style
# attribute; the few inline blocks of Django's admin carry the request's nonce); no request goes to
# another host but the map tiles' (MAP_TILE_LAYERS, only when configured). An injected <script> or onerror= does not run.
def _tile_origin(url: str) -> list[str]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if not (parts.scheme and parts.netloc):
        return []
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:  # {s}.tiles.example.cn: any subdomain of the rest
        host = "*." + host.split("}", 1)[-1].lstrip(".-")
    return [f"{parts.scheme}://{host}"]


from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:", *dict.fromkeys(o for layer in MAP_TILE_LAYERS for o in _tile_origin(layer["url"]))],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
TEMPLATES[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")

# --- Request handling: Open311 and the three rates (gongzhi.cases) ---------
# The jurisdiction this server answers for in Open311 GeoReport v2; a request
# naming another jurisdiction_id gets 404.
OPEN311_JURISDICTION_ID = env_str("OPEN311_JURISDICTION_ID", "gongzhi.local")
# Satisfaction rate: 满意 counts 1, 基本满意 this much, 不满意 0.
CASE_SATISFACTION_PARTIAL_WEIGHT = float(env_str("CASE_SATISFACTION_PARTIAL_WEIGHT", "0.8"))
# Composite score of units: weights of the response, resolution and
# satisfaction rates, as "response:10,resolution:45,satisfaction:45".
CASE_SCORE_WEIGHTS = {
    name.strip(): float(weight)
    for name, weight in (item.split(":", 1) for item in env_list(
        "CASE_SCORE_WEIGHTS", ["response:10", "resolution:45", "satisfaction:45"]))
}
if not 0.0 <= CASE_SATISFACTION_PARTIAL_WEIGHT <= 1.0:
    raise ImproperlyConfigured("CASE_SATISFACTION_PARTIAL_WEIGHT must lie between 0 and 1")
if (set(CASE_SCORE_WEIGHTS) != {"response", "resolution", "satisfaction"}
        or any(w < 0 for w in CASE_SCORE_WEIGHTS.values()) or not sum(CASE_SCORE_WEIGHTS.values())):
    raise ImproperlyConfigured("CASE_SCORE_WEIGHTS must give response, resolution and satisfaction "
                               "non-negative weights that are not all zero")

# --- Every step on the clock; supervision (督办) -------------------------------
# Intake → dispatch, in clock hours (the hotline runs day and night): emergencies,
# utilities (water, power, gas, heating: categories whose dispatch hours say so) and
# everything else. A category may name its own hours per urgency.
CASE_DISPATCH_HOURS_URGENT = env_int("CASE_DISPATCH_HOURS_URGENT", 1)
CASE_DISPATCH_HOURS_UTILITY = env_int("CASE_DISPATCH_HOURS_UTILITY", 2)
CASE_DISPATCH_HOURS_NORMAL = env_int("CASE_DISPATCH_HOURS_NORMAL", 24)
# The callback (回访) is due this many working days after the reply; after this many
# unsuccessful attempts to reach the resident the case is closed as unreachable.
CASE_CALLBACK_WORKING_DAYS = env_int("CASE_CALLBACK_WORKING_DAYS", 2)
CASE_CALLBACK_MAX_ATTEMPTS = env_int("CASE_CALLBACK_MAX_ATTEMPTS", 3)
# A red card (红牌) instead of the yellow one once a case is overdue by this many working
# days, or once an overdue case was complained about again this many times (reopenings
# after unsatisfied callbacks plus repeated reports merged into it).
CASE_RED_CARD_OVERDUE_DAYS = env_int("CASE_RED_CARD_OVERDUE_DAYS", 3)
CASE_RED_CARD_REPEAT_COMPLAINTS = env_int("CASE_RED_CARD_REPEAT_COMPLAINTS", 2)
for _name in ("CASE_DISPATCH_HOURS_URGENT", "CASE_DISPATCH_HOURS_UTILITY", "CASE_DISPATCH_HOURS_NORMAL",
              "CASE_CALLBACK_WORKING_DAYS", "CASE_CALLBACK_MAX_ATTEMPTS", "CASE_RED_CARD_OVERDUE_DAYS",
              "CASE_RED_CARD_REPEAT_COMPLAINTS"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")

# --- Duplicates at intake (gongzhi.cases.duplicates) --------------------------
# An open case is shown as "already reported" for a new one when it lies in the same grid or
# within CASE_DUPLICATE_RADIUS_M metres, was received within CASE_DUPLICATE_WINDOW_DAYS days, and
# its text is at least CASE_DUPLICATE_MIN_SIMILARITY percent alike (character bigrams, 0-100).
# At most CASE_DUPLICATE_SCAN_MAX recent cases of the place are compared; CASE_DUPLICATE_SHOWN shown.
CASE_DUPLICATE_RADIUS_M = env_int("CASE_DUPLICATE_RADIUS_M", 300)
CASE_DUPLICATE_WINDOW_DAYS = env_int("CASE_DUPLICATE_WINDOW_DAYS", 30)
CASE_DUPLICATE_MIN_SIMILARITY = env_int("CASE_DUPLICATE_MIN_SIMILARITY", 45)
CASE_DUPLICATE_SCAN_MAX = env_int("CASE_DUPLICATE_SCAN_MAX", 500)
CASE_DUPLICATE_SHOWN = env_int("CASE_DUPLICATE_SHOWN", 5)
if not 1 <= CASE_DUPLICATE_MIN_SIMILARITY <= 100:
    raise ImproperlyConfigured("CASE_DUPLICATE_MIN_SIMILARITY must lie between 1 and 100")
if min(CASE_DUPLICATE_WINDOW_DAYS, CASE_DUPLICATE_SCAN_MAX, CASE_DUPLICATE_SHOWN) < 1 or CASE_DUPLICATE_RADIUS_M < 0:
    raise ImproperlyConfigured("CASE_DUPLICATE_WINDOW_DAYS, CASE_DUPLICATE_SCAN_MAX and CASE_DUPLICATE_SHOWN must be "
                               "positive, CASE_DUPLICATE_RADIUS_M not negative")

# --- Revealing personal data (gongzhi.audit.reveal) --------------------------
# A reveal needs a reason of at least REVEAL_REASON_MIN_CHARS visible characters.
# Per user (or API key): at most REVEAL_BURST reveals within REVEAL_BURST_SECONDS
# and REVEAL_DAILY_CAP a day; beyond either the reveal is refused and the
# user's supervisors are told.
REVEAL_REASON_MIN_CHARS = env_int("REVEAL_REASON_MIN_CHARS", 4)
REVEAL_BURST = env_int("REVEAL_BURST", 10)
REVEAL_BURST_SECONDS = env_int("REVEAL_BURST_SECONDS", 60)
REVEAL_DAILY_CAP = env_int("REVEAL_DAILY_CAP", 100)
if min(REVEAL_REASON_MIN_CHARS, REVEAL_BURST, REVEAL_BURST_SECONDS, REVEAL_DAILY_CAP) < 1:
    raise ImproperlyConfigured("REVEAL_REASON_MIN_CHARS, REVEAL_BURST, REVEAL_BURST_SECONDS and REVEAL_DAILY_CAP "
                               "must be positive")

# The longest period (in days) the rates, rankings and the dashboard count over at once;
# a wider one is refused with a message (the figures of a year cost a few rollup rows).
METRICS_MAX_PERIOD_DAYS = env_int("METRICS_MAX_PERIOD_DAYS", 366)
if METRICS_MAX_PERIOD_DAYS < 31:
    raise ImproperlyConfigured("METRICS_MAX_PERIOD_DAYS must be at least 31 (a month)")
# A unit (or region) is ranked only with at least this many cases in the period (the larger
# of its dispatches and its callbacks): one case done well is no first place. Units below it
# are listed apart, unranked.
METRICS_RANKING_MIN_CASES = env_int("METRICS_RANKING_MIN_CASES", 5)
if METRICS_RANKING_MIN_CASES < 1:
    raise ImproperlyConfigured("METRICS_RANKING_MIN_CASES must be at least 1")

# --- Generated PDF documents (gongzhi.core.documents) ------------------------
# The TrueType/OpenType font (a .ttc collection is fine) embedded in every PDF;
# it must cover Chinese. Empty: the Chinese font installed by `make chromium`
# (fonts-wqy-microhei), else the first font fontconfig lists for :lang=zh.
# No font is ever fetched at run time; none found is an error at first render.
DOCUMENT_FONT_PATH = env_str("DOCUMENT_FONT_PATH", "")

# --- Volunteers and the time bank (gongzhi.volunteers) -----------------------
# Members of one household (registry) may give each other what they hold in these currencies
# ("hours", "points"); empty: no gifts at all.
VOLUNTEERS_FAMILY_GIFT_CURRENCIES = env_list("VOLUNTEERS_FAMILY_GIFT_CURRENCIES", ["hours"])
if set(VOLUNTEERS_FAMILY_GIFT_CURRENCIES) - {"hours", "points"}:
    raise ImproperlyConfigured("VOLUNTEERS_FAMILY_GIFT_CURRENCIES may name only hours and points")
# A check-in/check-out QR code is valid for this many seconds after it is shown (it changes as often).
VOLUNTEERS_QR_SECONDS = env_int("VOLUNTEERS_QR_SECONDS", 90)
# Check-in opens this many minutes before the activity starts and check-out closes this many
# minutes after it ends.
VOLUNTEERS_CHECKIN_MARGIN_MINUTES = env_int("VOLUNTEERS_CHECKIN_MARGIN_MINUTES", 60)
if min(VOLUNTEERS_QR_SECONDS, VOLUNTEERS_CHECKIN_MARGIN_MINUTES) < 1:
    raise ImproperlyConfigured("VOLUNTEERS_QR_SECONDS and VOLUNTEERS_CHECKIN_MARGIN_MINUTES must be positive")

# --- Intelligence (gongzhi.insights) -----------------------------------------
# The routing suggestion from the text is followed only from this confidence (percent) on;
# below it the routing rules decide. At most INSIGHTS_ROUTER_MAX_EXAMPLES closed cases (the
# newest) are read for a training; the periodic retraining runs every INSIGHTS_ROUTER_RETRAIN_DAYS.
INSIGHTS_ROUTER_MIN_CONFIDENCE = env_int("INSIGHTS_ROUTER_MIN_CONFIDENCE", 60) / 100
INSIGHTS_ROUTER_MAX_EXAMPLES = env_int("INSIGHTS_ROUTER_MAX_EXAMPLES", 200_000)
INSIGHTS_ROUTER_RETRAIN_DAYS = env_int("INSIGHTS_ROUTER_RETRAIN_DAYS", 7)
if not 0 < INSIGHTS_ROUTER_MIN_CONFIDENCE <= 1 or INSIGHTS_ROUTER_MAX_EXAMPLES < 100 or INSIGHTS_ROUTER_RETRAIN_DAYS < 1:
    raise ImproperlyConfigured("INSIGHTS_ROUTER_MIN_CONFIDENCE must be 1–100, INSIGHTS_ROUTER_MAX_EXAMPLES at least "
                               "100 and INSIGHTS_ROUTER_RETRAIN_DAYS at least 1")
# Hotspots: a cluster of cases in one place counts from INSIGHTS_HOTSPOT_MIN_CASES cases; at most
# INSIGHTS_HOTSPOT_MAX_CASES cases of a period are clustered into at most INSIGHTS_HOTSPOT_MAX_TOPICS topics.
INSIGHTS_HOTSPOT_MIN_CASES = env_int("INSIGHTS_HOTSPOT_MIN_CASES", 3)
INSIGHTS_HOTSPOT_MAX_CASES = env_int("INSIGHTS_HOTSPOT_MAX_CASES", 5000)
INSIGHTS_HOTSPOT_MAX_TOPICS = env_int("INSIGHTS_HOTSPOT_MAX_TOPICS", 30)
# 未诉先办 alerts (gongzhi.insights.alerts): the thresholds of its four rules.
INSIGHTS_SEASONAL_MIN_CASES = env_int("INSIGHTS_SEASONAL_MIN_CASES", 5)
INSIGHTS_REPEAT_MIN_CASES = env_int("INSIGHTS_REPEAT_MIN_CASES", 3)
INSIGHTS_REPEAT_DAYS = env_int("INSIGHTS_REPEAT_DAYS", 90)
INSIGHTS_SPIKE_MIN_CASES = env_int("INSIGHTS_SPIKE_MIN_CASES", 5)
INSIGHTS_SPIKE_WEEKS = env_int("INSIGHTS_SPIKE_WEEKS", 8)
if min(INSIGHTS_HOTSPOT_MIN_CASES, INSIGHTS_HOTSPOT_MAX_CASES, INSIGHTS_HOTSPOT_MAX_TOPICS, INSIGHTS_SEASONAL_MIN_CASES,
       INSIGHTS_REPEAT_MIN_CASES, INSIGHTS_REPEAT_DAYS, INSIGHTS_SPIKE_MIN_CASES, INSIGHTS_SPIKE_WEEKS) < 1:
    raise ImproperlyConfigured("the INSIGHTS_HOTSPOT_*, INSIGHTS_SEASONAL_*, INSIGHTS_REPEAT_* and INSIGHTS_SPIKE_* "
                               "settings must be positive")
# 15-minute service coverage (gongzhi.insights.coverage): the walk's limit in minutes, the pace in metres a
# minute, and the detour factor (percent) applied to the straight line while no road graph is loaded.
INSIGHTS_COVERAGE_MINUTES = env_int("INSIGHTS_COVERAGE_MINUTES", 15)
INSIGHTS_WALK_METRES_PER_MINUTE = env_int("INSIGHTS_WALK_METRES_PER_MINUTE", 80)
INSIGHTS_WALK_DETOUR = env_int("INSIGHTS_WALK_DETOUR_PERCENT", 130) / 100
if min(INSIGHTS_COVERAGE_MINUTES, INSIGHTS_WALK_METRES_PER_MINUTE) < 1 or INSIGHTS_WALK_DETOUR < 1:
    raise ImproperlyConfigured("INSIGHTS_COVERAGE_MINUTES and INSIGHTS_WALK_METRES_PER_MINUTE must be positive and "
                               "INSIGHTS_WALK_DETOUR_PERCENT at least 100")

# --- Deliberation and votes (gongzhi.deliberation) ---------------------------
# Co-signatures a micro-proposal needs to join the agenda queue.
DELIBERATION_SUPPORTERS_NEEDED = env_int("DELIBERATION_SUPPORTERS_NEEDED", 10)
# Days a published decision stays on the noticeboard (notice period), and the days within which
# residents may object to it (the objection window, counted from publication).
DELIBERATION_NOTICE_DAYS = env_int("DELIBERATION_NOTICE_DAYS", 7)
DELIBERATION_OBJECTION_DAYS = env_int("DELIBERATION_OBJECTION_DAYS", 5)
if min(DELIBERATION_SUPPORTERS_NEEDED, DELIBERATION_NOTICE_DAYS, DELIBERATION_OBJECTION_DAYS) < 1:
    raise ImproperlyConfigured("DELIBERATION_SUPPORTERS_NEEDED, DELIBERATION_NOTICE_DAYS and "
                               "DELIBERATION_OBJECTION_DAYS must be positive")
if DELIBERATION_OBJECTION_DAYS > DELIBERATION_NOTICE_DAYS:
    raise ImproperlyConfigured("DELIBERATION_OBJECTION_DAYS must not exceed DELIBERATION_NOTICE_DAYS")

# --- Dispute mediation (gongzhi.mediation) -------------------------------------
# A mediation's own deadline: MEDIATION_WORKING_DAYS working days from its assignment to a committee
# (again from an escalation); the sweep alerts the mediators MEDIATION_ALERT_WORKING_DAYS before it.
MEDIATION_WORKING_DAYS = env_int("MEDIATION_WORKING_DAYS", 20)
MEDIATION_ALERT_WORKING_DAYS = env_int("MEDIATION_ALERT_WORKING_DAYS", 3)
# Follow-up of an agreement's performance: reminded this many days before its deadline and again once after it.
MEDIATION_FOLLOW_UP_REMIND_DAYS = env_int("MEDIATION_FOLLOW_UP_REMIND_DAYS", 3)
# Screening reports (排查) are filed per "month" or per "week" by every grid and community.
MEDIATION_SCREENING_PERIOD = env_str("MEDIATION_SCREENING_PERIOD", "month")
if MEDIATION_SCREENING_PERIOD not in ("month", "week"):
    raise ImproperlyConfigured("MEDIATION_SCREENING_PERIOD must be 'month' or 'week'")
if min(MEDIATION_WORKING_DAYS, MEDIATION_ALERT_WORKING_DAYS, MEDIATION_FOLLOW_UP_REMIND_DAYS) < 1:
    raise ImproperlyConfigured("MEDIATION_WORKING_DAYS, MEDIATION_ALERT_WORKING_DAYS and "
                               "MEDIATION_FOLLOW_UP_REMIND_DAYS must be positive")

# --- Party-led co-building (gongzhi.party) -------------------------------------
# 双报到: how many times a year an in-service party member reporting to a community
# should serve at least (a community may set its own: party.ParticipationMinimum).
PARTY_PARTICIPATION_MINIMUM = env_int("PARTY_PARTICIPATION_MINIMUM", 4)
# A joint meeting's decision is "due soon" within this many working hours of its deadline.
PARTY_DECISION_DUE_SOON_WORKING_HOURS = env_int("PARTY_DECISION_DUE_SOON_WORKING_HOURS", 16)
if PARTY_PARTICIPATION_MINIMUM < 0 or PARTY_DECISION_DUE_SOON_WORKING_HOURS < 1:
    raise ImproperlyConfigured("PARTY_PARTICIPATION_MINIMUM must not be negative and "
                               "PARTY_DECISION_DUE_SOON_WORKING_HOURS must be positive")
