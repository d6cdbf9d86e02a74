"""OpenCPTS settings, read from the environment.

Safe production defaults: DEBUG off, secure cookies, HSTS, a strict content security policy.
The embedded default (``make run``) sets ``OPENCPTS_DEV=1`` and needs neither PostgreSQL nor Redis.
See docs/OPERATIONS.md for every variable.
"""

import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from opencpts.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("OPENCPTS_VAR_DIR", str(BASE_DIR / "var")))

# Development mode: the embedded default of `make run` and of the test suite.
DEV = env_bool("OPENCPTS_DEV", False)
DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if DEV:
        # make run writes a random key to var/secret_key on first start; never committed.
        key_file = VAR_DIR / "secret_key"
        if key_file.exists():
            SECRET_KEY = key_file.read_text().strip()
        else:
            SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105 - development only
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set outside development (OPENCPTS_DEV=1).")

# The audit trail's HMAC key(s), kept outside the database (audit/keys.py, docs/OPERATIONS.md « Audit trail
# integrity »): "keyid:base64key", comma-separated, the first one signs, all verify. Required outside
# development; in development `make setup` writes var/audit_key, else a key is derived from SECRET_KEY.
OPENCPTS_AUDIT_KEYS = env_list("OPENCPTS_AUDIT_KEYS", [])
if not OPENCPTS_AUDIT_KEYS and not DEV:
    raise ImproperlyConfigured(
        "OPENCPTS_AUDIT_KEYS must be set outside development (OPENCPTS_DEV=1): "
        "see docs/OPERATIONS.md, « Audit trail integrity »."
    )
# Signed checkpoints of every chain head, outside the database (audit/checkpoints.py): an append-only file
# by default; OPENCPTS_AUDIT_CHECKPOINT_STORE names another store class (e.g. an object store with a
# retention lock).
OPENCPTS_AUDIT_CHECKPOINT_FILE = env_str(
    "OPENCPTS_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit-checkpoints.jsonl")
)
OPENCPTS_AUDIT_CHECKPOINT_STORE = env_str(
    "OPENCPTS_AUDIT_CHECKPOINT_STORE", "audit.checkpoints.FileCheckpointStore"
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEV else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The platform's public address in FHIR answers (meta.source, our identifier systems); empty: the address each
# request reached (fhirapi/mapping.py:site_url).
SITE_URL = env_str("SITE_URL", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",
    # OpenCPTS domain apps
    "audit",
    "nomenclature",
    "territory",
    "docgen",  # document templates (DOCX, PDF) registered by the apps, replaced by the instance administrator
    "aci",
    "accounts",
    "directory",
    "cpts",
    "coordination",
    "agenda",
    "documents",
    "news",
    "diagnostic",  # diagnostic territorial: age structure, offer of care, imported figures, maps
    "unscheduled",
    "gpmatching",
    "realtime",
    "notifications",  # after realtime: its receivers run after the real-time delivery of the same event
    "fhirapi",
    "portability",  # backup drill, export and import of a CPTS: reads every app
    "today",  # « Aujourd'hui »: reads every app above it, read by none
    "privacy",  # RGPD duties: DPO, notices, rights of persons, registre des traitements
    "projects",  # the projet de CPTS before the CPTS: porteurs, territory, AMI, conversion
    "oversight",  # « Suivi »: the ARS and CPAM referents' pages (projects and CPTS of their territory)
    "association",  # the association loi 1901 of a project: statuts, AG constitutive, RNA and SIRET
    "healthplan",  # the projet de santé of a project: chapters, fiches-actions, budget, objectives of the ACI
    "demo",  # last: the demo data of every app (seed_demo, demo_totp); nothing imports it
]

MIDDLEWARE = [
    "opencpts.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "opencpts.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "opencpts.urls"
WSGI_APPLICATION = "opencpts.wsgi.application"
ASGI_APPLICATION = "opencpts.asgi.application"

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
                "cpts.context_processors.current_cpts",
                "cpts.context_processors.navigation",
                "notifications.context_processors.unread_notifications",
            ],
            "builtins": ["opencpts.templatetags.fr"],
        },
    },
]

