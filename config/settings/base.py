"""Settings shared by every environment, read from the environment with django-environ.

Every variable read here is documented in README.md ("Configuration").
"""

from email.utils import getaddresses
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _
from import_export.formats.base_formats import CSV, XLSX

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# ------------------------------------------------------------------------------ general
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
# The key local.py falls back on is public (it is in this repository): production refuses it.
LOCAL_DEVELOPMENT_SECRET_KEY = "local-only-insecure-key-do-not-use-in-production"
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address of the site, used in links of emails sent without a request (Celery tasks).
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The portal's few departures from Django's formats (config/formats/: Spanish groups thousands with ".").
FORMAT_MODULE_PATH = ["config.formats"]
# Texts staff type (edition theme, later survey and event texts) have one column per language
# (django-modeltranslation); English is required and is what a missing translation falls back to.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# Code that writes `Edition(theme=...)` writes the English column.
MODELTRANSLATION_AUTO_POPULATE = "default"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------ databases
# Embedded default: a SQLite file. Production: DATABASE_URL=postgres://user:pass@host:5432/name
DATABASE_OPTIONS = {
    # Every request is one transaction: a failure leaves nothing half-written.
    "ATOMIC_REQUESTS": True,
    # Keep connections between requests and tasks (a worker would otherwise reconnect for every email).
    "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
    "CONN_HEALTH_CHECKS": True,
}
DATABASES = {
    "default": {**env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"), **DATABASE_OPTIONS},
}

# ------------------------------------------------------------------------------ apps
DJANGO_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "modeltranslation",  # before the admin, which it patches
    "portal.admin_site.PortalAdminConfig",  # django.contrib.admin with the portal's site (portal/admin_site.py)
]
THIRD_PARTY_APPS = [
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "import_export",
]
LOCAL_APPS = [
    "portal",
    "mailings",
    "community",
    "surveys",
    "events",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

# ------------------------------------------------------------------------------ auth
AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    # Permissions only (it signs nobody in): the two below then read them from the cache (portal.permissions).
    "portal.permissions.CachedPermissions",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "community:dashboard"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email is the login, it must be verified, and its rate limits (which need a
# shared cache in production) and enumeration prevention stay on.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
# The account forms with the portal's words (sentence-case labels, the project's FR/ES).
ACCOUNT_FORMS = {
    "login": "community.account_forms.LoginForm",
    "change_password": "community.account_forms.ChangePasswordForm",
    "set_password": "community.account_forms.SetPasswordForm",
    "reset_password": "community.account_forms.ResetPasswordForm",
    "reset_password_from_key": "community.account_forms.ResetPasswordKeyForm",
    "add_email": "community.account_forms.AddEmailForm",
}
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[City Managers Community] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("ACCOUNT_DEFAULT_HTTP_PROTOCOL", default="http")
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, stated so that nobody turns them off by accident.
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}

# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) with recovery codes. Staff
# must use it before any admin page opens (community.middleware.StaffSecondFactorMiddleware);
# members may turn it on from their profile. Production refuses to run with the requirement off
# (a system check, community/checks.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "City Managers Community"
# A code is also accepted during the 30 s step after its own (RFC 6238 §5.2 recommends one step for
# the delay between reading and sending): a code typed as its window closes is not refused. allauth
# still refuses a code used once, for the whole span it is accepted.
MFA_TOTP_TOLERANCE = 1
PORTAL_STAFF_REQUIRE_2FA = env.bool("PORTAL_STAFF_REQUIRE_2FA", default=True)
PORTAL_PRODUCTION = False

# ------------------------------------------------------------------------------ middleware
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.csp.AdminPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "portal.middleware.RejectNullBytesMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.middleware.MemberPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "community.middleware.StaffSecondFactorMiddleware",
    "django_htmx.middleware.HtmxMiddleware",  # request.htmx on htmx requests (staff pages)
    "community.middleware.SiteNotFoundPageMiddleware",  # DEBUG only: the site's 404, not the URL list
]

# ------------------------------------------------------------------------------ templates
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
                "community.context_processors.member",
            ],
            # {% url %} worked out once per process (portal/urlcache.py), in every template.
            "builtins": ["portal.templatetags.portal_urls"],
        },
    },
]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# ------------------------------------------------------------------------------ static files
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ------------------------------------------------------------------------------ security
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# A strict Content Security Policy on every page, the admin's included: every script and style is
# served from our own static files. The admin adds exactly what its pages need (a nonce, three
# hashes): config/csp.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# ------------------------------------------------------------------------------ cache
# The embedded default is per process; production sets REDIS_URL so that allauth's rate limits
# hold across every web worker.
def caches_for(redis_url: str) -> dict:
    if redis_url:
        # Django's RedisCache, reusing its Redis client object (portal/cache.py).
        return {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": redis_url}}
    return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


REDIS_URL = env("REDIS_URL", default="")
CACHES = caches_for(REDIS_URL)
# The dashboard steps' states are cached per member (community.steps): dropped on any write to the rows
# they read and when a date they show passes, and after this many seconds in any case.
STEPS_CACHE_SECONDS = 300
# Users' permissions are cached (portal.permissions): dropped at once when a group, a grant or a membership
# changes, and after this many seconds in any case (a data migration's grants).
PERMISSIONS_CACHE_SECONDS = 60

# ------------------------------------------------------------------------------ email
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="City Managers Community <community@portal.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The secretariat's address that pages and emails give when they say "contact us".
PORTAL_CONTACT_EMAIL = env("PORTAL_CONTACT_EMAIL", default="community@portal.example")
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="mailings.backends.ConsoleAndFileBackend")
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)

