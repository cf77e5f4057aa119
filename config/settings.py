"""Settings come from the environment; defaults suit a newcomer's machine.

With nothing set, the project runs on an embedded SQLite file and a Celery broker
kept in files under var/, so one can check out the code and run it. Production and
CI set DATABASE_URL (PostgreSQL) and CELERY_BROKER_URL (Redis).
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
DATA_DIR = BASE_DIR / "data"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Without SECRET_KEY, only the quick start (DEBUG on) and commands run from a checkout
# (manage.py sets DEV_SECRET_KEY_ALLOWED) run, with a key no deployment may use; the web
# server (config.wsgi) and the Celery processes refuse to start.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or env.bool("DEV_SECRET_KEY_ALLOWED", default=False)):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "config",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "trusts",
    "funding",
    "dashboards",
    "api",
    "impact",
    "datacache",
    "sources",
    "backups",
]

MIDDLEWARE = [
    # First: the liveness check answers before the host check and the HTTPS redirect.
    "config.health.LivenessMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETags on every GET, so clients and browsers can revalidate with a 304.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with 429.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# How many proxies in front of the site set X-Forwarded-For (compose's gunicorn: none; one
# behind a load balancer). Only their entries are trusted, by login lockout and API
# throttling alike: with none, the client's address is the connection's, however many
# X-Forwarded-For headers it sends.
NUM_PROXIES = env.int("NUM_PROXIES", default=0)
# Login lockout (django-axes): ten wrong passwords for an account from one address lock
# that pair out for an hour.
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False  # lockouts are still logged, as warnings
AXES_IPWARE_PROXY_COUNT = NUM_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if NUM_PROXIES else ["REMOTE_ADDR"]
)

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboards.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE takes the
    # write lock at BEGIN, so two writers queue (up to the timeout) instead of one
    # failing with "database is locked" when it upgrades a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
else:
    # The development server answers each request in a thread of its own, and a persistent
    # connection outlives its thread: one idle connection per request, until PostgreSQL
    # refuses more. So connections persist only under a real server (gunicorn, workers).
    _development_server = sys.argv[1:2] == ["runserver"]
    DATABASES["default"].setdefault(
        "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if _development_server else 60)
    )
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # No JIT compiling: our queries run in milliseconds, but the planner's estimate for a list
    # of funds with their totals (subqueries per fund) passed PostgreSQL's JIT thresholds, and
    # compiling took 1.4 s of a 1.9 s query at ten times England. Random reads priced near
    # sequential ones (PostgreSQL's default of 4 is for spinning disks): the tables sit in
    # memory or on SSD, and at 4 the planner scanned all 200,000 allocations at 10x to find
    # one page of trusts' funds through their index (45 ms; 19 ms by the index). A
    # DATABASE_URL that sets ?options=... keeps its own.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c random_page_cost=1.1"
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Pages and API lists computed from every stored figure are cached until the data changes
# (datacache). Each process keeps its own by default; production shares one in Redis
# (DATA_CACHE_URL=redis://...). Entries are keyed by the data version, so the timeout only
# bounds memory, never staleness. The default cache (API throttling) stays in each process,
# so a Redis outage never turns reads into errors.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Off under DEBUG, where templates change under a running server.
    "data": env.cache_url(
        "DATA_CACHE_URL", default="dummycache://" if DEBUG else "locmemcache://data"
    ),
}
CACHES["data"]["KEY_PREFIX"] = "data"
if CACHES["data"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["data"]["BACKEND"] = "datacache.redis.RedisCache"  # one client, not one a call
if CACHES["data"]["BACKEND"].endswith("LocMemCache"):
    # A cached page can be a megabyte at national scale: bound what each process keeps.
    CACHES["data"].setdefault("OPTIONS", {})["MAX_ENTRIES"] = 100
DATA_CACHE_ALIAS = "data"
DATA_CACHE_SECONDS = env.int("DATA_CACHE_SECONDS", default=24 * 60 * 60)
# What is deployed (a git commit or a package version): cached pages are keyed by it. Unset,
# the git commit of a clean checkout is used, else a digest of the files that render.
RELEASE = env.str("RELEASE", default="")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
# Nothing here is translated. With translation on, every number a page formats asks for the
# active language through a context-local lookup: about a tenth of a page of 1,500 trusts.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are collected, named by their hash and compressed (gzip and brotli), and served
# by whitenoise with a year's cache headers: in production and in the quick start alike, so a
# first visit costs what it will cost in production. Turn it off (STATIC_COLLECTED=0) to edit
# CSS or JavaScript under a running server.
STATIC_COLLECTED = env.bool("STATIC_COLLECTED", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "config.staticfiles.HashedCompressedStorage"
            if STATIC_COLLECTED
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED
# Pages link only hashed names, so the unhashed copies are not kept, and source maps (asked for
# only by a developer's tools) are not compressed: collecting takes a third of the time.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *Compressor.SKIP_COMPRESS_EXTENSIONS,
    "map",
]
WHITENOISE_AUTOREFRESH = not STATIC_COLLECTED

# Folders the no-server defaults write to (the SQLite file, collected static files, the file
# broker and its results): config.apps makes them when Django starts, so importing these
# settings writes nothing.
LOCAL_FOLDERS = [VAR_DIR, STATIC_ROOT]

# Celery: a broker that needs no server by default (files under var/), so the
# quick start runs a real worker process; production and CI use Redis.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A send tries the broker once and gives up at once (kombu's default waits 2 s before
    # its first retry, for every send): with the broker down, a save returns in well under
    # 2 s and its run stays pending until the broker is back.
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
    # Redis gives an unacknowledged message back after this long: longer than the longest
    # run (the task time limit), or a long run would be delivered twice while still going.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 5 * 60,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    LOCAL_FOLDERS += [_broker_dir / _sub for _sub in ("queue", "processed", "control")]
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    LOCAL_FOLDERS.append(VAR_DIR / "celery-results")
    _default_results = f"file://{VAR_DIR / 'celery-results'}"
else:
    _default_results = CELERY_BROKER_URL
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=_default_results)
# Late acknowledgement: a message whose worker dies unacknowledged comes back (on Redis,
# after the visibility timeout above). A worker that dies as a whole is noticed sooner, by
# the heartbeat below.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes every database connection after each task, unless this is set
# (then after this many tasks): a new connection, some 5 ms and a cold catalog cache, was a
# fifth of a small run. Connections are kept as between requests instead (config.celery).
CELERY_DB_REUSE_MAX = 10_000
CELERY_RESULT_EXPIRES = 24 * 60 * 60
# A running run writes a heartbeat this often; one silent for RUN_STALE_SECONDS has lost its
# worker, and the reaper (every RUN_REAPER_SECONDS, and when a worker starts) fails it and
# asks for a new run.
RUN_HEARTBEAT_SECONDS = env.int("RUN_HEARTBEAT_SECONDS", default=15)
RUN_STALE_SECONDS = env.int("RUN_STALE_SECONDS", default=120)
RUN_REAPER_SECONDS = env.int("RUN_REAPER_SECONDS", default=60)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "recompute-all-funds-nightly": {
        "task": "funding.tasks.recompute_all_funds",
        "schedule": crontab(hour=2, minute=30),
    },
    # Runs saved while the broker was down are sent once it is back.
    "requeue-pending-runs": {
        "task": "funding.tasks.requeue_pending_runs",
        "schedule": 5 * 60,
    },
    # NHS England publishes on the second Thursday (days 8 to 14) at 9:30; checking every day
    # of the window catches late releases, and a second check of the same day imports nothing.
    "fetch-ae-in-publication-window": {
        "task": "sources.tasks.ae_fetch_task",
        "schedule": crontab(hour="10,16", minute=5, day_of_month="8-16"),
    },
    # Alerts go as each import, run or status step commits (sources.receivers); this sends
    # any that could not go then (the broker was down).
    "send-alerts": {
        "task": "sources.tasks.alerts_send_task",
        "schedule": crontab(minute=20),
    },
    "reap-stale-runs": {
        "task": "funding.tasks.reap_stale_runs",
        "schedule": RUN_REAPER_SECONDS,
    },
}
# A web request that saves a fund must not hang on a broker that is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# NHS England's A&E landing page for each financial year (AE_LANDING_PAGES="2026-27=https://...,"
# adds or replaces years). Scheduled fetching needs the network, so the quick start leaves it
# off; production turns it on with AE_FETCH_ENABLED=1.
_NHSE_AE = (
    "https://www.england.nhs.uk/statistics/statistical-work-areas/ae-waiting-times-and-activity"
)
AE_LANDING_PAGES = {
    f"{year}-{(year + 1) % 100:02d}": (
        f"{_NHSE_AE}/ae-attendances-and-emergency-admissions-{year}-{(year + 1) % 100:02d}/"
    )
    for year in range(2020, 2027)
} | env.dict("AE_LANDING_PAGES", default={})
AE_FETCH_ENABLED = env.bool("AE_FETCH_ENABLED", default=False)
AE_FETCH_TIMEOUT_SECONDS = env.float("AE_FETCH_TIMEOUT_SECONDS", default=30.0)
AE_FETCH_ATTEMPTS = env.int("AE_FETCH_ATTEMPTS", default=4)
AE_FETCH_BACKOFF_SECONDS = env.float("AE_FETCH_BACKOFF_SECONDS", default=5.0)
# A monthly provider CSV is about 50 KB; anything near this is not one.
AE_FETCH_MAX_BYTES = env.int("AE_FETCH_MAX_BYTES", default=5 * 1024 * 1024)

# A big A&E file whose rows stand alone (NHS England's monthly CSV, the NHS-R table) is read,
# checked and written this many rows at a time, so that an import's memory does not grow with
# the file; the transaction still spans the whole import.
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=5_000)

# Alerts: printed to the console on the quick start; EMAIL_URL=smtp+tls://user:pass@host:587
# in production. SITE_URL makes the links in emails and feeds absolute.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="alerts@urgent-care-funding.invalid")
LOGIN_URL = "sources:login"
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

API_REQUIRE_LOGIN = env.bool("API_REQUIRE_LOGIN", default=False)
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    # The session first: a refusal stays a 403, as clients and the admin's tests expect (with
    # the token first it would be a 401 asking for `Bearer`).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.BearerTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadOpenWriteFundAdmin"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "api.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "api.csv.CSVRenderer",
    ],
    # Anonymous readers by address, signed-in and token users each by account.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "api.throttling.SignedInRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/minute"),
        "user": env.str("API_USER_RATE", default="1200/minute"),
    },
    "NUM_PROXIES": NUM_PROXIES,
    "COERCE_DECIMAL_TO_STRING": True,
}

# API tokens (django-rest-knox): a hash stored, never the token; `ucf_` marks one in a leak.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=90)),
    "TOKEN_PREFIX": "ucf_",
    "AUTH_HEADER_PREFIX": "Bearer",
}

SPECTACULAR_SETTINGS = {
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "trusts.models.Organisation.Kind",
        "FundStatusEnum": "funding.models.Fund.Status",
        "RunStatusEnum": "funding.models.AllocationRun.Status",
        "ConditionKindEnum": "funding.models.TrancheCondition.Kind",
    },
    "TITLE": "NHS urgent-care funding tracker API",
    "DESCRIPTION": (
        "Funds, allocations, organisations and A&E four-hour performance. Reads need no "
        "credentials. Recomputing needs a fund admin's token:\n\n"
        "```sh\n"
        '# make a token (curl asks for the password); keep "token" from the answer\n'
        "curl -u bob -X POST -d days=30 https://HOST/api/v1/tokens/\n"
        "TOKEN=ucf_...\n"
        'curl -i -X POST -H "Authorization: Bearer $TOKEN" '
        "https://HOST/api/v1/funds/ae-winter-2013-14/recompute/\n"
        "# list your tokens; revoke one by its key\n"
        'curl -H "Authorization: Bearer $TOKEN" https://HOST/api/v1/tokens/\n'
        'curl -X DELETE -H "Authorization: Bearer $TOKEN" https://HOST/api/v1/tokens/KEY/\n'
        "```\n\n"
        "Only a hash of a token is kept; it lasts 90 days unless asked otherwise (`days`, 1 "
        "to 365)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Without deep links, Swagger UI puts no link inside each operation's button (a link in a
    # button is out of a keyboard user's reach, and axe counts it against WCAG 4.1.2).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "REDOC_DIST": "SIDECAR",
}

# Only our own scripts, styles, fonts and images; nothing is fetched from another host.
# Plotly sets style attributes on the SVG it draws, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
# Links to announcements are written without a scheme now and then; assume https (Django 6).
FORMS_URLFIELD_ASSUME_HTTPS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django gives its own loggers a console handler under DEBUG; they also reach the root's,
    # so every line came out twice. The root's handler alone prints them.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
