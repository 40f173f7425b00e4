"""Settings: Quay key names from config.yaml, ``BERTH_<KEY>`` overrides, and loud, named failures."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from berth.config import (
    FEATURE_DEFAULTS,
    KNOWN_KEYS,
    ConfigError,
    Settings,
    load_settings,
    settings_from_mapping,
)


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(content if isinstance(content, str) else yaml.safe_dump(content))
    return path


def test_defaults_without_a_file() -> None:
    settings = load_settings(None, environ={})
    assert settings == Settings()
    assert settings.db_uri == "sqlite:///berth-data/berth.db"
    assert [(loc.name, loc.driver, dict(loc.params)) for loc in settings.storage] == [
        ("default", "LocalStorage", {"storage_path": "berth-data/storage"})
    ]
    assert settings.storage_preference == ("default",)
    assert settings.server_hostname == "localhost:8080"
    assert settings.base_url == "http://localhost:8080"
    assert settings.super_users == frozenset()
    assert settings.browser_api_calls_xhr_only is True
    assert settings.default_tag_expiration_s == 14 * 86400
    assert settings.password_hash_cost == "default"
    assert settings.feature("USER_INITIALIZE") is True
    assert settings.feature("FEATURE_USER_INITIALIZE") is True
    assert settings.feature("BILLING") is False
    assert settings.feature("NO_SUCH_FEATURE") is False
    assert dict(settings.features) == FEATURE_DEFAULTS


def test_an_empty_file_means_defaults(tmp_path: Path) -> None:
    assert load_settings(_write(tmp_path, ""), environ={}) == Settings()


def test_quay_keys_from_a_yaml_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
SERVER_HOSTNAME: registry.example.com
PREFERRED_URL_SCHEME: https
DB_URI: postgresql://quay:s3cret@db.example.com:5432/quay
DISTRIBUTED_STORAGE_CONFIG:
  local_us:
    - LocalStorage
    - storage_path: /datastorage/registry
DISTRIBUTED_STORAGE_PREFERENCE:
  - local_us
SUPER_USERS:
  - quayadmin
BROWSER_API_CALLS_XHR_ONLY: false
DEFAULT_TAG_EXPIRATION: 2w
TAG_EXPIRATION_OPTIONS: [0s, 1d, 1w]
FRESH_LOGIN_TIMEOUT: 10m
SESSION_LIFETIME: 1d
ACCESS_TOKEN_LIFETIME: 3600
REGISTRY_TOKEN_LIFETIME: 1h
PASSWORD_HASH_COST: low
REGISTRY_TITLE: Example Registry
LOG_LEVEL: debug
FEATURE_BILLING: true
FEATURE_USER_INITIALIZE: false
FEATURE_SOMETHING_NEW: true
AUTHENTICATION_TYPE: Database
SETUP_COMPLETE: true
""",
    )
    settings = load_settings(path, environ={})
    assert settings.server_hostname == "registry.example.com"
    assert settings.base_url == "https://registry.example.com"
    assert settings.db_uri == "postgresql+psycopg://quay:s3cret@db.example.com:5432/quay"
    assert [(loc.name, loc.driver, dict(loc.params)) for loc in settings.storage] == [
        ("local_us", "LocalStorage", {"storage_path": "/datastorage/registry"})
    ]
    assert settings.storage_preference == ("local_us",)
    assert settings.super_users == frozenset({"quayadmin"})
    assert settings.browser_api_calls_xhr_only is False
    assert settings.default_tag_expiration_s == 1209600
    assert settings.tag_expiration_options == ("0s", "1d", "1w")
    assert settings.fresh_login_timeout_s == 600
    assert settings.session_lifetime_s == 86400
    assert settings.access_token_lifetime_s == 3600
    assert settings.registry_token_lifetime_s == 3600
    assert settings.password_hash_cost == "low"
    assert settings.registry_title == "Example Registry"
    assert settings.log_level == "DEBUG"
    assert settings.feature("BILLING") is True
    assert settings.feature("USER_INITIALIZE") is False
    assert settings.feature("SOMETHING_NEW") is True
    assert settings.feature("SUPER_USERS") is True  # untouched flags keep their defaults


def test_config_path_from_berth_config_env(tmp_path: Path) -> None:
    path = _write(tmp_path, {"REGISTRY_TITLE": "From env path"})
    settings = load_settings(None, environ={"BERTH_CONFIG": str(path)})
    assert settings.registry_title == "From env path"


