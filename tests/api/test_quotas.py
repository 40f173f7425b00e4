"""Storage quotas: the organization, user and superuser routes, Quay's bodies and errors, usage
measured over the content tables, and the push check."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from berth.accounts.service import get_account
from berth.app import create_app
from berth.auditlog.models import LogEntry
from berth.auditlog.service import Actor
from berth.content.models import Blob, Manifest, ManifestBlob
from berth.errors import Forbidden
from berth.lib.scopes import ALL_SCOPES, SUPER_USER
from berth.orgs.service import add_team_member, require_organization, require_team
from berth.quotas import service
from berth.quotas.schemas import human_size, parse_size
from berth.repos.models import Repository, Visibility
from berth.repos.service import create_repository
from berth.runtime import Runtime
from tests.factories import make_token, user_with_token
from tests.registry.helpers import image_manifest, make_repo, new_user, push_blob, user_headers

ORG = "acme"


def _h(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def quota_client(runtime: Runtime) -> Iterator[TestClient]:
    """A client for an installation with ``FEATURE_QUOTA_MANAGEMENT`` on."""
    runtime.settings = replace(
        runtime.settings, features={**runtime.settings.features, "QUOTA_MANAGEMENT": True}
    )
    with TestClient(create_app(runtime.settings, runtime)) as test_client:
        yield test_client


@pytest.fixture
def world(runtime: Runtime, quota_client: TestClient) -> dict[str, str]:
    """Tokens: a superuser, the org's admin, a member of it, and an outsider."""
    _, superuser = user_with_token(runtime, superuser=True)
    admin_name, admin = user_with_token(runtime)
    member_name, member = user_with_token(runtime)
    outsider_name, outsider = user_with_token(runtime)
    body = {"name": ORG, "email": "acme@example.com"}
    assert quota_client.post("/api/v1/organization/", json=body, headers=_h(admin)).status_code == 201
    team = quota_client.put(
        f"/api/v1/organization/{ORG}/team/readers", json={"role": "member"}, headers=_h(admin)
    )
    assert team.status_code == 200
    with runtime.db.transaction() as session:
        org = require_organization(session, ORG)
        add_team_member(
            session,
            org,
            require_team(session, org, "readers"),
            member_name,
            actor=Actor(None),
            now=runtime.clock(),
        )
    return {
        "superuser": superuser,
        "admin": admin,
        "member": member,
        "outsider": outsider,
        "outsider_name": outsider_name,
        "admin_name": admin_name,
    }


def _error(response: Any, status: int, message: str) -> None:
    assert response.status_code == status
    body = response.json()
    assert body["detail"] == message
    assert body["error_message"] == message
    assert body["status"] == status


def test_routes_are_gated_by_quota_management(client: TestClient, runtime: Runtime) -> None:
    _, token = user_with_token(runtime, superuser=True)
    response = client.get(f"/api/v1/organization/{ORG}/quota", headers=_h(token))
    assert response.status_code == 404
    assert client.get("/api/v1/user/quota", headers=_h(token)).status_code == 404


