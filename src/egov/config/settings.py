"""egov settings: everything that differs between deployments comes from the environment.

See docs/configuration.md for every variable.
"""

import os
import socket
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from egov.identity.login_url import LOGIN_URL as lazy_login_url
from egov.identity.oidc.signing_keys import signing_keys

BASE_DIR = Path(__file__).resolve().parents[3]


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and not env_bool("EGOV_ALLOW_INSECURE_KEY"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-never-use-in-production"  # noqa: S105
# The audit log's hash chain is keyed (HMAC-SHA256) with this key, kept outside the database, so
# that whoever can write to the database cannot rewrite rows and recompute the chain. Without it
# (DEBUG, local checks) a key derived from SECRET_KEY is used (egov.core.audit.chain_key).
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY", "")
if not AUDIT_HMAC_KEY and not DEBUG and not env_bool("EGOV_ALLOW_INSECURE_KEY"):
    raise ImproperlyConfigured("AUDIT_HMAC_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "template_partials",
    # Before django_tasks_db: its `db_worker` command is egov.core's, which keeps task leases.
    "egov.core",
    "django_tasks",
    "django_tasks_db",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "egov.identity",
    "egov.catalog",
    "egov.dossiers",
    "egov.repository",
    "egov.registries",
    "egov.gateway",
    "egov.exchange",
    "egov.insights",
    "egov.reporting",
    "egov.payments",
    "egov.records",
    "egov.interconnected",
    "egov.cabinet",
    "egov.feedback",
]

MIDDLEWARE = [
    # First: the request id every log line carries; then the Prometheus request timer.
    "egov.core.middleware.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "egov.config.urls"
ASGI_APPLICATION = "egov.config.asgi.application"
WSGI_APPLICATION = "egov.config.wsgi.application"

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
                "egov.core.context_processors.site",
                "egov.identity.context_processors.officials",
            ],
        },
    }
]


