"""Auto-prune policies through ``/api/v1``: organization, user and repository policies as Quay."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.auditlog.models import LogEntry
from berth.config import Settings, settings_from_mapping
from berth.runtime import Runtime
from tests.factories import user_with_token
from tests.registry.helpers import make_repo

ORG = "/api/v1/organization/acme/autoprunepolicy/"
USER = "/api/v1/user/autoprunepolicy/"


@pytest.fixture
def settings() -> Settings:
    """Defaults with FEATURE_AUTO_PRUNE on (Quay's default is off)."""
    return settings_from_mapping(
        {"PASSWORD_HASH_COST": "low", "SERVER_HOSTNAME": "testserver", "FEATURE_AUTO_PRUNE": True}
    )


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _org(client: TestClient, runtime: Runtime) -> tuple[str, str]:
    owner, token = user_with_token(runtime)
    created = client.post(
        "/api/v1/organization/", json={"name": "acme", "email": "a@x.com"}, headers=_h(token)
    )
    assert created.status_code == 201
    return owner, token


def _logs(runtime: Runtime) -> list[tuple[str, dict[str, Any], int | None]]:
    with runtime.db.transaction(write=False) as session:
        rows = session.execute(
            select(LogEntry.kind, LogEntry.metadata_json, LogEntry.repository_id).order_by(LogEntry.id)
        ).all()
    # Berth adds the OAuth token's id to entries written through a token; the rest is Quay's.
    return [
        (kind, {k: v for k, v in meta.items() if k != "oauth_token_id"}, repo)
        for kind, meta, repo in rows
        if "autoprune" in kind
    ]


def _error(body: dict[str, Any], message: str) -> None:
    assert body == {
        "detail": message,
        "error_message": message,
        "error_type": "invalid_request",
        "title": "invalid_request",
        "type": "http://testserver/api/v1/error/invalid_request",
        "status": 400,
    }


def test_organization_policy_lifecycle_matches_quay(client: TestClient, runtime: Runtime) -> None:
    _, token = _org(client, runtime)
    assert client.get(ORG, headers=_h(token)).json() == {"policies": []}
    created = client.post(ORG, json={"method": "number_of_tags", "value": 10}, headers=_h(token))
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert list(created.json()) == ["uuid"]
    listed = client.get(ORG, headers=_h(token))
    assert listed.status_code == 200
    assert listed.json() == {
        "policies": [
            {
                "uuid": uuid,
                "method": "number_of_tags",
                "value": 10,
                "tagPattern": None,
                "tagPatternMatches": True,
            }
        ]
    }
    one = client.get(f"{ORG}{uuid}", headers=_h(token))
    assert one.status_code == 200
    assert one.json() == listed.json()["policies"][0]

    changed = client.put(
        f"{ORG}{uuid}",
        json={"method": "creation_date", "value": "4d", "tagPattern": " ^v* ", "tagPatternMatches": True},
        headers=_h(token),
    )
    assert changed.status_code == 204
    assert changed.content == b""
    assert client.get(f"{ORG}{uuid}", headers=_h(token)).json() == {
        "uuid": uuid,
        "method": "creation_date",
        "value": "4d",
        "tagPattern": "^v*",
        "tagPatternMatches": True,
    }
    # Several policies per namespace are allowed (the guide lists three).
    second = client.post(ORG, json={"method": "creation_date", "value": "7d"}, headers=_h(token))
    assert second.status_code == 201
    assert [p["uuid"] for p in client.get(ORG, headers=_h(token)).json()["policies"]] == [
        uuid,
        second.json()["uuid"],
    ]

    deleted = client.delete(f"{ORG}{uuid}", headers=_h(token))
    assert deleted.status_code == 200
    assert deleted.json() == {"uuid": uuid}
    assert client.get(f"{ORG}{uuid}", headers=_h(token)).status_code == 404
    assert client.delete(f"{ORG}{uuid}", headers=_h(token)).status_code == 404
    missing = client.put(f"{ORG}{uuid}", json={"method": "bogus", "value": 1}, headers=_h(token))
    assert missing.status_code == 404  # the policy is looked up before the body is judged
    assert missing.json()["error_type"] == "not_found"

    logs = _logs(runtime)
    assert [kind for kind, _, _ in logs] == [
        "create_namespace_autoprune_policy",
        "update_namespace_autoprune_policy",
        "create_namespace_autoprune_policy",
        "delete_namespace_autoprune_policy",
    ]
    assert logs[0][1] == {
        "method": "number_of_tags",
        "value": 10,
        "tag_pattern": None,
        "tag_pattern_matches": True,
        "namespace": "acme",
    }
    assert logs[3][1] == {"policy_uuid": uuid, "namespace": "acme"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"method": "bogus", "value": 10}, "Invalid method provided"),
        ({"method": "number_of_tags", "value": 0}, "Invalid value given for method type"),
        ({"method": "number_of_tags", "value": -3}, "Invalid value given for method type"),
        ({"method": "number_of_tags", "value": "ten"}, "Invalid value given for method type"),
        ({"method": "creation_date", "value": 7}, "Invalid value given for method type"),
        ({"method": "creation_date", "value": "7x"}, "Invalid value given for method type"),
        ({"method": "creation_date", "value": ""}, "Invalid value given for method type"),
        ({"method": "creation_date", "value": "7d", "tagPattern": "  "}, "tag_pattern cannot be empty"),
        ({"method": "creation_date", "value": "7d", "tagPattern": "v[1"}, "Invalid tag pattern"),
        ({"method": "number_of_tags"}, "'value' is a required property"),
        ({"value": 3}, "'method' is a required property"),
    ],
)
def test_invalid_policies_are_400_with_quays_message(
    client: TestClient, runtime: Runtime, body: dict[str, Any], message: str
) -> None:
    _, token = _org(client, runtime)
    response = client.post(ORG, json=body, headers=_h(token))
    assert response.status_code == 400
    _error(response.json(), message)
    assert client.get(ORG, headers=_h(token)).json() == {"policies": []}


