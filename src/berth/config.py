"""Berth's settings: Quay's config.yaml key names, ``BERTH_<KEY>`` environment overrides, loud failures.

A missing file means defaults for a single-node install (SQLite + local disk under ``./berth-data``).
Every invalid value stops start-up with a :class:`ConfigError` naming the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from berth.lib.dates import parse_duration

DEFAULT_DATA_DIR = "berth-data"

# Quay's feature flags with Quay's defaults, plus the ones Berth adds. ``FEATURE_X`` keys set them.
FEATURE_DEFAULTS: dict[str, bool] = {
    "ANONYMOUS_ACCESS": True,
    "APP_SPECIFIC_TOKENS": True,
    "ASSIGN_OAUTH_TOKEN": True,
    "AUTO_PRUNE": False,
    "BILLING": False,
    "DIRECT_LOGIN": True,
    "EDIT_QUOTA": True,
    "EXTENDED_REPOSITORY_NAMES": True,
    "IMMUTABLE_TAGS": False,
    "LOG_EXPORT": True,
    "AGGREGATED_LOG_COUNT_RETRIEVAL": True,
    "MAILING": True,
    "ORG_MIRROR": False,
    "PROXY_CACHE": False,
    "QUOTA_MANAGEMENT": False,
    "QUOTA_NOTIFICATIONS": False,
    "REPO_MIRROR": False,
    "SECURITY_SCANNER": False,
    "SIGNING": False,
    "SUPER_USERS": True,
    "SUPERUSERS_FULL_ACCESS": False,
    "TEAM_SYNCING": False,
    "USER_CREATION": True,
    # Quay defaults this to off; a fresh Berth install is bootstrapped through it, so it is on.
    "USER_INITIALIZE": True,
    "PROGRAMMATIC_BOOTSTRAP": False,
    "IMAGE_PULL_STATS": False,
    "RH_MARKETPLACE": False,
    "RESTRICTED_USERS": False,
    "PERMANENTLY_DELETE_TAGS": False,
    # Run the garbage collector inside ``berth serve`` (``berth worker gc`` runs it alone).
    "GARBAGE_COLLECTION": True,
}

STORAGE_DRIVERS = ("LocalStorage", "MemoryStorage")


class ConfigError(ValueError):
    """An invalid configuration value; ``key`` names the offending key."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(frozen=True)