# ------------------------------------------------------------------------------ celery
# A broker is given in every environment but the laptop's (local.py runs tasks in-process when
# there is none, explicitly); here, a missing broker never silently turns into in-process tasks.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Why these worker settings: a worker killed in the middle of a batch must neither lose nor double
# an email.
# - acks_late: a task is acknowledged after it ran, so one that was running when its worker died is
#   delivered again instead of lost (the outbox row lock and status make the second run harmless);
#   reject_on_worker_lost puts it back at once when a child process dies.
# - prefetch multiplier 1: a worker reserves one message per process, so a kill strands at most
#   `concurrency` messages, and the sweeper takes those up.
# - time limits: a task never runs longer than OUTBOX_SENDING_TIMEOUT, so a row still "sending" after
#   that long belongs to a dead worker and can be sent again.
# - visibility timeout, stated explicitly: Redis hands an unacknowledged message to another worker
#   after this long; every retry countdown (OUTBOX_MAX_COUNTDOWN) stays below it.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A batch of OUTBOX_BATCH_SIZE emails over a slow server fits; at the soft limit a task puts its
# untried rows back in the queue.
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True

# ------------------------------------------------------------------------------ schedules
# Every periodic task of the portal, in one place (run by `make beat`).
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "mailings.tasks.sweep_outbox", "schedule": 60.0},
    # The portrait's opening announcement and closing reminders (surveys/reminders.py).
    "portrait-reminders": {"task": "surveys.tasks.send_portrait_reminders", "schedule": 900.0},
    # The event reminders: 24 h and 1 h before to a yes, 3 days before to no answer (events/reminders.py).
    "event-reminders": {"task": "events.tasks.send_event_reminders", "schedule": 300.0},
    # City Managers Days: places not confirmed by their deadline go to the waiting list (events/applications.py).
    "days-confirmations-expire": {"task": "events.tasks.expire_confirmations", "schedule": 300.0},
    "days-confirmations-remind": {"task": "events.tasks.remind_confirmations", "schedule": 300.0},
}

# ------------------------------------------------------------------------------ outbox
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=30)
# The longest retry countdown, well below the visibility timeout above.
OUTBOX_MAX_COUNTDOWN = 1800
# A row "sending" for longer than this has lost its worker (longer than CELERY_TASK_TIME_LIMIT).
OUTBOX_SENDING_TIMEOUT = env.int("OUTBOX_SENDING_TIMEOUT", default=600)
# How long a due row may wait for its task before the sweeper queues it again (a long queue
# of a big send is not a lost task; a second task for a row is harmless, only wasted).
OUTBOX_SWEEP_GRACE = 300
OUTBOX_SWEEP_BATCH = 1000
# Rows per delivery task on the batch path (bulk sends, the sweeper): fewer tasks, one connection.
OUTBOX_BATCH_SIZE = 50

# ------------------------------------------------------------------------------ portal
# Version of the privacy notice that members consent to at sign-up (recorded with the date).
PRIVACY_NOTICE_VERSION = "2026-01"
# How long a staff invitation link stays valid.
MEMBERSHIP_INVITATION_MAX_AGE_DAYS = env.int("MEMBERSHIP_INVITATION_MAX_AGE_DAYS", default=14)
# Minutes in a webinar to count as having attended it when its attendance report is imported (the
# import form starts from it; staff may change it for one import).
EVENT_ATTENDANCE_MIN_MINUTES = env.int("EVENT_ATTENDANCE_MIN_MINUTES", default=10)

# ------------------------------------------------------------------------------ logging
# Who hears of errors (a 500, a failed task): PORTAL_ADMINS="Name <a@b.org>, c@d.org". Each distinct
# error is emailed through the outbox at most once per ERROR_REPORT_WINDOW seconds.
ADMINS = [(name, address) for name, address in getaddresses([env("PORTAL_ADMINS", default="")]) if address]
ERROR_REPORT_WINDOW = 600
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(levelname)s %(asctime)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "secretariat": {"class": "mailings.error_reports.OutboxErrorHandler", "level": "ERROR"},
    },
    "root": {"level": env("DJANGO_LOG_LEVEL", default="INFO"), "handlers": ["console", "secretariat"]},
    # Django's own handlers replaced: its mail_admins would send past the outbox, and the root
    # logger prints and reports what "django" logs.
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
}

# ------------------------------------------------------------------------------ import / export
# Importing creates rows, so it needs the "add" permission; exporting needs "view".
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
# The secretariat's formats; the others (HTML, JSON, YAML...) are not needed and some fail on import.
IMPORT_EXPORT_FORMATS = IMPORT_FORMATS = EXPORT_FORMATS = [CSV, XLSX]
# An upload waits for its confirmation in the cache under a random name bound to the session that
# made it (portal/imports.py), never in the server's temp folder under a name the browser sends back.
IMPORT_EXPORT_TMP_STORAGE_CLASS = "portal.imports.ImportCacheStorage"
# Checked before a file is read: its size, and its rows (an XLSX's declared dimension, a CSV's lines).
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=5000)
IMPORT_MAX_COLUMNS = 100