def test_env_overrides_are_yaml_values_and_beat_the_file(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"SERVER_HOSTNAME": "file.example.com", "BROWSER_API_CALLS_XHR_ONLY": True, "REGISTRY_TITLE": "File"},
    )
    environ = {
        "BERTH_SERVER_HOSTNAME": "env.example.com:8443",
        "BERTH_BROWSER_API_CALLS_XHR_ONLY": "false",
        "BERTH_SUPER_USERS": "[alice, bob]",
        "BERTH_ACCESS_TOKEN_LIFETIME": "120",
        "BERTH_DEFAULT_TAG_EXPIRATION": "3d",
        "BERTH_FEATURE_REPO_MIRROR": "true",
        "BERTH_DISTRIBUTED_STORAGE_CONFIG": '{"mem": ["MemoryStorage", {}]}',
        "BERTH_DB_URI": "sqlite:///elsewhere/b.db",
        "UNRELATED": "ignored",
    }
    settings = load_settings(path, environ=environ)
    assert settings.server_hostname == "env.example.com:8443"
    assert settings.browser_api_calls_xhr_only is False
    assert settings.super_users == frozenset({"alice", "bob"})
    assert settings.access_token_lifetime_s == 120
    assert settings.default_tag_expiration_s == 3 * 86400
    assert settings.feature("REPO_MIRROR") is True
    assert [(loc.name, loc.driver) for loc in settings.storage] == [("mem", "MemoryStorage")]
    assert settings.storage_preference == ("mem",)
    assert settings.db_uri == "sqlite:///elsewhere/b.db"
    assert settings.registry_title == "File"


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("sqlite:///var/lib/berth/berth.db", "sqlite:///var/lib/berth/berth.db"),
        ("sqlite:////abs/berth.db", "sqlite:////abs/berth.db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgres://u@h:6543/db", "postgresql+psycopg://u@h:6543/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ],
)
def test_database_uris(uri: str, expected: str) -> None:
    assert settings_from_mapping({"DB_URI": uri}).db_uri == expected