# Database: DATABASE_URL switches to PostgreSQL (production); SQLite is the embedded default.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'opencpts.sqlite3'}")
# Under ASGI each request runs in its own thread, so Django's persistent connections would not be reused:
# PostgreSQL uses psycopg's connection pool instead (one per application process, DB_POOL_MAX_SIZE).
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DB_POOL", True):
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env_int("DB_POOL_MIN_SIZE", 2),
        "max_size": env_int("DB_POOL_MAX_SIZE", 10),
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Same SQLite backend, reusing open connections across requests (see opencpts/sqlite_pool).
    DATABASES["default"]["ENGINE"] = "opencpts.sqlite_pool"
    DATABASES["default"]["POOL_SIZE"] = env_int("DB_POOL_MAX_SIZE", 10) if env_bool("DB_POOL", True) else 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
        "PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;",
    }
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME") or None}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: shared between application instances (Redis in production; the database otherwise, so that
# login throttling holds across processes even on the embedded default).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "opencpts_cache"}
    }

# Sessions: rows in the database (not read through the Redis cache: Django opens a cache client, hence a Redis
# connection, per thread and per asynchronous context; 10,000 WebSockets reached Redis's maxclients in
# bench/messaging.py). Renewed at most once a minute (accounts.middleware).
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Real time (realtime app): with REDIS_URL, a Redis channel layer shared by every application process
# (pub/sub: one publish per event, fanned out by Redis); otherwise an in-process layer, enough for the
# single process of the embedded default.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "opencpts")},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator"},
]

# Login throttling (per account and per IP address) and session expiry.
LOGIN_MAX_FAILURES_PER_ACCOUNT = env_int("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)  # idle expiry, renewed by requests
# Renewed at most once a minute by accounts.middleware.SessionRenewalMiddleware, not written on every request.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Trusted devices (accounts/trust.py): after the second factor, « Faire confiance à cet appareil pendant 30
# jours » lets a password login skip the code on that browser. 0 for deployments that require the second
# factor at every session: the option is not offered and existing cookies are ignored.
OPENCPTS_TRUSTED_DEVICES = env_bool("OPENCPTS_TRUSTED_DEVICES", True)
# Idle expiry of a session opened on a trusted device (renewed on each request, kept when the browser closes).
TRUSTED_SESSION_SECONDS = env_int("TRUSTED_SESSION_IDLE_SECONDS", 12 * 3600)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "OpenCPTS")
# Shows the current TOTP code of *synthetic demo accounts only* (`make totp`); never in production.
DEMO_TOTP_HELPER = DEV

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEV
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEV
if DEV:
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")
MEDIA_ROOT = VAR_DIR / "media"

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)  # STARTTLS (port 587)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)  # implicit TLS (port 465)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: choose one.")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)  # seconds: a stuck relay never holds a request for long
# TLS client certificate, when the relay authenticates the platform by certificate (MSSanté operators may).
EMAIL_SSL_CERTFILE = env_str("EMAIL_SSL_CERTFILE") or None
EMAIL_SSL_KEYFILE = env_str("EMAIL_SSL_KEYFILE") or None
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OpenCPTS <no-reply@opencpts.invalid>")
# Absolute links in e-mails (notifications): the public address of the platform.
OPENCPTS_BASE_URL = env_str("OPENCPTS_BASE_URL", SITE_URL or "http://127.0.0.1:8000")
# Immediate notification e-mails are sent right after the commit that created them; 0 leaves them all
# to `manage.py send_notifications` (run every minute).
NOTIFICATION_EMAILS_ON_COMMIT = env_bool("NOTIFICATION_EMAILS_ON_COMMIT", True)
# Web Push notifications (notifications/push.py): the VAPID key pair (base64url: the raw 32-byte private key,
# the 65-byte public point) and the contact the push services may write to. Without keys the channel is off
# (the page says so); in development a pair is generated once in var/vapid_keys (never committed).
VAPID_PRIVATE_KEY = env_str("VAPID_PRIVATE_KEY")
VAPID_PUBLIC_KEY = env_str("VAPID_PUBLIC_KEY")
VAPID_SUBJECT = env_str("VAPID_SUBJECT")
VAPID_DEV_KEYS = DEV
# The push services a subscription may point to (host suffixes): the server POSTs there, nowhere else.
WEB_PUSH_ALLOWED_HOSTS = env_list(
    "WEB_PUSH_ALLOWED_HOSTS",
    ["fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com", "notify.windows.com"],
)
# Where notification e-mails go: "account" (the login address) or "mssante" (the MSSanté address of the user's
# directory entry, for a relay of the MSSanté trust space, which delivers only to MSSanté mailboxes).
NOTIFICATION_EMAIL_RECIPIENT = env_str("NOTIFICATION_EMAIL_RECIPIENT", "account")
if NOTIFICATION_EMAIL_RECIPIENT not in ("account", "mssante"):
    raise ImproperlyConfigured("NOTIFICATION_EMAIL_RECIPIENT must be 'account' or 'mssante'.")