def test_organization_quota_lifecycle(
    quota_client: TestClient, world: dict[str, str], runtime: Runtime
) -> None:
    su = _h(world["superuser"])
    base = f"/api/v1/organization/{ORG}/quota"
    assert quota_client.get(base, headers=su).json() == []
    created = quota_client.post(base, json={"limit_bytes": 10737418240}, headers=su)
    assert (created.status_code, created.json()) == (201, "Created")
    _error(
        quota_client.post(base, json={"limit_bytes": 1000}, headers=su),
        400,
        f"Organization quota for '{ORG}' already exists",
    )
    [quota] = quota_client.get(base, headers=su).json()
    assert quota == {
        "id": quota["id"],
        "limit_bytes": 10737418240,
        "limit": "10.0 GiB",
        "default_config": False,
        "limits": [],
        "default_config_exists": False,
    }
    one = f"{base}/{quota['id']}"
    assert quota_client.get(one, headers=su).json() == quota

    limits = f"{one}/limit"
    for body in ({"type": "Warning", "threshold_percent": 80}, {"type": "Reject", "threshold_percent": 100}):
        response = quota_client.post(limits, json=body, headers=su)
        assert (response.status_code, response.json()) == (201, "Created")
    listed = quota_client.get(limits, headers=_h(world["admin"])).json()
    assert [(x["type"], x["limit_percent"]) for x in listed] == [("Warning", 80), ("Reject", 100)]

    changed = quota_client.put(one, json={"limit_bytes": 21474836480}, headers=su)
    assert changed.status_code == 200
    assert changed.json() == {**quota, "limit_bytes": 21474836480, "limit": "20.0 GiB", "limits": listed}
    assert quota_client.put(one, json={}, headers=su).json()["limit_bytes"] == 21474836480

    warning = f"{limits}/{listed[0]['id']}"
    assert quota_client.get(warning, headers=_h(world["member"])).json() == listed[0]
    # Quay's type names are case-insensitive; the answer is the whole quota.
    updated = quota_client.put(warning, json={"type": "reject", "threshold_percent": 60}, headers=su)
    assert updated.status_code == 200
    assert updated.json()["limits"][0] == {"id": listed[0]["id"], "type": "Reject", "limit_percent": 60}
    assert quota_client.delete(warning, headers=su).status_code == 204
    assert quota_client.get(warning, headers=_h(world["admin"])).status_code == 404

    assert quota_client.delete(one, headers=su).status_code == 204
    _error(quota_client.get(one, headers=su), 404, "Not Found")
    assert quota_client.get(base, headers=su).json() == []

    with runtime.db.transaction() as session:
        kinds = session.scalars(select(LogEntry.kind).where(LogEntry.kind.like("org_%quota%"))).all()
        created_log = session.scalar(select(LogEntry).where(LogEntry.kind == "org_create_quota"))
        assert created_log is not None
        assert created_log.metadata_json["namespace"] == ORG
        assert created_log.metadata_json["limit_bytes"] == 10737418240
    assert sorted(set(kinds)) == [
        "org_change_quota",
        "org_change_quota_limit",
        "org_create_quota",
        "org_create_quota_limit",
        "org_delete_quota",
        "org_delete_quota_limit",
    ]


def test_limit_errors_have_quays_bodies(quota_client: TestClient, world: dict[str, str]) -> None:
    su = _h(world["superuser"])
    base = f"/api/v1/organization/{ORG}/quota"
    quota_client.post(base, json={"limit_bytes": 3000}, headers=su)
    quota_id = quota_client.get(base, headers=su).json()[0]["id"]
    limits = f"{base}/{quota_id}/limit"
    bad_type = quota_client.post(limits, json={"type": "Bogus", "threshold_percent": 50}, headers=su)
    assert (bad_type.status_code, bad_type.json()) == (
        400,
        {"message": "Quota type must be one of [Warning, Reject]"},
    )
    too_big = quota_client.post(limits, json={"type": "Warning", "threshold_percent": 101}, headers=su)
    assert too_big.json() == {"message": "Quota limit threshold must be between 1 and 100"}
    _error(
        quota_client.post(limits, json={"type": "Warning", "threshold_percent": 0}, headers=su),
        400,
        "Quota limit threshold must be between 1 and 100",
    )
    assert (
        quota_client.post(limits, json={"type": "warning", "threshold_percent": 50}, headers=su).status_code
        == 201
    )
    _error(
        quota_client.post(limits, json={"type": "Warning", "threshold_percent": 50}, headers=su),
        400,
        "Quota limit already exists",
    )
    missing = quota_client.post(limits, json={"type": "Warning"}, headers=su)
    assert missing.status_code == 400
    assert "threshold_percent" in missing.json()["detail"]
    limit_id = quota_client.get(limits, headers=_h(world["admin"])).json()[0]["id"]
    bad_update = quota_client.put(f"{limits}/{limit_id}", json={"type": "undefinedtype"}, headers=su)
    assert bad_update.json() == {"message": "Quota type must be one of [Warning, Reject]"}
    assert quota_client.get(f"{limits}/999999", headers=_h(world["admin"])).status_code == 404
    assert quota_client.get(f"{base}/{quota_id}/limit/abc", headers=_h(world["admin"])).status_code == 404