class StorageLocation:
    """One entry of ``DISTRIBUTED_STORAGE_CONFIG``: a driver name and its parameters."""

    name: str
    driver: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Settings:
    """The effective configuration, immutable once loaded."""

    server_hostname: str = "localhost:8080"
    preferred_url_scheme: str = "http"
    db_uri: str = f"sqlite:///{DEFAULT_DATA_DIR}/berth.db"
    storage: tuple[StorageLocation, ...] = (
        StorageLocation("default", "LocalStorage", {"storage_path": f"{DEFAULT_DATA_DIR}/storage"}),
    )
    storage_preference: tuple[str, ...] = ("default",)
    super_users: frozenset[str] = frozenset()
    features: Mapping[str, bool] = field(default_factory=lambda: dict(FEATURE_DEFAULTS))
    browser_api_calls_xhr_only: bool = True
    default_tag_expiration_s: int = 1209600
    tag_expiration_options: tuple[str, ...] = ("0s", "1d", "1w", "2w", "4w")
    fresh_login_timeout_s: int = 600
    session_lifetime_s: int = 86400 * 14
    access_token_lifetime_s: int = 9000
    oauth_token_lifetime_s: int = 90 * 86400
    oauth_token_max_lifetime_s: int = 365 * 86400
    app_specific_token_expiration_s: int | None = None
    registry_token_lifetime_s: int = 3600
    password_hash_cost: str = "default"  # noqa: S105 - a cost level, not a secret
    registry_title: str = "Berth"
    log_level: str = "INFO"
    mail_server: str = ""
    mail_port: int = 587
    mail_default_sender: str = "berth@localhost"
    gc_frequency_s: int = 30
    push_temp_tag_expiration_s: int = 3600
    blob_upload_max_age_s: int = 2 * 86400
    # Hosts outgoing callbacks (usage-log exports) may reach although they resolve to private,
    # loopback or otherwise non-public addresses (Quay's SSRF_ALLOWED_HOSTS).
    ssrf_allowed_hosts: frozenset[str] = frozenset()

    def feature(self, name: str) -> bool:
        """Whether ``FEATURE_<name>`` is on; ``"A and FEATURE_B"`` needs every flag named (as Quay's
        stacked ``show_if`` gates)."""
        return all(
            self.features.get(part.strip().removeprefix("FEATURE_"), False) for part in name.split(" and ")
        )

    @property
    def base_url(self) -> str:
        """The externally visible URL, e.g. ``http://localhost:8080``."""
        return f"{self.preferred_url_scheme}://{self.server_hostname}"

    def masked(self) -> dict[str, Any]:
        """The effective config with secrets masked, as ``berth config check`` prints it."""
        db_uri = _mask_db_uri(self.db_uri)
        storage = {
            loc.name: [loc.driver, {k: ("****" if _is_secret(k) else v) for k, v in loc.params.items()}]
            for loc in self.storage
        }
        return {
            "SERVER_HOSTNAME": self.server_hostname,
            "PREFERRED_URL_SCHEME": self.preferred_url_scheme,
            "DB_URI": db_uri,
            "DISTRIBUTED_STORAGE_CONFIG": storage,
            "DISTRIBUTED_STORAGE_PREFERENCE": list(self.storage_preference),
            "SUPER_USERS": sorted(self.super_users),
            "BROWSER_API_CALLS_XHR_ONLY": self.browser_api_calls_xhr_only,
            "DEFAULT_TAG_EXPIRATION": f"{self.default_tag_expiration_s}s",
            "TAG_EXPIRATION_OPTIONS": list(self.tag_expiration_options),
            "FRESH_LOGIN_TIMEOUT": f"{self.fresh_login_timeout_s}s",
            "SESSION_LIFETIME": f"{self.session_lifetime_s}s",
            "ACCESS_TOKEN_LIFETIME": f"{self.access_token_lifetime_s}s",
            "OAUTH_TOKEN_LIFETIME": f"{self.oauth_token_lifetime_s}s",
            "OAUTH_TOKEN_MAX_LIFETIME": f"{self.oauth_token_max_lifetime_s}s",
            "APP_SPECIFIC_TOKEN_EXPIRATION": _seconds_or_none(self.app_specific_token_expiration_s),
            "REGISTRY_TOKEN_LIFETIME": f"{self.registry_token_lifetime_s}s",
            "PASSWORD_HASH_COST": self.password_hash_cost,
            "REGISTRY_TITLE": self.registry_title,
            "LOG_LEVEL": self.log_level,
            "MAIL_SERVER": self.mail_server,
            "MAIL_PORT": self.mail_port,
            "MAIL_DEFAULT_SENDER": self.mail_default_sender,
            "GARBAGE_COLLECTION_FREQUENCY": f"{self.gc_frequency_s}s",
            "PUSH_TEMP_TAG_EXPIRATION_SEC": self.push_temp_tag_expiration_s,
            "BLOB_UPLOAD_MAX_AGE": f"{self.blob_upload_max_age_s}s",
            "SSRF_ALLOWED_HOSTS": sorted(self.ssrf_allowed_hosts),
            **{f"FEATURE_{k}": v for k, v in sorted(self.features.items())},
        }


def _seconds_or_none(value: int | None) -> str | None:
    return None if value is None else f"{value}s"


def _mask_db_uri(uri: str) -> str:
    """``uri`` with the password hidden, whether in the userinfo or a ``password=`` parameter."""
    parts = urlsplit(uri)
    if parts.password is not None:
        userinfo, host = parts.netloc.rsplit("@", 1)
        uri = uri.replace(f"//{parts.netloc}", f"//{userinfo.split(':', 1)[0]}:****@{host}", 1)
    return _QUERY_PASSWORD.sub(r"\1****", uri)


_QUERY_PASSWORD = re.compile(r"([?&]password=)[^&#]*", re.IGNORECASE)


def _is_secret(key: str) -> bool:
    lowered = key.lower()
    return any(word in lowered for word in ("secret", "password", "key", "token"))


def _require_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ConfigError(key, f"must be true or false, got {value!r}")


def _require_str(key: str, value: Any) -> str:
    if isinstance(value, str) and value:
        return value
    raise ConfigError(key, f"must be a non-empty string, got {value!r}")


