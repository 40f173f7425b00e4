"""Repository services against a real database: roles, creation rules, visibility, manifest parsing."""

from __future__ import annotations

import json

import pytest

from berth.accounts.service import get_account
from berth.content.parsing import parse_manifest
from berth.errors import ManifestInvalid, NameInvalid
from berth.lib import mediatypes as mt
from berth.lib.digests import parse_digest
from berth.repos.models import RoleName, Visibility
from berth.repos.service import (
    RepoRole,
    can_create_in_namespace,
    create_repository,
    effective_repo_role,
    get_repository,
    set_permission,
    visible_repositories,
)
from berth.runtime import Runtime
from tests.factories import make_user


def test_roles_come_from_ownership_permissions_and_visibility(runtime: Runtime) -> None:
    now = runtime.clock()
    with runtime.db.transaction() as session:
        owner, reader, writer, stranger = (make_user(session, now) for _ in range(4))
        private = create_repository(
            session,
            namespace=owner,
            name="private",
            visibility=Visibility.PRIVATE,
            description=None,
            actor=None,
            now=now,
        )
        public = create_repository(
            session,
            namespace=owner,
            name="public",
            visibility=Visibility.PUBLIC,
            description="x",
            actor=None,
            now=now,
        )
        set_permission(session, private, reader.id, RoleName.READ)
        set_permission(session, private, writer.id, RoleName.READ)
        set_permission(session, private, writer.id, RoleName.WRITE)
        assert effective_repo_role(session, owner.id, private) is RepoRole.ADMIN
        assert effective_repo_role(session, reader.id, private) is RepoRole.READ
        assert effective_repo_role(session, writer.id, private) is RepoRole.WRITE
        assert effective_repo_role(session, stranger.id, private) is RepoRole.NONE
        assert effective_repo_role(session, None, private) is RepoRole.NONE
        assert effective_repo_role(session, None, public) is RepoRole.READ
        assert effective_repo_role(session, writer.id, public) is RepoRole.READ
        assert can_create_in_namespace(session, owner.id, owner)
        assert not can_create_in_namespace(session, stranger.id, owner)
        visible = [name for _id, name in visible_repositories(session, reader.id, after_id=0, limit=10)]
        assert visible == [f"{owner.username}/private", f"{owner.username}/public"]
        assert [n for _i, n in visible_repositories(session, stranger.id, after_id=0, limit=10)] == [
            f"{owner.username}/public"
        ]
        assert get_repository(session, owner.username, "private") is not None
        assert get_repository(session, stranger.username, "private") is None


def test_invalid_repository_name_is_refused(runtime: Runtime) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, runtime.clock())
        account = get_account(session, user.username)
        assert account is not None
        with pytest.raises(NameInvalid):
            create_repository(
                session,
                namespace=account,
                name="Upper/Case",
                visibility=Visibility.PRIVATE,
                description=None,
                actor=None,
                now=runtime.clock(),
            )


def test_digests_parse_strictly() -> None:
    assert str(parse_digest("sha256:" + "a" * 64)) == "sha256:" + "a" * 64
    assert parse_digest("sha512:" + "b" * 128) is not None
    for bad in ("sha256:" + "a" * 63, "sha256:" + "A" * 64, "md5:abc", "sha256", ""):
        assert parse_digest(bad) is None


def test_manifest_kinds_are_recognised() -> None:
    digest = "sha256:" + "c" * 64
    descriptor = {"mediaType": "x", "digest": digest, "size": 1}
    image = parse_manifest(
        json.dumps({"schemaVersion": 2, "config": descriptor, "layers": [descriptor]}).encode(), None
    )
    assert image.media_type == mt.OCI_MANIFEST
    assert [str(d) for d in image.blobs] == [digest]
    index = parse_manifest(json.dumps({"schemaVersion": 2, "manifests": [descriptor]}).encode(), mt.OCI_INDEX)
    assert index.is_index
    assert [str(d) for d in index.children] == [digest]
    foreign = dict(descriptor, mediaType=next(iter(mt.FOREIGN_LAYERS)), urls=["https://example.com/x"])
    other = "sha256:" + "d" * 64
    docker = parse_manifest(
        json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": mt.DOCKER_MANIFEST,
                "config": dict(descriptor, digest=other),
                "layers": [foreign],
            }
        ).encode(),
        mt.DOCKER_MANIFEST,
    )
    assert [str(d) for d in docker.blobs] == [other]
    with pytest.raises(ManifestInvalid):
        parse_manifest(json.dumps({"schemaVersion": 2, "mediaType": mt.OCI_INDEX}).encode(), mt.OCI_MANIFEST)
    with pytest.raises(ManifestInvalid):
        parse_manifest(
            json.dumps({"schemaVersion": 2, "config": {"digest": "nope", "size": 1}, "layers": []}).encode(),
            None,
        )