def test_duplicates_are_refused_and_the_guides_string_count_is_read(
    client: TestClient, runtime: Runtime
) -> None:
    _, token = _org(client, runtime)
    assert (
        client.post(ORG, json={"method": "number_of_tags", "value": 10}, headers=_h(token)).status_code == 201
    )
    again = client.post(ORG, json={"method": "number_of_tags", "value": 10}, headers=_h(token))
    assert again.status_code == 400
    _error(
        again.json(),
        "Existing policy with same values for this namespace, duplicate policies are not permitted",
    )
    filtered = {"method": "number_of_tags", "value": 10, "tagPattern": "^v", "tagPatternMatches": False}
    assert client.post(ORG, json=filtered, headers=_h(token)).status_code == 201
    # The guide updates with ``"value": "5"``: a string of digits counts as that number.
    guide = client.post(ORG, json={"method": "number_of_tags", "value": "5"}, headers=_h(token))
    assert guide.status_code == 201
    assert client.get(f"{ORG}{guide.json()['uuid']}", headers=_h(token)).json()["value"] == 5


def test_permissions_and_feature_flag(client: TestClient, runtime: Runtime) -> None:
    _, token = _org(client, runtime)
    _, outsider = user_with_token(runtime)
    uuid = client.post(ORG, json={"method": "number_of_tags", "value": 3}, headers=_h(token)).json()["uuid"]
    forbidden = client.get(ORG, headers=_h(outsider))
    assert forbidden.status_code == 403
    assert forbidden.json()["error_type"] == "insufficient_scope"
    assert client.get(f"{ORG}{uuid}", headers=_h(outsider)).status_code == 403
    assert client.delete(f"{ORG}{uuid}", headers=_h(outsider)).status_code == 403
    anonymous = client.get(ORG)
    assert anonymous.status_code == 401
    assert anonymous.json()["error_type"] == "invalid_token"
    assert (
        client.get("/api/v1/organization/nosuchorg/autoprunepolicy/", headers=_h(outsider)).status_code == 403
    )
    # The user endpoints act on the caller's own namespace: the outsider sees none of acme's.
    assert client.get(USER, headers=_h(outsider)).json() == {"policies": []}
    assert client.get(f"{USER}{uuid}", headers=_h(outsider)).status_code == 404

    from dataclasses import replace

    runtime.settings = replace(runtime.settings, features={**runtime.settings.features, "AUTO_PRUNE": False})
    off = client.get(ORG, headers=_h(token))
    assert off.status_code == 404