# Security headers and cookies: secure unless explicitly in development.
SECURE_HTTPS = env_bool("SECURE_HTTPS", not DEV)
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the meta tag, not the cookie
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", SECURE_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# Client addresses (opencpts/clientip.py): the client is the TRUSTED_PROXY_HOPS-th X-Forwarded-For value from
# the right (the one the outermost trusted proxy appended); 0 = X-Forwarded-For is never read. TRUSTED_PROXIES
# (CIDR): the addresses of the reverse proxies; when set, forwarded values are read only from them, and the
# SAS interface accepts its certificate headers only from them (fhirapi/client_certificate.py).
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 1 if BEHIND_PROXY else 0)
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
if TRUSTED_PROXY_HOPS < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_HOPS must be 0 or more.")
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an address or a CIDR network."
        ) from None

# Map background tiles (the browser fetches them). Empty: contours on a plain background.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png" if not DEV else "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "© contributeurs OpenStreetMap")

# Content security policy: everything from our own origin; map tiles from the configured host.
_tile_origin = ""
if MAP_TILE_URL.startswith("http"):
    _parts = MAP_TILE_URL.split("/")
    _tile_origin = "/".join(_parts[:3]).replace("{s}.", "*.")
CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data: {_tile_origin}".strip()
    + "; style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEV else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "opencpts.middleware.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # fontTools (the PDF report's font subsetting) logs every glyph table at INFO.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "fontTools": {"level": "WARNING"}},
}