def _duration(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a duration such as 2w or 3600s, got {value!r}")
    if isinstance(value, int) and value >= 0:
        return value
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise ConfigError(key, str(exc)) from None


def _optional_duration(key: str, value: Any) -> int | None:
    """A duration, or null (no expiry)."""
    return None if value is None else _duration(key, value)


def _positive_duration(key: str, value: Any) -> int:
    seconds = _duration(key, value)
    if seconds <= 0:
        raise ConfigError(key, "must be longer than 0s")
    return seconds


def _str_list(key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(key, f"must be a list of strings, got {value!r}")
    return list(value)


def _validate_db_uri(value: Any) -> str:
    uri = _require_str("DB_URI", value)
    scheme = uri.split(":", 1)[0]
    if scheme not in ("sqlite", "postgresql", "postgresql+psycopg", "postgres"):
        raise ConfigError("DB_URI", f"unsupported database {scheme!r}: use sqlite:/// or postgresql://")
    if scheme == "sqlite" and not uri.startswith("sqlite:///"):
        raise ConfigError("DB_URI", "a SQLite URI looks like sqlite:///path/to/berth.db")
    if scheme.startswith("postgres"):
        parts = urlsplit(uri)
        if not parts.hostname and "host=" not in uri:
            raise ConfigError("DB_URI", "a PostgreSQL URI needs a host: postgresql://user@host:5432/db")
        rest = uri.split("://", 1)[1]
        uri = f"postgresql+psycopg://{rest}"
    return uri


def _parse_storage(raw: Any, preference: Any) -> tuple[tuple[StorageLocation, ...], tuple[str, ...]]:
    key = "DISTRIBUTED_STORAGE_CONFIG"
    if not isinstance(raw, dict) or not raw:
        raise ConfigError(key, "must map a location name to [Driver, {params}]")
    locations = []
    for name, entry in raw.items():
        if not isinstance(entry, list) or len(entry) != 2 or not isinstance(entry[1], dict):
            raise ConfigError(f"{key}.{name}", "must be [Driver, {params}]")
        driver, params = entry
        if driver not in STORAGE_DRIVERS:
            raise ConfigError(
                f"{key}.{name}", f"unknown storage driver {driver!r}; supported: {', '.join(STORAGE_DRIVERS)}"
            )
        path = params.get("storage_path")
        if driver == "LocalStorage" and not (isinstance(path, str) and path):
            raise ConfigError(f"{key}.{name}", "LocalStorage needs storage_path")
        locations.append(StorageLocation(str(name), driver, dict(params)))
    prefs = (
        _str_list("DISTRIBUTED_STORAGE_PREFERENCE", preference)
        if preference is not None
        else [locations[0].name]
    )
    names = {loc.name for loc in locations}
    for pref in prefs:
        if pref not in names:
            raise ConfigError("DISTRIBUTED_STORAGE_PREFERENCE", f"{pref!r} is not in {key}")
    if not prefs:
        raise ConfigError("DISTRIBUTED_STORAGE_PREFERENCE", "must name at least one location")
    return tuple(locations), tuple(prefs)


def _scheme(key: str, value: Any) -> str:
    if value not in ("http", "https"):
        raise ConfigError(key, f"must be http or https, got {value!r}")
    return str(value)


def _tag_expiration_options(key: str, value: Any) -> tuple[str, ...]:
    options = _str_list(key, value)
    for option in options:
        _duration(key, option)
    return tuple(options)


def _hash_cost(key: str, value: Any) -> str:
    if value not in ("default", "low"):
        raise ConfigError(key, "must be default or low (low is for tests only)")
    return str(value)


def _log_level(key: str, value: Any) -> str:
    level = str(value).upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(key, f"must be DEBUG, INFO, WARNING or ERROR, got {value!r}")
    return level


def _optional_str(key: str, value: Any) -> str:
    if isinstance(value, str):
        return value
    raise ConfigError(key, f"must be a string, got {value!r}")


def _port(key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ConfigError(key, f"must be a TCP port number, got {value!r}")
    return value


# Every simple key: the Settings attribute it sets and the parser that validates it.
_FIELDS: dict[str, tuple[str, Callable[[str, Any], Any]]] = {
    "SERVER_HOSTNAME": ("server_hostname", _require_str),
    "PREFERRED_URL_SCHEME": ("preferred_url_scheme", _scheme),
    "DB_URI": ("db_uri", lambda _key, value: _validate_db_uri(value)),
    "SUPER_USERS": ("super_users", lambda key, value: frozenset(_str_list(key, value))),
    "BROWSER_API_CALLS_XHR_ONLY": ("browser_api_calls_xhr_only", _require_bool),
    "DEFAULT_TAG_EXPIRATION": ("default_tag_expiration_s", _duration),
    "TAG_EXPIRATION_OPTIONS": ("tag_expiration_options", _tag_expiration_options),
    "FRESH_LOGIN_TIMEOUT": ("fresh_login_timeout_s", _duration),
    "SESSION_LIFETIME": ("session_lifetime_s", _duration),
    "ACCESS_TOKEN_LIFETIME": ("access_token_lifetime_s", _duration),
    "OAUTH_TOKEN_LIFETIME": ("oauth_token_lifetime_s", _positive_duration),
    "OAUTH_TOKEN_MAX_LIFETIME": ("oauth_token_max_lifetime_s", _positive_duration),
    "APP_SPECIFIC_TOKEN_EXPIRATION": ("app_specific_token_expiration_s", _optional_duration),
    "REGISTRY_TOKEN_LIFETIME": ("registry_token_lifetime_s", _duration),
    "PASSWORD_HASH_COST": ("password_hash_cost", _hash_cost),
    "REGISTRY_TITLE": ("registry_title", _require_str),
    "LOG_LEVEL": ("log_level", _log_level),
    "MAIL_SERVER": ("mail_server", _optional_str),  # empty: no mail server, mail is not sent
    "MAIL_PORT": ("mail_port", _port),
    "MAIL_DEFAULT_SENDER": ("mail_default_sender", _require_str),
    "GARBAGE_COLLECTION_FREQUENCY": ("gc_frequency_s", _duration),
    "PUSH_TEMP_TAG_EXPIRATION_SEC": ("push_temp_tag_expiration_s", _duration),
    "BLOB_UPLOAD_MAX_AGE": ("blob_upload_max_age_s", _duration),
    "SSRF_ALLOWED_HOSTS": (
        "ssrf_allowed_hosts",
        lambda key, value: frozenset(host.lower() for host in _str_list(key, value)),
    ),
}

KNOWN_KEYS = frozenset({*_FIELDS, "DISTRIBUTED_STORAGE_CONFIG", "DISTRIBUTED_STORAGE_PREFERENCE"})


def settings_from_mapping(raw: Mapping[str, Any]) -> Settings:
    """Validate a mapping of Quay-style keys into :class:`Settings`.

    Keys Berth does not use are accepted and ignored: Quay installs carry many of them.
    """
    for key in raw:
        if not isinstance(key, str):
            raise ConfigError(str(key), "config keys must be strings")
    kwargs: dict[str, Any] = {}
    for key, (attr, parse) in _FIELDS.items():
        if key in raw:
            kwargs[attr] = parse(key, raw[key])
    if "DISTRIBUTED_STORAGE_CONFIG" in raw:
        storage, prefs = _parse_storage(
            raw["DISTRIBUTED_STORAGE_CONFIG"], raw.get("DISTRIBUTED_STORAGE_PREFERENCE")
        )
        kwargs["storage"], kwargs["storage_preference"] = storage, prefs
    elif "DISTRIBUTED_STORAGE_PREFERENCE" in raw:
        named = _str_list("DISTRIBUTED_STORAGE_PREFERENCE", raw["DISTRIBUTED_STORAGE_PREFERENCE"])
        if named != ["default"]:
            raise ConfigError("DISTRIBUTED_STORAGE_PREFERENCE", "names a location that is not configured")
    features = dict(FEATURE_DEFAULTS)
    for key, value in raw.items():
        if key.startswith("FEATURE_"):
            features[key.removeprefix("FEATURE_")] = _require_bool(key, value)
    kwargs["features"] = features
    return Settings(**kwargs)


def _env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for name, text in environ.items():
        if not name.startswith("BERTH_") or name in ("BERTH_CONFIG",):
            continue
        key = name.removeprefix("BERTH_")
        try:
            overrides[key] = yaml.safe_load(text) if text else text
        except yaml.YAMLError:
            raise ConfigError(key, f"environment variable {name} is not a valid YAML value") from None
    return overrides


def load_settings(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Read a Quay-style config.yaml (optional) and apply ``BERTH_<KEY>`` environment overrides."""
    env = os.environ if environ is None else environ
    raw: dict[str, Any] = {}
    config_path = path or env.get("BERTH_CONFIG")
    if config_path:
        file = Path(config_path)
        if not file.is_file():
            raise ConfigError("config", f"file not found: {file}")
        try:
            loaded = yaml.safe_load(file.read_text())
        except yaml.YAMLError as exc:
            raise ConfigError("config", f"{file} is not valid YAML: {exc}") from None
        if loaded is None:  # an empty file: defaults
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError("config", f"{file} must hold a mapping of keys")
        raw.update(loaded)
    raw.update(_env_overrides(env))
    return settings_from_mapping(raw)