def test_user_policies(client: TestClient, runtime: Runtime) -> None:
    user, token = user_with_token(runtime)
    created = client.post(USER, json={"method": "number_of_tags", "value": 10}, headers=_h(token))
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert client.get(USER, headers=_h(token)).json() == {
        "policies": [
            {
                "uuid": uuid,
                "method": "number_of_tags",
                "value": 10,
                "tagPattern": None,
                "tagPatternMatches": True,
            }
        ]
    }
    assert client.get(f"{USER}{uuid}", headers=_h(token)).json()["uuid"] == uuid
    assert (
        client.put(
            f"{USER}{uuid}", json={"method": "creation_date", "value": "2w"}, headers=_h(token)
        ).status_code
        == 204
    )
    assert client.get(f"{USER}{uuid}", headers=_h(token)).json()["value"] == "2w"
    assert client.get(f"{USER}some_uuid", headers=_h(token)).status_code == 404
    assert client.delete(f"{USER}{uuid}", headers=_h(token)).json() == {"uuid": uuid}
    assert client.get(USER, headers=_h(token)).json() == {"policies": []}
    assert client.get(USER).status_code == 401
    kinds = [kind for kind, meta, _ in _logs(runtime) if meta["namespace"] == user]
    assert kinds == [
        "create_namespace_autoprune_policy",
        "update_namespace_autoprune_policy",
        "delete_namespace_autoprune_policy",
    ]


def test_repository_policies(client: TestClient, runtime: Runtime) -> None:
    owner, token = user_with_token(runtime)
    _, outsider = user_with_token(runtime)
    repo_id = make_repo(runtime, owner, "app")
    url = f"/api/v1/repository/{owner}/app/autoprunepolicy/"
    body = {"method": "creation_date", "value": "2w", "tagPattern": "v.*", "tagPatternMatches": True}
    created = client.post(url, json=body, headers=_h(token))
    assert created.status_code == 201
    uuid = created.json()["uuid"]
    assert client.get(url, headers=_h(token)).json() == {
        "policies": [
            {
                "uuid": uuid,
                "method": "creation_date",
                "value": "2w",
                "tagPattern": "v.*",
                "tagPatternMatches": True,
            }
        ]
    }
    duplicate = client.post(url, json=body, headers=_h(token))
    _error(
        duplicate.json(),
        "Existing policy with same values for this repository, duplicate policies are not permitted",
    )
    # A repository's policies are not the namespace's.
    assert client.get(USER, headers=_h(token)).json() == {"policies": []}
    assert client.get(f"{USER}{uuid}", headers=_h(token)).status_code == 404
    assert client.get(url, headers=_h(outsider)).status_code == 403
    assert client.post(url, json=body, headers=_h(outsider)).status_code == 403
    assert client.get(url).status_code == 401
    assert (
        client.get(f"/api/v1/repository/{owner}/nope/autoprunepolicy/", headers=_h(token)).status_code == 404
    )
    assert (
        client.put(
            f"{url}{uuid}", json={"method": "number_of_tags", "value": 4}, headers=_h(token)
        ).status_code
        == 204
    )
    assert client.get(f"{url}{uuid}", headers=_h(token)).json()["value"] == 4
    assert client.delete(f"{url}{uuid}", headers=_h(token)).json() == {"uuid": uuid}
    assert client.get(f"{url}{uuid}", headers=_h(token)).status_code == 404
    logs = _logs(runtime)
    assert [kind for kind, _, _ in logs] == [
        "create_repository_autoprune_policy",
        "update_repository_autoprune_policy",
        "delete_repository_autoprune_policy",
    ]
    assert all(repo == repo_id for _, _, repo in logs)
    assert logs[0][1] == {
        "method": "creation_date",
        "value": "2w",
        "tag_pattern": "v.*",
        "tag_pattern_matches": True,
        "namespace": owner,
        "repo": "app",
    }
    assert logs[2][1] == {"policy_uuid": uuid, "namespace": owner, "repo": "app"}
