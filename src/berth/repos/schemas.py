"""Quay's JSON shapes for repositories, their permissions, stars and search results."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from berth.accounts.models import Account, AccountKind
from berth.content.models import Manifest, Tag
from berth.content.schemas import manifest_size
from berth.lib.avatar import avatar
from berth.lib.dates import epoch_seconds, format_quay_date
from berth.orgs.models import Team
from berth.repos.listing import RepoRow
from berth.repos.models import Repository, RoleName, Visibility

ENTITY_SEARCH_SCORE = 1
REPOSITORY_SEARCH_SCORE = 4


def namespace_avatar(account: Account) -> dict[str, str]:
    """A user's or organization's avatar block."""
    kind = "org" if account.kind == AccountKind.ORGANIZATION else "user"
    return avatar(account.username, account.email, kind)


def repo_list_view(
    row: RepoRow,
    *,
    starred: bool,
    last_modified: datetime | None = None,
    include_last_modified: bool = False,
    include_popularity: bool = False,
    quota_bytes: int | None = None,
) -> dict[str, Any]:
    """One repository of ``GET /api/v1/repository`` (``quota_report`` with quota management on)."""
    view: dict[str, Any] = {
        "namespace": row.namespace,
        "name": row.name,
        "description": row.description,
        "is_public": row.is_public,
        "kind": "image",
        "state": row.state.name,
    }
    if include_last_modified:
        view["last_modified"] = epoch_seconds(last_modified)
    if include_popularity:
        view["popularity"] = 0.0
    view["is_starred"] = starred
    if quota_bytes is not None:
        view["quota_report"] = {"quota_bytes": quota_bytes, "configured_quota": None}
    return view


def tag_summary_view(tag: Tag, manifest: Manifest) -> dict[str, Any]:
    """A tag inside ``GET /api/v1/repository/{repository}``."""
    view: dict[str, Any] = {
        "name": tag.name,
        "size": manifest_size(manifest),
        "last_modified": format_quay_date(tag.start_time),
        "manifest_digest": manifest.digest,
    }
    if tag.expiration is not None:
        view["expiration"] = format_quay_date(tag.expiration)
    return view


def repo_view(
    repo: Repository,
    namespace: Account,
    *,
    starred: bool,
    status_token: str,
    can_write: bool,
    can_admin: bool,
    tags: list[tuple[Tag, Manifest]] | None,
) -> dict[str, Any]:
    """``GET /api/v1/repository/{repository}``."""
    is_public = repo.visibility == Visibility.PUBLIC
    return {
        "namespace": namespace.username,
        "name": repo.name,
        "kind": "image",
        "description": repo.description,
        "is_public": is_public,
        "is_organization": namespace.kind == AccountKind.ORGANIZATION,
        "is_starred": starred,
        "status_token": "" if is_public else status_token,
        "trust_enabled": False,
        "tag_expiration_s": namespace.tag_expiration_s,
        "is_free_account": True,
        "state": repo.state.name,
        "tags": {tag.name: tag_summary_view(tag, manifest) for tag, manifest in tags or []},
        "can_write": can_write,
        "can_admin": can_admin,
    }


def stats_view(today: datetime) -> list[dict[str, Any]]:
    """Quay's 30 days of pull counts, newest first (Berth keeps no per-day counters: zeros)."""
    return [{"date": (today - timedelta(days=n)).date().isoformat(), "count": 0} for n in range(1, 31)]


def user_permission_view(account: Account, role: RoleName, *, is_org_member: bool) -> dict[str, Any]:
    """A user's or robot's permission on a repository."""
    is_robot = account.kind == AccountKind.ROBOT
    return {
        "role": role.value,
        "name": account.username,
        "is_robot": is_robot,
        "avatar": avatar(
            account.username, None if is_robot else account.email, "robot" if is_robot else "user"
        ),
        "is_org_member": is_org_member,
    }


def team_permission_view(team: Team, role: RoleName) -> dict[str, Any]:
    """A team's permission on a repository."""
    return {"role": role.value, "name": team.name, "avatar": avatar(team.name, None, "team")}


def search_entity_view(name: str, kind: AccountKind, email: str | None) -> dict[str, Any]:
    """A namespace (user or organization) inside search results."""
    is_org = kind == AccountKind.ORGANIZATION
    return {
        "title": "org" if is_org else "user",
        "kind": "organization" if is_org else "user",
        "avatar": avatar(name, email, "org" if is_org else "user"),
        "name": name,
        "score": ENTITY_SEARCH_SCORE,
        "href": f"/organization/{name}" if is_org else f"/user/{name}",
    }


def search_repo_view(row: RepoRow) -> dict[str, Any]:
    """A repository inside search results."""
    return {
        "kind": "repository",
        "title": "repo",
        "namespace": search_entity_view(row.namespace, row.namespace_kind, row.namespace_email),
        "name": row.name,
        "description": row.description,
        "is_public": row.is_public,
        "score": REPOSITORY_SEARCH_SCORE,
        "href": f"/repository/{row.namespace}/{row.name}",
    }