# --- database -----------------------------------------------------------------------------------
def _configure_database(database: Any) -> None:
    """The engine's options for one database (the primary, and the replica when there is one)."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["CONN_MAX_AGE"] = 0
        database["OPTIONS"] = {
            # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN,
            # so two writers queue instead of failing with "database is locked" on upgrade.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;"
                " PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif database["ENGINE"] == "django.db.backends.postgresql":
        # Under ASGI every request runs in a thread of its own, so a persistent connection
        # (CONN_MAX_AGE) is never reused: each request would connect anew and leave the old
        # connection open. Django's advice for ASGI: psycopg's pool instead, per worker process.
        database["CONN_MAX_AGE"] = 0
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 2,
            "max_size": 8,
            "timeout": 10,
        }
        # No JIT: it compiled a plan for ~40 ms whenever the planner's estimate crossed
        # jit_above_cost (the staged count changes, read right after bulk writes), while the
        # statements it would speed up here take milliseconds (bench/README.md, indicators).
        database["OPTIONS"]["options"] = "-c jit=off"


DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'egov.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
#: A streaming replica of the primary (PostgreSQL hot standby): the read-only pages and APIs
#: read from it (egov.config.replica, docs/decisions.md 44); without it every read is on the
#: primary and nothing is routed.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=60)
    DATABASE_ROUTERS = ["egov.config.replica.ReplicaRouter"]
    MIDDLEWARE.insert(1, "egov.config.replica.ReplicaMiddleware")  # after the request id
for _database in DATABASES.values():
    _configure_database(_database)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    # Refuse attempts during a wait (growing delays) or a lockout before the password check.
    "egov.identity.throttling.LoginThrottleBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The built-in login page, or the external identity provider's code flow when OIDC_ISSUER is set.
LOGIN_URL = lazy_login_url
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("EGOV_FAST_PASSWORD_HASHER"):  # tests and benchmarks only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# --- language, time, formats -------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "src" / "egov" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
FORMAT_MODULE_PATH = ["egov.config.formats"]

# --- static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get("FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
#: Files on S3-compatible object storage (django-storages) that every node shares: on when
#: STORAGE_S3_BUCKET is set. Names are SHA-256 digests, never rewritten, so no versioning or
#: locking is needed; objects stay private (files are served through egov's own views).
STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET", "")
if STORAGE_S3_BUCKET:
    _s3_endpoint = os.environ.get("STORAGE_S3_ENDPOINT_URL", "") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": STORAGE_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": os.environ.get("STORAGE_S3_REGION", "") or None,
            "access_key": os.environ.get("STORAGE_S3_ACCESS_KEY", "") or None,
            "secret_key": os.environ.get("STORAGE_S3_SECRET_KEY", "") or None,
            "location": os.environ.get("STORAGE_S3_PREFIX", "").strip("/"),
            # MinIO, Ceph and most S3-compatible services address buckets by path.
            "addressing_style": "path" if _s3_endpoint else None,
            "default_acl": None,
            "querystring_auth": True,
        },
    }
WHITENOISE_USE_FINDERS = DEBUG
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 10 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Scans digitised at the counter are read by OCRmyPDF (docs/repository.md, "Reading scans").
OCR_COMMAND = os.environ.get("OCR_COMMAND", "ocrmypdf")
OCR_LANGUAGES = os.environ.get("OCR_LANGUAGES", "vie")
OCR_TIMEOUT = int(os.environ.get("OCR_TIMEOUT", 180))  # seconds per scan
CATALOG_DIR = Path(os.environ.get("CATALOG_DIR", BASE_DIR / "catalog"))
AGENCIES_FILE = Path(os.environ.get("AGENCIES_FILE", BASE_DIR / "data" / "agencies.yaml"))
#: Interconnected procedures. INTERCONNECTED_INTAKE_KEY is the key the gateway presents to this
#: deployment's intake of members handed over by another deployment (like the registries' key);
#: INTERCONNECTED_STATUS_TOPIC the gateway topic their events are published on.
INTERCONNECTED_INTAKE_KEY = os.environ.get("INTERCONNECTED_INTAKE_KEY", "")
INTERCONNECTED_STATUS_TOPIC = os.environ.get(
    "INTERCONNECTED_STATUS_TOPIC", "000.00.07.H26/BHXH/lienthong-status"
)
#: Which provinces run which interconnected groups, and where each member is performed.
INTERCONNECTED_FILE = Path(
    os.environ.get("INTERCONNECTED_FILE", BASE_DIR / "data" / "interconnected.yaml")
)
#: The parts' own demo data, loaded in this order by `manage.py load_demo` after the accounts,
#: the catalogue and the sample dossiers: a part adds its loader here, not to another part's.
DEMO_DATA = [
    "egov.reporting.demo.load_reporting_demo",
    "egov.exchange.demo.load_exchange_demo",
    "egov.interconnected.demo.load_interconnected_demo",
    "egov.cabinet.demo.load_cabinet_demo",
]

# --- electronic identification (OpenID Connect) -------------------------------------------------
# The built-in identity provider signs ID tokens with the newest key in OIDC_KEYS_DIR (created by
# `manage.py rotate_oidc_key`), or with OIDC_RSA_PRIVATE_KEY from the environment.
OIDC_KEYS_DIR = Path(os.environ.get("OIDC_KEYS_DIR", BASE_DIR / "var" / "oidc-keys"))
_OIDC_KEY, _OIDC_OLD_KEYS = signing_keys(OIDC_KEYS_DIR, os.environ.get("OIDC_RSA_PRIVATE_KEY", ""))
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _OIDC_KEY,
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": _OIDC_OLD_KEYS,
    # The claims of ID tokens and userinfo: personal ID number, name, birth date, identity level
    # (acr), login methods (amr), kind of account.
    "OAUTH2_VALIDATOR_CLASS": "egov.identity.oidc.provider.EgovOAuth2Validator",
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],  # the authorization code flow only
    "ID_TOKEN_EXPIRE_SECONDS": 3600,
    "PKCE_REQUIRED": True,
    "SCOPES": {
        "openid": "OpenID Connect",
        "profile": "Họ tên, ngày sinh, số định danh cá nhân và mức độ định danh",
        "email": "Địa chỉ email",
        "phone": "Số điện thoại",
    },
    "DEFAULT_SCOPES": ["openid"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": 3600,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if DEBUG else ["https"],
    # OAuth 2.0 Security Best Current Practice (RFC 9700): no implicit or password grant, S256
    # PKCE only, tokens in headers only, `iss` in responses, hashed tokens, refresh replay defence.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # RP-initiated logout (end_session_endpoint): a client's logout ends the session here too,
    # without asking when its id_token_hint names the person logged in.
    "OIDC_RP_INITIATED_LOGOUT_ENABLED": True,
    "OIDC_RP_INITIATED_LOGOUT_ALWAYS_PROMPT": False,
}
# Log in through an external OpenID Connect provider (a second egov deployment, or the national
# one). Empty: the built-in login page; never this deployment's own /o (docs/identity.md).
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
OIDC_HTTP_TIMEOUT = float(os.environ.get("OIDC_HTTP_TIMEOUT", 10))  # seconds, calls to OIDC_ISSUER
if OIDC_ISSUER and not (OIDC_CLIENT_ID and OIDC_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ISSUER needs OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.")
if OIDC_ISSUER and not DEBUG and not OIDC_ISSUER.startswith("https://"):
    raise ImproperlyConfigured("OIDC_ISSUER must be an https:// address when DEBUG is off.")
# egov.identity overrides the provider's consent page (oauth2_provider/authorize.html); the app
# template loader would find the toolkit's own first, as it is installed earlier.
TEMPLATES[0]["DIRS"] = [
    *TEMPLATES[0]["DIRS"],  # type: ignore[misc]  # a list, typed as object by inference
    Path(__file__).resolve().parents[1] / "identity" / "templates",
]
# The consent page lets its form go on to the client's registered redirect URI (CSP form-action).
MIDDLEWARE.append("egov.identity.oidc.middleware.ConsentFormActionMiddleware")

# The client's address (egov.identity.clientip): X-Forwarded-For is believed only from these
# proxies (addresses or networks, comma-separated); empty, it is ignored. Axes counts per the same
# client key as every other limit (an IPv6 address by its /64).
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "egov.identity.clientip.client_key"

# Login throttling (egov.identity.throttling, docs/identity.md): one client address is locked out
# of one account (by a keyed hash of the login, never the login itself) after repeated failures;
# failures on one account from anywhere, or from one address on any accounts, bring growing delays.
# A browser the account logged in from before skips them. Nobody locks the owner out.
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "egov.identity.throttling.login_key"
AXES_WHITELIST_CALLABLE = "egov.identity.throttling.axes_whitelist"
LOGIN_ACCOUNT_FAILURES = int(os.environ.get("LOGIN_ACCOUNT_FAILURES", 10))
LOGIN_CLIENT_FAILURES = int(os.environ.get("LOGIN_CLIENT_FAILURES", 30))
LOGIN_MAX_DELAY_MINUTES = int(os.environ.get("LOGIN_MAX_DELAY_MINUTES", 15))

# API tokens (egov.identity.tokens): a citizen's lives API_TOKEN_DAYS; an official's is issued only
# with their one-time code and lives API_TOKEN_OFFICIAL_HOURS (and OFFICIAL_IDLE_MINUTES unused).
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 90))
API_TOKEN_OFFICIAL_HOURS = int(os.environ.get("API_TOKEN_OFFICIAL_HOURS", 8))
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
AXES_RESET_ON_SUCCESS = True

# --- officials: two-factor login, idle sessions, lockout page (egov.identity.officials) ---------
# Officials log in with their password and then a TOTP code from an authenticator app
# (django-otp); their session counts only once the code is proven, and ends after
# OFFICIAL_IDLE_MINUTES without a request. A locked-out login gets HTTP 429 and a page saying how
# long to wait; axes' log lines name no login and no address.
OFFICIAL_IDLE_MINUTES = int(os.environ.get("OFFICIAL_IDLE_MINUTES", 30))
OTP_TOTP_ISSUER = "egov"  # the account's label in authenticator apps
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "egov.identity.officials.middleware.OfficialSessionMiddleware",
)
AXES_LOCKOUT_CALLABLE = "egov.identity.officials.lockout.lockout_response"
AXES_CLIENT_STR_CALLABLE = "egov.identity.officials.lockout.client_str"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # masked in axes' stored POST data
# --- end of officials ---------------------------------------------------------------------------

# --- population registry (identity level 2) -----------------------------------------------------
# Identity verification calls the population registry as a member service through the
# data-sharing gateway (egov.core.gateway_client), never its models: POPULATION_SERVICE is the
# service's address on the gateway (agency/system/service). POPULATION_REGISTRY_KEY is the
# registry's own key, which only the gateway holds (data/gateway.yaml names it).
POPULATION_SERVICE = os.environ.get("POPULATION_SERVICE", "000.00.00.G01/CSDLDC/population")
POPULATION_REGISTRY_KEY = os.environ.get("POPULATION_REGISTRY_KEY", "")
if not POPULATION_REGISTRY_KEY and DEBUG:
    POPULATION_REGISTRY_KEY = "development-population-registry-key"  # DEBUG only
    os.environ.setdefault("POPULATION_REGISTRY_KEY", POPULATION_REGISTRY_KEY)  # for the gateway
#: The business registry's service on the gateway: an organisation's legal representative is
#: checked against it when a citizen registers a business.
BUSINESS_SERVICE = os.environ.get("BUSINESS_SERVICE", "000.00.05.H26/DKKD/business")
#: Seconds a page waits for the registry's lookup when it prefills a form (then it goes without).
POPULATION_LOOKUP_TIMEOUT = float(os.environ.get("POPULATION_LOOKUP_TIMEOUT", 3))
POPULATION_REGISTRY_CLIENT = os.environ.get(
    "POPULATION_REGISTRY_CLIENT", "egov.identity.account.registry.HttpPopulationRegistry"
)
# --- end of population registry ----------------------------------------------------------------

# --- data-sharing gateway (egov.gateway) ------------------------------------------------------
# The proxy serves GATEWAY_PREFIX{agency}/{system}/{service}/{path} in front of Django
# (egov.config.asgi). Tokens of the client-credentials grant are signed with GATEWAY_TOKEN_KEY
# (required in production; derived from SECRET_KEY in development) and live
# GATEWAY_TOKEN_LIFETIME seconds. GATEWAY_NODE names this process in the transaction log.
GATEWAY_PREFIX = "/" + os.environ.get("GATEWAY_PREFIX", "gw").strip("/") + "/"
GATEWAY_TOKEN_KEY = os.environ.get("GATEWAY_TOKEN_KEY", "")
GATEWAY_TOKEN_LIFETIME = int(os.environ.get("GATEWAY_TOKEN_LIFETIME", 300))
GATEWAY_ISSUER = os.environ.get("GATEWAY_ISSUER", SITE_URL)
GATEWAY_NODE = os.environ.get("GATEWAY_NODE", "") or socket.gethostname()
GATEWAY_DIRECTORY_TTL = float(os.environ.get("GATEWAY_DIRECTORY_TTL", 5))
GATEWAY_UPSTREAM_CONNECTIONS = int(os.environ.get("GATEWAY_UPSTREAM_CONNECTIONS", 256))
GATEWAY_LOG_BATCH = int(os.environ.get("GATEWAY_LOG_BATCH", 500))
GATEWAY_LOG_FLUSH_SECONDS = float(os.environ.get("GATEWAY_LOG_FLUSH_SECONDS", 0.5))
#: Days the transaction log keeps its rows in the table before `archive_gateway_log` moves them
#: to verifiable JSON Lines files under GATEWAY_ARCHIVE_DIR.
GATEWAY_LOG_RETENTION_DAYS = int(os.environ.get("GATEWAY_LOG_RETENTION_DAYS", 90))
GATEWAY_ARCHIVE_DIR = Path(os.environ.get("GATEWAY_ARCHIVE_DIR", BASE_DIR / "var" / "gateway"))
# The client side (egov.core.gateway_client): this deployment's own member system on a gateway.
GATEWAY_URL = os.environ.get("GATEWAY_URL", SITE_URL).rstrip("/")
GATEWAY_CLIENT_ID = os.environ.get("GATEWAY_CLIENT_ID", "000.00.00.H26/DVC")
GATEWAY_CLIENT_SECRET = os.environ.get("GATEWAY_CLIENT_SECRET", "")
if not GATEWAY_CLIENT_SECRET and DEBUG:
    GATEWAY_CLIENT_SECRET = "dev-dvc-secret"  # DEBUG only (data/gateway.yaml's default)  # noqa: S105
GATEWAY_CLIENT_TIMEOUT = float(os.environ.get("GATEWAY_CLIENT_TIMEOUT", 10))
# Publish/subscribe: a delivery is retried after GATEWAY_EVENT_BACKOFF_SECONDS, doubling, at
# most GATEWAY_EVENT_MAX_ATTEMPTS times, then it is a dead letter.
GATEWAY_EVENT_BACKOFF_SECONDS = float(os.environ.get("GATEWAY_EVENT_BACKOFF_SECONDS", 10))
GATEWAY_EVENT_MAX_ATTEMPTS = int(os.environ.get("GATEWAY_EVENT_MAX_ATTEMPTS", 10))
GATEWAY_EVENT_TIMEOUT = float(os.environ.get("GATEWAY_EVENT_TIMEOUT", 10))
# The data plane in nginx (manage.py gateway_nginx, docs/gateway.md): where it listens, its
# folder (configuration, access log, temporary files), its worker processes and, when started as
# root, the user they run as (who must be able to write the folder), where Debian keeps
# nginx's modules, egov's own proxy for what nginx does not serve alone, the largest request
# body and the CA bundle that HTTPS upstreams are verified against.
GATEWAY_NGINX_LISTEN = os.environ.get("GATEWAY_NGINX_LISTEN", "127.0.0.1:8081")
GATEWAY_NGINX_DIR = Path(os.environ.get("GATEWAY_NGINX_DIR", BASE_DIR / "var" / "gateway-nginx"))
GATEWAY_NGINX_WORKERS = os.environ.get("GATEWAY_NGINX_WORKERS", "auto")
GATEWAY_NGINX_USER = os.environ.get("GATEWAY_NGINX_USER", "")
GATEWAY_NGINX_MODULES = os.environ.get("GATEWAY_NGINX_MODULES", "/usr/lib/nginx/modules")
GATEWAY_NGINX_FALLBACK_URL = os.environ.get("GATEWAY_NGINX_FALLBACK_URL", SITE_URL)
GATEWAY_NGINX_MAX_BODY = os.environ.get("GATEWAY_NGINX_MAX_BODY", "1g")
GATEWAY_NGINX_CA_FILE = os.environ.get(
    "GATEWAY_NGINX_CA_FILE", "/etc/ssl/certs/ca-certificates.crt"
)
if not GATEWAY_TOKEN_KEY and not DEBUG and not env_bool("EGOV_ALLOW_INSECURE_KEY"):
    raise ImproperlyConfigured("GATEWAY_TOKEN_KEY must be set when DEBUG is off.")
# --- end of data-sharing gateway ---------------------------------------------------------------

# --- document interconnection axis (egov.exchange) ---------------------------------------------
# EXCHANGE_NODE_CODE names this deployment to the nodes it exchanges with (data/exchange.yaml's
# address book); EXCHANGE_HUB makes it store and forward envelopes for agencies it does not serve
# (the national axis). A delivery is retried after EXCHANGE_BACKOFF_SECONDS, doubling, until
# EXCHANGE_DEAD_AFTER_SECONDS have passed since it was queued; then the clerk sees it undelivered.
EXCHANGE_NODE_CODE = os.environ.get("EXCHANGE_NODE_CODE", "egov")
EXCHANGE_HUB = env_bool("EXCHANGE_HUB")
EXCHANGE_BACKOFF_SECONDS = float(os.environ.get("EXCHANGE_BACKOFF_SECONDS", 5))
EXCHANGE_DEAD_AFTER_SECONDS = float(os.environ.get("EXCHANGE_DEAD_AFTER_SECONDS", 86_400))
EXCHANGE_TIMEOUT = float(os.environ.get("EXCHANGE_TIMEOUT", 30))
#: A delivery claimed by a process that died is tried again after this many seconds.
EXCHANGE_CLAIM_LEASE_SECONDS = float(os.environ.get("EXCHANGE_CLAIM_LEASE_SECONDS", 120))
#: Seconds each process keeps its copy of the address book (nodes, routes, local agencies).
EXCHANGE_ROUTES_TTL = float(os.environ.get("EXCHANGE_ROUTES_TTL", 5))
#: The largest envelope a node accepts (attachments inline, base64).
EXCHANGE_MAX_ENVELOPE_BYTES = int(os.environ.get("EXCHANGE_MAX_ENVELOPE_BYTES", 50 * 1024 * 1024))
# --- end of document interconnection axis ------------------------------------------------------

# --- online payment of fees (egov.payments) ----------------------------------------------------
# PAYMENT_PROVIDER picks the gateway: "sandbox" (the built-in bank for trials, on by default with
# DEBUG), "vnpay", or empty (online payment off; fees paid at the counter). The VNPay terminal code
# and hash secret come from the environment only (docs/payments.md).
PAYMENT_PROVIDER = os.environ.get("PAYMENT_PROVIDER", "sandbox" if DEBUG else "").strip().lower()
PAYMENT_EXPIRY_MINUTES = int(os.environ.get("PAYMENT_EXPIRY_MINUTES", 15))
VNPAY_TMN_CODE = os.environ.get("VNPAY_TMN_CODE", "")
VNPAY_HASH_SECRET = os.environ.get("VNPAY_HASH_SECRET", "")
VNPAY_URL = os.environ.get("VNPAY_URL", "https://sandbox.vnpayment.vn/paymentv2/vpcpay.html")
if PAYMENT_PROVIDER not in {"", "sandbox", "vnpay"}:
    raise ImproperlyConfigured("PAYMENT_PROVIDER must be sandbox, vnpay or empty.")
if PAYMENT_PROVIDER == "vnpay" and not (VNPAY_TMN_CODE and VNPAY_HASH_SECRET):
    raise ImproperlyConfigured("PAYMENT_PROVIDER=vnpay needs VNPAY_TMN_CODE and VNPAY_HASH_SECRET.")
# --- end of payments ----------------------------------------------------------------------------
# --- results by public postal service (egov.dossiers.postal) -----------------------------------
# POSTAL_PROVIDER picks the postal provider: "sandbox" (the built-in post office for trials, on by
# default with DEBUG), "vnpost" (the VNPost-style protocol, docs/delivery.md), or empty (results
# are not sent by post). The customer code and secret come from the environment only.
POSTAL_PROVIDER = os.environ.get("POSTAL_PROVIDER", "sandbox" if DEBUG else "").strip().lower()
VNPOST_URL = os.environ.get("VNPOST_URL", "")
VNPOST_CLIENT_CODE = os.environ.get("VNPOST_CLIENT_CODE", "")
VNPOST_SECRET = os.environ.get("VNPOST_SECRET", "")
# A status callback signed more than this many seconds from now is refused (replay window).
POSTAL_CALLBACK_MAX_AGE = int(os.environ.get("POSTAL_CALLBACK_MAX_AGE", 300))
if POSTAL_PROVIDER not in {"", "sandbox", "vnpost"}:
    raise ImproperlyConfigured("POSTAL_PROVIDER must be sandbox, vnpost or empty.")
if POSTAL_PROVIDER == "vnpost" and not (VNPOST_URL and VNPOST_CLIENT_CODE and VNPOST_SECRET):
    raise ImproperlyConfigured(
        "POSTAL_PROVIDER=vnpost needs VNPOST_URL, VNPOST_CLIENT_CODE and VNPOST_SECRET."
    )
# --- end of postal delivery ---------------------------------------------------------------------
# --- electronic results (records): signing PKI and time-stamping -----------------------------------
# Private signing keys are stored encrypted with SIGNING_KEY_PASSWORD (required to sign unless the
# development CA is on, where a password derived from SECRET_KEY is used).
SIGNING_KEY_PASSWORD = os.environ.get("SIGNING_KEY_PASSWORD", "")
# The development root CA issues agency and time-stamping certificates itself (DEBUG by default).
SIGNING_DEV_CA = env_bool("SIGNING_DEV_CA", DEBUG)
# PEM bundle of the root CAs whose certificates egov accepts on results (a real CA in production).
SIGNING_TRUST_ROOTS = os.environ.get("SIGNING_TRUST_ROOTS", "")
# An external RFC 3161 time-stamping service; empty: egov's own TSA (development CA), in-process.
TSA_URL = os.environ.get("TSA_URL", "")
TSA_TIMEOUT = float(os.environ.get("TSA_TIMEOUT", 10))  # seconds
# The public address printed on results (verification link, QR code). Empty: the address of the
# request that approves the dossier (captured by the middleware below), else SITE_URL.
PUBLIC_URL = os.environ.get("PUBLIC_URL", "").rstrip("/")
MIDDLEWARE.append("egov.records.addresses.RequestAddressMiddleware")
# --- end of electronic results ----------------------------------------------------------------------

# --- background tasks --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A worker renews its lease (a heartbeat row) every third of TASK_LEASE_SECONDS; a task still
# running when its worker has not been seen for that long is run again, up to TASK_MAX_ATTEMPTS
# runs, then marked failed (docs/architecture.md, "Background work").
TASK_LEASE_SECONDS = int(os.environ.get("TASK_LEASE_SECONDS", 60))
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", 3))
if TASK_LEASE_SECONDS < 3 or TASK_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("TASK_LEASE_SECONDS must be >= 3 and TASK_MAX_ATTEMPTS >= 1.")

# --- national dossier sync (insights) ------------------------------------------------------------
# A ministry or province deployment pushes its dossiers to the national one (docs/sync.md).
# Empty NATIONAL_SYNC_URL: nothing is pushed (a national or stand-alone deployment).
NATIONAL_SYNC_URL = os.environ.get("NATIONAL_SYNC_URL", "").rstrip("/")
NATIONAL_SYNC_TOKEN = os.environ.get("NATIONAL_SYNC_TOKEN", "")
NATIONAL_SYNC_INTERVAL = int(os.environ.get("NATIONAL_SYNC_INTERVAL", 60))  # seconds
NATIONAL_SYNC_BATCH = int(os.environ.get("NATIONAL_SYNC_BATCH", 1000))  # records per request
NATIONAL_SYNC_TIMEOUT = float(os.environ.get("NATIONAL_SYNC_TIMEOUT", 30))  # seconds
if NATIONAL_SYNC_URL and not NATIONAL_SYNC_TOKEN:
    raise ImproperlyConfigured("NATIONAL_SYNC_URL needs NATIONAL_SYNC_TOKEN.")
if NATIONAL_SYNC_URL and not DEBUG and not NATIONAL_SYNC_URL.startswith("https://"):
    raise ImproperlyConfigured("NATIONAL_SYNC_URL must be an https:// address when DEBUG is off.")

# --- notifications -----------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "egov <no-reply@egov.local>")
SMS_BACKEND = os.environ.get("SMS_BACKEND", "egov.core.sms.ConsoleSmsBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))

# --- security ----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 8 * 3600))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- logging: structured events, never personal data --------------------------------------------
from egov.core.logs import formatter as _json_lines  # noqa: E402

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One JSON object per line, with the request id, personal data removed (egov.core.logs).
    "formatters": {"json": _json_lines()},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # the PDF font subsetter is chatty at INFO
        "pikepdf": {"level": "WARNING"},  # qpdf's bridge announces itself at INFO
    },
}

# /metrics answers this bearer token only (Prometheus' `authorization` credentials); without
# it, /metrics is served in development only (egov.core.metrics).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# Last, after every part's middleware: it counts the response each request ends with.
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