@pytest.mark.parametrize(
    ("body", "limit_bytes", "shown"),
    [
        ({"limit": "200M"}, 200000000, "190.7 MiB"),
        ({"limit": "512Mi"}, 536870912, "512.0 MiB"),
        ({"limit": "1TiB"}, 1099511627776, "1.0 TiB"),
        ({"limit": "200 Mi"}, 209715200, "200.0 MiB"),
        ({"limit_bytes": 10737418240, "limits": "10 Gi"}, 10737418240, "10.0 GiB"),
        ({"limit_bytes": 3000}, 3000, "2.9 KiB"),
        ({"limit_bytes": 500}, 500, "500.0 Byte"),
    ],
)
def test_limit_strings(
    quota_client: TestClient, world: dict[str, str], body: dict[str, Any], limit_bytes: int, shown: str
) -> None:
    su = _h(world["superuser"])
    base = f"/api/v1/organization/{ORG}/quota"
    assert quota_client.post(base, json=body, headers=su).status_code == 201
    [quota] = quota_client.get(base, headers=su).json()
    assert (quota["limit_bytes"], quota["limit"]) == (limit_bytes, shown)


def test_bad_quota_sizes(quota_client: TestClient, world: dict[str, str]) -> None:
    su = _h(world["superuser"])
    base = f"/api/v1/organization/{ORG}/quota"
    _error(
        quota_client.post(base, json={"limit_bytes": 0}, headers=su),
        400,
        "Invalid quota size limit value: '0'",
    )
    assert quota_client.post(base, json={"limit": "lots"}, headers=su).status_code == 400
    neither = quota_client.post(base, json={}, headers=su)
    assert neither.status_code == 400
    assert "limit_bytes" in neither.json()["detail"]
    wrong_type = quota_client.post(base, json={"limit_bytes": "10"}, headers=su)
    assert wrong_type.status_code == 400
    assert "limit_bytes" in wrong_type.json()["detail"]
    _error(
        quota_client.post(base, json={"limit_bytes": 2**63}, headers=su), 400, "Unsupported quota size limit."
    )
    assert quota_client.get(base, headers=su).json() == []


def test_who_may_do_what(quota_client: TestClient, world: dict[str, str], runtime: Runtime) -> None:
    base = f"/api/v1/organization/{ORG}/quota"
    # Only superusers write: an org admin is refused, as in Quay.
    _error(
        quota_client.post(base, json={"limit_bytes": 1000}, headers=_h(world["admin"])), 403, "Unauthorized"
    )
    assert (
        quota_client.post(base, json={"limit_bytes": 1000}, headers=_h(world["superuser"])).status_code == 201
    )
    for reader in ("admin", "member", "superuser"):
        assert quota_client.get(base, headers=_h(world[reader])).status_code == 200
    _error(quota_client.get(base, headers=_h(world["outsider"])), 403, "Unauthorized")
    _error(quota_client.get(base), 401, "Requires authentication")
    # Permission comes before existence.
    _error(
        quota_client.get("/api/v1/organization/nosuchorg/quota", headers=_h(world["outsider"])),
        403,
        "Unauthorized",
    )
    assert (
        quota_client.get("/api/v1/organization/nosuchorg/quota", headers=_h(world["superuser"])).status_code
        == 404
    )
    # A superuser token without super:user is an ordinary token.
    _, weak = user_with_token(runtime, superuser=True, scopes=ALL_SCOPES - {SUPER_USER})
    assert quota_client.delete(f"{base}/1", headers=_h(weak)).status_code == 403