INVALID: list[tuple[str, dict[str, Any], str]] = [
    (
        "unknown-driver",
        {"DISTRIBUTED_STORAGE_CONFIG": {"default": ["S3Storage", {"s3_bucket": "b"}]}},
        "DISTRIBUTED_STORAGE_CONFIG.default",
    ),
    ("storage-not-a-mapping", {"DISTRIBUTED_STORAGE_CONFIG": ["LocalStorage"]}, "DISTRIBUTED_STORAGE_CONFIG"),
    ("storage-empty", {"DISTRIBUTED_STORAGE_CONFIG": {}}, "DISTRIBUTED_STORAGE_CONFIG"),
    (
        "storage-entry-shape",
        {"DISTRIBUTED_STORAGE_CONFIG": {"default": "LocalStorage"}},
        "DISTRIBUTED_STORAGE_CONFIG.default",
    ),
    (
        "local-without-path",
        {"DISTRIBUTED_STORAGE_CONFIG": {"default": ["LocalStorage", {}]}},
        "DISTRIBUTED_STORAGE_CONFIG.default",
    ),
    (
        "local-empty-path",
        {"DISTRIBUTED_STORAGE_CONFIG": {"default": ["LocalStorage", {"storage_path": ""}]}},
        "DISTRIBUTED_STORAGE_CONFIG.default",
    ),
    (
        "preference-names-missing-location",
        {
            "DISTRIBUTED_STORAGE_CONFIG": {"default": ["MemoryStorage", {}]},
            "DISTRIBUTED_STORAGE_PREFERENCE": ["elsewhere"],
        },
        "DISTRIBUTED_STORAGE_PREFERENCE",
    ),
    (
        "preference-without-config",
        {"DISTRIBUTED_STORAGE_PREFERENCE": ["elsewhere"]},
        "DISTRIBUTED_STORAGE_PREFERENCE",
    ),
    (
        "preference-empty",
        {
            "DISTRIBUTED_STORAGE_CONFIG": {"default": ["MemoryStorage", {}]},
            "DISTRIBUTED_STORAGE_PREFERENCE": [],
        },
        "DISTRIBUTED_STORAGE_PREFERENCE",
    ),
    ("db-mysql", {"DB_URI": "mysql+pymysql://u:p@h/quay"}, "DB_URI"),
    ("db-garbage", {"DB_URI": "not a uri"}, "DB_URI"),
    ("db-empty", {"DB_URI": ""}, "DB_URI"),
    ("db-number", {"DB_URI": 5432}, "DB_URI"),
    ("db-sqlite-relative-form", {"DB_URI": "sqlite://berth.db"}, "DB_URI"),
    ("db-postgres-without-host", {"DB_URI": "postgresql:///quay"}, "DB_URI"),
    ("bad-bool-string", {"BROWSER_API_CALLS_XHR_ONLY": "maybe"}, "BROWSER_API_CALLS_XHR_ONLY"),
    ("bad-bool-number", {"BROWSER_API_CALLS_XHR_ONLY": 1}, "BROWSER_API_CALLS_XHR_ONLY"),
    ("bad-feature-flag", {"FEATURE_BILLING": "sometimes"}, "FEATURE_BILLING"),
    ("bad-duration-unit", {"DEFAULT_TAG_EXPIRATION": "2 fortnights"}, "DEFAULT_TAG_EXPIRATION"),
    ("bad-duration-negative", {"FRESH_LOGIN_TIMEOUT": -5}, "FRESH_LOGIN_TIMEOUT"),
    ("bad-duration-bool", {"SESSION_LIFETIME": True}, "SESSION_LIFETIME"),
    ("bad-duration-empty", {"ACCESS_TOKEN_LIFETIME": ""}, "ACCESS_TOKEN_LIFETIME"),
    ("bad-duration-float", {"REGISTRY_TOKEN_LIFETIME": 1.5}, "REGISTRY_TOKEN_LIFETIME"),
    ("bad-expiration-option", {"TAG_EXPIRATION_OPTIONS": ["1d", "forever"]}, "TAG_EXPIRATION_OPTIONS"),
    ("expiration-options-not-list", {"TAG_EXPIRATION_OPTIONS": "1d"}, "TAG_EXPIRATION_OPTIONS"),
    ("super-users-not-list", {"SUPER_USERS": "admin"}, "SUPER_USERS"),
    ("super-users-not-strings", {"SUPER_USERS": ["admin", 3]}, "SUPER_USERS"),
    ("scheme", {"PREFERRED_URL_SCHEME": "ftp"}, "PREFERRED_URL_SCHEME"),
    ("hostname-empty", {"SERVER_HOSTNAME": ""}, "SERVER_HOSTNAME"),
    ("hostname-not-string", {"SERVER_HOSTNAME": ["a"]}, "SERVER_HOSTNAME"),
    ("hash-cost", {"PASSWORD_HASH_COST": "none"}, "PASSWORD_HASH_COST"),
    ("title", {"REGISTRY_TITLE": None}, "REGISTRY_TITLE"),
    ("log-level", {"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
]


@pytest.mark.parametrize(("raw", "key"), [pytest.param(r, k, id=i) for i, r, k in INVALID])
def test_invalid_values_name_their_key(tmp_path: Path, raw: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping(raw)
    assert info.value.key == key
    assert str(info.value).startswith(f"{key}: ")
    # The same value read from a file fails the same way.
    with pytest.raises(ConfigError) as from_file:
        load_settings(_write(tmp_path, raw), environ={})
    assert from_file.value.key == key


def test_non_string_keys_are_refused() -> None:
    with pytest.raises(ConfigError) as info:
        settings_from_mapping({1: "x"})  # type: ignore[dict-item]
    assert info.value.key == "1"


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("BERTH_BROWSER_API_CALLS_XHR_ONLY", "perhaps", "BROWSER_API_CALLS_XHR_ONLY"),
        ("BERTH_DB_URI", "oracle://x", "DB_URI"),
        ("BERTH_DEFAULT_TAG_EXPIRATION", "soon", "DEFAULT_TAG_EXPIRATION"),
        ("BERTH_SUPER_USERS", "[unclosed", "SUPER_USERS"),
        ("BERTH_FEATURE_BILLING", "2", "FEATURE_BILLING"),
        ("BERTH_SERVER_HOSTNAME", "", "SERVER_HOSTNAME"),
    ],
)
def test_invalid_env_overrides_name_their_key(name: str, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(None, environ={name: text})
    assert info.value.key == key


@pytest.mark.parametrize(
    "content", ["- a\n- b\n", "just a string\n", "42\n", "[]\n", "false\n", "''\n"], ids=repr
)
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, content: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, content), environ={})
    assert info.value.key == "config"
    assert "mapping" in str(info.value)


def test_invalid_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, "DB_URI: [unclosed\n"), environ={})
    assert info.value.key == "config"
    assert "not valid YAML" in str(info.value)