# Uploads and API.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# Documents of the coordination groups (documents app, docs/OPERATIONS.md). Keys: "keyid:base64key" (32
# bytes), comma-separated, the first one encrypts, all decrypt; in development a key is generated in
# var/document_keys.
OPENCPTS_DOCUMENT_KEYS = env_list("OPENCPTS_DOCUMENT_KEYS", [])
OPENCPTS_DOCUMENT_MAX_BYTES = env_int("OPENCPTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
OPENCPTS_DOCUMENT_MAX_REQUEST_BYTES = env_int(
    "OPENCPTS_DOCUMENT_MAX_REQUEST_BYTES", 3 * OPENCPTS_DOCUMENT_MAX_BYTES
)
OPENCPTS_DOCUMENT_ZIP_MAX_ENTRIES = env_int("OPENCPTS_DOCUMENT_ZIP_MAX_ENTRIES", 2000)
OPENCPTS_DOCUMENT_ZIP_MAX_UNCOMPRESSED = env_int("OPENCPTS_DOCUMENT_ZIP_MAX_UNCOMPRESSED", 200 * 1024 * 1024)
OPENCPTS_DOCUMENT_ZIP_MAX_RATIO = env_int("OPENCPTS_DOCUMENT_ZIP_MAX_RATIO", 100)
# The Unicode font of the ACI annual report's PDF (DejaVu Sans; Debian package fonts-dejavu-core). Without it
# the report falls back to Helvetica with the text transliterated to Latin-1.
OPENCPTS_PDF_FONT_DIR = env_str("OPENCPTS_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Uploads stay in memory (bounded), never in a clear temporary file on disk.
FILE_UPLOAD_HANDLERS = ["documents.uploads.BoundedMemoryUploadHandler"]
NINJA_PAGINATION_PER_PAGE = 50

# SAS interface (fhirapi/sas.py, docs/OPERATIONS.md « Interface SAS »). The reverse proxy terminates the mTLS
# connection with the IGC-Santé client certificate and passes its verification result and subject DN in these
# headers (it must strip them from incoming requests). Only a verified certificate whose CN and OU are listed
# passes; with empty lists nothing passes (closed by default).
SAS_MTLS_VERIFY_HEADER = env_str("OPENCPTS_SAS_VERIFY_HEADER", "HTTP_X_SSL_CLIENT_VERIFY")
SAS_MTLS_DN_HEADER = env_str("OPENCPTS_SAS_DN_HEADER", "HTTP_X_SSL_CLIENT_S_DN")
SAS_ALLOWED_CN = env_list("OPENCPTS_SAS_ALLOWED_CN", [])
SAS_ALLOWED_OU = env_list("OPENCPTS_SAS_ALLOWED_OU", [])
# The SAS test kit sends Paris local times labelled "+00:00": read such a bound as Paris time (True) or UTC.
SAS_UTC_LABEL_IS_LOCAL = env_bool("OPENCPTS_SAS_UTC_LABEL_IS_LOCAL", True)
# How patients are told about their unscheduled-care booking (unscheduled/patient_messages.py).
OPENCPTS_PATIENT_MESSAGES_BACKEND = env_str(
    "OPENCPTS_PATIENT_MESSAGES_BACKEND", "unscheduled.patient_messages.ConsoleBackend"
)

# Where the encrypted contents of documents are written (documents/store.py, docs/OPERATIONS.md « Documents on
# object storage »): "database" (the default) or "s3", an S3-compatible object store through django-storages.
# Encryption stays in the application: the bucket only receives AES-256-GCM ciphertext under opaque random
# names. Reading follows each content's recorded location, so the bucket stays configured as long as contents
# live there (also while `manage.py move_documents --to database` brings them back). Credentials come from the
# environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN) or, unset, from boto3's own
# chain (instance or workload role).
OPENCPTS_DOCUMENT_STORE = env_str("OPENCPTS_DOCUMENT_STORE", "database")
AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME") or None  # django-storages reads these names too
AWS_S3_ENDPOINT_URL = env_str("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = env_str("AWS_S3_REGION_NAME") or None
AWS_S3_ADDRESSING_STYLE = env_str("AWS_S3_ADDRESSING_STYLE") or None
if OPENCPTS_DOCUMENT_STORE not in ("database", "s3"):
    raise ImproperlyConfigured(f"OPENCPTS_DOCUMENT_STORE={OPENCPTS_DOCUMENT_STORE!r}: use database or s3.")
if OPENCPTS_DOCUMENT_STORE == "s3" and not AWS_STORAGE_BUCKET_NAME:
    raise ImproperlyConfigured("OPENCPTS_DOCUMENT_STORE=s3 needs AWS_STORAGE_BUCKET_NAME.")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["documents"] = {
        "BACKEND": "documents.objectstore.CiphertextStorage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": AWS_S3_ENDPOINT_URL,
            "region_name": AWS_S3_REGION_NAME,
            "addressing_style": AWS_S3_ADDRESSING_STYLE,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "security_token": env_str("AWS_SESSION_TOKEN") or None,
        },
    }

# Pro Santé Connect (accounts/psc.py, docs/OPERATIONS.md « Pro Santé Connect »): OIDC login with the e-CPS or
# the CPS card through mozilla-django-oidc. Off (button hidden, URLs 404) while PSC_CLIENT_ID is empty.
# PSC_ENVIRONMENT picks the documented endpoints of production or of the sandbox (« bac à sable »); each one
# can be overridden. Its SessionRefresh middleware stays off: PSC access tokens last 2 minutes.
PSC_ENDPOINTS = {
    "production": ("https://wallet.esw.esante.gouv.fr/auth", "https://auth.esw.esante.gouv.fr"),
    "sandbox": ("https://wallet.bas.psc.esante.gouv.fr/auth", "https://auth.bas.psc.esante.gouv.fr"),
}
PSC_ENVIRONMENT = env_str("PSC_ENVIRONMENT") or "production"
if PSC_ENVIRONMENT not in PSC_ENDPOINTS:
    raise ImproperlyConfigured("PSC_ENVIRONMENT must be production or sandbox.")
_psc_authorize, _psc_host = PSC_ENDPOINTS[PSC_ENVIRONMENT]
PSC_ISSUER = env_str("PSC_ISSUER") or f"{_psc_host}/auth/realms/esante-wallet"
_psc_base = f"{_psc_host}/auth/realms/esante-wallet/protocol/openid-connect"
PSC_CLIENT_ID = env_str("PSC_CLIENT_ID", "")
# The smallest eIDAS level accepted in the ID token's `acr` (eidas1, eidas2, eidas3 in increasing order).
PSC_ACR_VALUES = env_str("PSC_ACR_VALUES") or "eidas1"
OIDC_RP_CLIENT_ID = PSC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = env_str("PSC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("PSC_AUTHORIZATION_ENDPOINT") or _psc_authorize
OIDC_OP_TOKEN_ENDPOINT = env_str("PSC_TOKEN_ENDPOINT") or f"{_psc_base}/token"
OIDC_OP_USER_ENDPOINT = env_str("PSC_USERINFO_ENDPOINT") or f"{_psc_base}/userinfo"
OIDC_OP_JWKS_ENDPOINT = env_str("PSC_JWKS_ENDPOINT") or f"{_psc_base}/certs"
OIDC_OP_LOGOUT_ENDPOINT = env_str("PSC_LOGOUT_ENDPOINT") or f"{_psc_base}/logout"
OIDC_RP_SIGN_ALGO = env_str("PSC_SIGN_ALGO") or "RS256"
OIDC_RP_SCOPES = "openid scope_all"
OIDC_AUTH_REQUEST_EXTRA_PARAMS = {"acr_values": PSC_ACR_VALUES}
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_CREATE_USER = False  # an account is created only after the person confirms (accounts/views_psc.py)
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:psc_callback"
OIDC_TIMEOUT = env_int("PSC_TIMEOUT_SECONDS", 10)
# Clock skew tolerated on `exp`, `iat` and `nbf` of the ID token and the signed userinfo.
PSC_LEEWAY_SECONDS = env_int("PSC_LEEWAY_SECONDS", 30)
# Answers only the PSC callback (it ignores a password login), and nothing while PSC is off.
AUTHENTICATION_BACKENDS = [*AUTHENTICATION_BACKENDS, "accounts.psc_backend.PSCBackend"]
# The login and the logout go on to PSC after a form's POST (« Associer », « Se déconnecter »): browsers apply
# form-action to those redirects, so PSC's origins are allowed there when PSC is on.
if PSC_CLIENT_ID:
    _psc_origins = {
        "/".join(url.split("/")[:3]) for url in (OIDC_OP_AUTHORIZATION_ENDPOINT, OIDC_OP_LOGOUT_ENDPOINT)
    }
    CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
        "form-action 'self'", "form-action 'self' " + " ".join(sorted(_psc_origins))
    )

# Background and periodic jobs (jobs app, docs/OPERATIONS.md « Background jobs »). "procrastinate": a queue
# in PostgreSQL run by `manage.py run_jobs` on each host (the default with PostgreSQL); "inline": each job
# runs in the process right after its commit, periodic work by the management commands (the default, and the
# only choice, on SQLite). Procrastinate's tables are created by its migrations, on PostgreSQL only.
INSTALLED_APPS += ["jobs"]
_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if _POSTGRES:
    INSTALLED_APPS += ["procrastinate.contrib.django"]
OPENCPTS_JOBS_ENGINE = env_str("OPENCPTS_JOBS_ENGINE", "procrastinate" if _POSTGRES else "inline")
if OPENCPTS_JOBS_ENGINE not in ("procrastinate", "inline"):
    raise ImproperlyConfigured("OPENCPTS_JOBS_ENGINE must be 'procrastinate' or 'inline'.")
if OPENCPTS_JOBS_ENGINE == "procrastinate" and not _POSTGRES:
    raise ImproperlyConfigured("OPENCPTS_JOBS_ENGINE=procrastinate needs PostgreSQL (DATABASE_URL).")
# A job waiting this long for a worker, or running this long on a worker that stopped answering, is stuck.
OPENCPTS_JOBS_STUCK_MINUTES = env_int("OPENCPTS_JOBS_STUCK_MINUTES", 10)
LOGGING["loggers"]["procrastinate"] = {"level": "WARNING"}  # it logs every periodic task at each start