def test_superuser_and_user_routes(quota_client: TestClient, world: dict[str, str]) -> None:
    su = _h(world["superuser"])
    name = world["outsider_name"]
    base = f"/api/v1/superuser/users/{name}/quota"
    created = quota_client.post(base, json={"limit_bytes": 5368709120}, headers=su)
    assert (created.status_code, created.json()) == (201, "Created")
    _error(
        quota_client.post(base, json={"limit_bytes": 6000}, headers=su),
        400,
        f"Quota for '{name}' already exists",
    )
    [quota] = quota_client.get(base, headers=su).json()
    assert quota["limit"] == "5.0 GiB"
    changed = quota_client.put(f"{base}/{quota['id']}", json={"limit": "6 GiB"}, headers=su).json()
    assert (changed["limit_bytes"], changed["limit"]) == (6442450944, "6.0 GiB")

    own = _h(world["outsider"])
    assert quota_client.get("/api/v1/user/quota", headers=own).json() == [changed]
    assert quota_client.get(f"/api/v1/user/quota/{quota['id']}", headers=own).json() == changed
    assert quota_client.get(f"/api/v1/user/quota/{quota['id']}/limit", headers=own).json() == []
    assert quota_client.get(f"/api/v1/user/quota/{quota['id']}/limit/1", headers=own).status_code == 404
    # Another user's quota id is not the caller's.
    _error(
        quota_client.get(f"/api/v1/user/quota/{quota['id']}", headers=_h(world["member"])), 404, "Not Found"
    )
    assert quota_client.get("/api/v1/user/quota", headers=_h(world["member"])).json() == []
    _error(quota_client.get(base, headers=own), 403, "Unauthorized")

    # The organization path of the superuser routes serves the same quotas.
    org_base = f"/api/v1/superuser/organization/{ORG}/quota"
    assert quota_client.post(org_base, json={"limit": "1 GiB"}, headers=su).status_code == 201
    org_quota = quota_client.get(org_base, headers=su).json()[0]
    assert quota_client.get(f"/api/v1/organization/{ORG}/quota", headers=su).json() == [org_quota]
    assert quota_client.delete(f"{org_base}/{org_quota['id']}", headers=su).status_code == 204
    assert quota_client.delete(f"{base}/{quota['id']}", headers=su).status_code == 204
    assert quota_client.delete(f"{base}/{quota['id']}", headers=su).status_code == 404
    _error(quota_client.get("/api/v1/superuser/users/nonexistant/quota", headers=su), 404, "Not Found")


def _blob(session: Any, n: int, size: int, now: datetime) -> Blob:
    blob = Blob(digest=f"sha256:{n:064x}", size=size, storage_key=f"k{n}", created=now)
    session.add(blob)
    session.flush()
    return blob


def _manifest(session: Any, repo: Repository, n: int, blobs: list[Blob], now: datetime) -> Manifest:
    manifest = Manifest(
        repository_id=repo.id,
        digest=f"sha256:{n:064x}",
        media_type="application/vnd.oci.image.manifest.v1+json",
        content=b"{}",
        size=2,
        created=now,
    )
    session.add(manifest)
    session.flush()
    for blob in blobs:
        session.add(ManifestBlob(manifest_id=manifest.id, blob_id=blob.id))
    session.flush()
    return manifest