@pytest.mark.parametrize("via_env", [False, True])
def test_a_missing_file_is_refused(tmp_path: Path, via_env: bool) -> None:
    missing = tmp_path / "nope.yaml"
    path, environ = (None, {"BERTH_CONFIG": str(missing)}) if via_env else (missing, {})
    with pytest.raises(ConfigError) as info:
        load_settings(path, environ=environ)
    assert info.value.key == "config"
    assert str(missing) in str(info.value)


def test_a_folder_is_not_a_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path, environ={})
    assert info.value.key == "config"


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("postgresql://quay:s3cretpw@db:5432/quay", "postgresql+psycopg://quay:****@db:5432/quay"),
        ("postgresql://quay:p%40ss%3Aword@db/quay", "postgresql+psycopg://quay:****@db/quay"),
        (
            "postgresql://db/quay?user=quay&password=s3cretpw",
            "postgresql+psycopg://db/quay?user=quay&password=****",
        ),
        ("postgresql://quay@db/quay", "postgresql+psycopg://quay@db/quay"),
        ("sqlite:///data/berth.db", "sqlite:///data/berth.db"),
    ],
)
def test_masked_hides_the_database_password(uri: str, shown: str) -> None:
    masked = settings_from_mapping({"DB_URI": uri}).masked()
    assert masked["DB_URI"] == shown
    assert "s3cretpw" not in json.dumps(masked)
    assert "p%40ss" not in json.dumps(masked)


def test_masked_hides_storage_secrets_and_keeps_the_rest() -> None:
    settings = settings_from_mapping(
        {
            "DISTRIBUTED_STORAGE_CONFIG": {
                "default": [
                    "LocalStorage",
                    {
                        "storage_path": "/data",
                        "s3_access_key": "AKIAEXAMPLE",
                        "s3_secret_key": "topsecretvalue",
                        "swift_password": "swiftpw",
                        "sas_token": "sastokenvalue",
                    },
                ]
            },
            "SUPER_USERS": ["zed", "amy"],
            "PASSWORD_HASH_COST": "low",
        }
    )
    masked = settings.masked()
    text = json.dumps(masked)
    for secret in ("AKIAEXAMPLE", "topsecretvalue", "swiftpw", "sastokenvalue"):
        assert secret not in text
    assert masked["DISTRIBUTED_STORAGE_CONFIG"] == {
        "default": [
            "LocalStorage",
            {
                "storage_path": "/data",
                "s3_access_key": "****",
                "s3_secret_key": "****",
                "swift_password": "****",
                "sas_token": "****",
            },
        ]
    }
    assert masked["SUPER_USERS"] == ["amy", "zed"]
    assert masked["PASSWORD_HASH_COST"] == "low"
    assert masked["FEATURE_USER_INITIALIZE"] is True
    # Every duration reads back as the same duration.
    assert masked["DEFAULT_TAG_EXPIRATION"] == "1209600s"
    assert masked["SESSION_LIFETIME"] == f"{settings.session_lifetime_s}s"


def test_masked_output_loads_back_to_the_same_settings() -> None:
    settings = settings_from_mapping(
        {"SERVER_HOSTNAME": "r.example.com", "FEATURE_BILLING": True, "ACCESS_TOKEN_LIFETIME": "2h"}
    )
    assert settings_from_mapping(settings.masked()) == settings


def test_masked_shows_every_supported_key() -> None:
    masked = Settings().masked()
    assert set(KNOWN_KEYS) <= set(masked)
    assert {f"FEATURE_{name}" for name in FEATURE_DEFAULTS} <= set(masked)


def test_mail_settings(tmp_path: Path) -> None:
    settings = load_settings(
        _write(
            tmp_path, {"MAIL_SERVER": "smtp.example.com", "MAIL_PORT": 25, "MAIL_DEFAULT_SENDER": "q@x.io"}
        ),
        environ={"BERTH_MAIL_PORT": "2525"},
    )
    assert (settings.mail_server, settings.mail_port, settings.mail_default_sender) == (
        "smtp.example.com",
        2525,
        "q@x.io",
    )
    for port in (0, 70000, "25", True):
        with pytest.raises(ConfigError) as info:
            settings_from_mapping({"MAIL_PORT": port})
        assert info.value.key == "MAIL_PORT"


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(AttributeError):
        settings.db_uri = "sqlite:///other.db"  # type: ignore[misc]


def test_every_key_and_flag_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    for key in sorted(KNOWN_KEYS):
        assert f"| `{key}` |" in doc, key
    for name, default in FEATURE_DEFAULTS.items():
        assert f"| `FEATURE_{name}` | `{str(default).lower()}` |" in doc, name