def test_usage_counts_distinct_live_blobs_and_reject_limits(runtime: Runtime) -> None:
    now = runtime.clock()
    user_name, _ = user_with_token(runtime)
    with runtime.db.transaction() as session:
        owner = get_account(session, user_name)
        assert owner is not None

        def repo(name: str) -> Repository:
            return create_repository(
                session,
                namespace=owner,
                name=name,
                visibility=Visibility.PRIVATE,
                description=None,
                actor=None,
                now=now,
            )

        first, second, gone = repo("first"), repo("second"), repo("gone")
        shared, layer, dead, lost = (
            _blob(session, n, size, now) for n, size in ((1, 100), (2, 20), (3, 5), (4, 7))
        )
        _manifest(session, first, 11, [shared, layer], now)
        _manifest(session, second, 12, [shared], now)  # the shared blob counts once
        _manifest(session, second, 13, [dead], now).deleted_at = now
        _manifest(session, gone, 14, [lost], now)
        gone.deleted = True
        session.flush()
        assert service.namespace_size(session, owner.id) == 120

        quota = service.create_quota(session, owner, 200, duplicate_message="dup", actor=Actor(None), now=now)
        report = service.quota_report(session, owner)
        assert report == {
            "quota_bytes": 120,
            "configured_quota": 200,
            "running_backfill": "complete",
            "backfill_status": "complete",
        }
        assert service.quotas_brief(session, owner) == [{"id": quota.id, "limit_bytes": 200, "limits": []}]
        service.create_limit(session, owner, quota, "Warning", 50, actor=Actor(None), now=now)
        service.create_limit(session, owner, quota, "Reject", 70, actor=Actor(None), now=now)
        check = service.check_limits(session, owner.id)
        assert (check.severity, check.threshold_percent, check.rejected) == ("Warning", 50, False)
        service.require_within_quota(session, owner.id, extra_bytes=20)
        with pytest.raises(Forbidden, match="Quota has been exceeded on namespace"):
            service.require_within_quota(session, owner.id, extra_bytes=21)
        assert service.check_limits(session, owner.id, 21).severity == "Reject"


def test_size_strings() -> None:
    assert parse_size("10 GiB") == 10 * 2**30
    assert parse_size("10 Gi") == 10 * 2**30
    assert parse_size("1.5G") == 1500000000
    assert parse_size("2048") == 2048
    assert parse_size("5 XB") is None
    assert parse_size("") is None
    assert human_size(1023) == "1023.0 Byte"
    assert human_size(1024) == "1.0 KiB"
    assert human_size(5000000000) == "4.7 GiB"


def test_pushes_past_a_reject_limit_are_refused_and_views_show_usage(
    runtime: Runtime, quota_client: TestClient
) -> None:
    user = new_user(runtime)
    make_repo(runtime, user, "app")
    v2 = user_headers(quota_client, user, [f"{user}/app"])
    config = b'{"architecture":"amd64","os":"linux"}'
    small, big = b"s" * 300, b"b" * 5000
    for blob in (config, small, big):
        push_blob(quota_client, f"{user}/app", blob, v2)
    with runtime.db.transaction() as session:
        owner = get_account(session, user)
        assert owner is not None
        quota = service.create_quota(
            session, owner, 2000, duplicate_message="dup", actor=Actor(None), now=runtime.clock()
        )
        service.create_limit(session, owner, quota, "Reject", 100, actor=Actor(None), now=runtime.clock())

    def push(tag: str, layers: list[bytes]) -> Any:
        return quota_client.put(
            f"/v2/{user}/app/manifests/{tag}",
            content=image_manifest(config, layers),
            headers={**v2, "Content-Type": "application/vnd.oci.image.manifest.v1+json"},
        )

    assert push("small", [small]).status_code == 201  # 300 + config bytes: within 2000
    refused = push("big", [big])
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "DENIED"
    assert refused.json()["errors"][0]["message"] == "Quota has been exceeded on namespace"
    assert push("again", [small]).status_code == 201  # blobs the namespace holds already add nothing

    me = quota_client.get("/api/v1/user/", headers=_h(make_token(runtime, user, ALL_SCOPES))).json()
    assert me["quota_report"] == {
        "quota_bytes": len(config) + len(small),
        "configured_quota": 2000,
        "running_backfill": "complete",
        "backfill_status": "complete",
    }
    assert [q["limit_bytes"] for q in me["quotas"]] == [2000]
