"""Auto-prune policies of namespaces and repositories: validation as Quay, storage, audit log."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor, log_action
from berth.autoprune.models import AutoPrunePolicy
from berth.errors import InvalidRequest, NotFound
from berth.repos.service import RepoHandle

NUMBER_OF_TAGS = "number_of_tags"
CREATION_DATE = "creation_date"
METHODS = (NUMBER_OF_TAGS, CREATION_DATE)

# Quay's duration strings for ``creation_date``: a count and one unit.
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^([0-9]+)([smhdw])$")


def duration(text: str) -> timedelta:
    """``7d`` -> seven days; ValueError for anything Quay's duration parser refuses."""
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"invalid duration {text!r}")
    return timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2)])


@dataclass(frozen=True)
class PolicyConfig:
    """A validated policy: the method, its value, and the optional tag filter."""

    method: str
    value: int | str
    tag_pattern: str | None = None
    tag_pattern_matches: bool = True

    def metadata(self) -> dict[str, Any]:
        """The fields Quay records in the usage log."""
        return {
            "method": self.method,
            "value": self.value,
            "tag_pattern": self.tag_pattern,
            "tag_pattern_matches": self.tag_pattern_matches,
        }


def _valid_value(method: str, value: int | str) -> int | str | None:
    if method == NUMBER_OF_TAGS:
        # The guide sends ``"value": "5"``; a string of digits is read as that number.
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        return value if isinstance(value, int) and value > 0 else None
    if isinstance(value, str) and value:
        try:
            duration(value)
        except ValueError:
            return None
        return value
    return None


def policy_config(
    method: str, value: int | str, tag_pattern: str | None, tag_pattern_matches: bool | None
) -> PolicyConfig:
    """Check a policy as Quay does; :class:`InvalidRequest` with Quay's message otherwise."""
    if method not in METHODS:
        raise InvalidRequest("Invalid method provided")
    checked = _valid_value(method, value)
    if checked is None:
        raise InvalidRequest("Invalid value given for method type")
    if tag_pattern is not None:
        tag_pattern = tag_pattern.strip()
        if not tag_pattern:
            raise InvalidRequest("tag_pattern cannot be empty")
        try:
            re.compile(tag_pattern)
        except re.error:
            raise InvalidRequest("Invalid tag pattern") from None
    return PolicyConfig(
        method, checked, tag_pattern, True if tag_pattern_matches is None else tag_pattern_matches
    )


def config_of(policy: AutoPrunePolicy) -> PolicyConfig:
    """The stored policy as a :class:`PolicyConfig`."""
    value: int | str = int(policy.value) if policy.method == NUMBER_OF_TAGS else policy.value
    return PolicyConfig(policy.method, value, policy.tag_pattern, policy.tag_pattern_matches)


def list_policies(
    session: Session, namespace_id: int, repository_id: int | None = None
) -> list[AutoPrunePolicy]:
    """The namespace's own policies (``repository_id`` None) or one repository's, oldest first."""
    return list(
        session.scalars(
            select(AutoPrunePolicy)
            .where(AutoPrunePolicy.namespace_id == namespace_id, _scope(repository_id))
            .order_by(AutoPrunePolicy.id)
        ).all()
    )


def _scope(repository_id: int | None) -> Any:
    if repository_id is None:
        return AutoPrunePolicy.repository_id.is_(None)
    return AutoPrunePolicy.repository_id == repository_id


def require_policy(
    session: Session, namespace_id: int, repository_id: int | None, policy_uuid: str
) -> AutoPrunePolicy:
    """The policy ``policy_uuid`` of this namespace (or repository), or :class:`NotFound`."""
    found = session.scalar(
        select(AutoPrunePolicy).where(
            AutoPrunePolicy.namespace_id == namespace_id,
            _scope(repository_id),
            AutoPrunePolicy.uuid == policy_uuid,
        )
    )
    if found is None:
        raise NotFound("Not Found")
    return found


def _log(
    session: Session,
    kind: str,
    namespace: Account,
    repo: RepoHandle | None,
    meta: dict[str, Any],
    *,
    actor: Actor,
    now: datetime,
) -> None:
    metadata = {**meta, "namespace": namespace.username}
    if repo is not None:
        metadata["repo"] = repo.name
    log_action(
        session,
        f"{kind}_{'repository' if repo is not None else 'namespace'}_autoprune_policy",
        actor=actor,
        now=now,
        namespace_id=namespace.id,
        repository_id=repo.id if repo is not None else None,
        metadata=metadata,
    )


def create_policy(
    session: Session,
    namespace: Account,
    repo: RepoHandle | None,
    config: PolicyConfig,
    *,
    actor: Actor,
    now: datetime,
) -> AutoPrunePolicy:
    """Add a policy to a namespace (``repo`` None) or a repository; an identical one is a 400."""
    repository_id = repo.id if repo is not None else None
    if any(config_of(p) == config for p in list_policies(session, namespace.id, repository_id)):
        where = "repository" if repo is not None else "namespace"
        raise InvalidRequest(
            f"Existing policy with same values for this {where}, duplicate policies are not permitted"
        )
    policy = AutoPrunePolicy(
        uuid=str(uuid.uuid4()),
        namespace_id=namespace.id,
        repository_id=repository_id,
        method=config.method,
        value=str(config.value),
        tag_pattern=config.tag_pattern,
        tag_pattern_matches=config.tag_pattern_matches,
        created=now,
    )
    session.add(policy)
    session.flush()
    _log(session, "create", namespace, repo, config.metadata(), actor=actor, now=now)
    return policy


def update_policy(
    session: Session,
    namespace: Account,
    repo: RepoHandle | None,
    policy_uuid: str,
    config: PolicyConfig,
    *,
    actor: Actor,
    now: datetime,
) -> AutoPrunePolicy:
    """Replace a policy's method, value and tag filter (404 when it is not there)."""
    policy = require_policy(session, namespace.id, repo.id if repo is not None else None, policy_uuid)
    policy.method = config.method
    policy.value = str(config.value)
    policy.tag_pattern = config.tag_pattern
    policy.tag_pattern_matches = config.tag_pattern_matches
    session.flush()
    _log(session, "update", namespace, repo, config.metadata(), actor=actor, now=now)
    return policy


def delete_policy(
    session: Session,
    namespace: Account,
    repo: RepoHandle | None,
    policy_uuid: str,
    *,
    actor: Actor,
    now: datetime,
) -> None:
    """Remove a policy (404 when it is not there)."""
    policy = require_policy(session, namespace.id, repo.id if repo is not None else None, policy_uuid)
    session.delete(policy)
    session.flush()
    _log(session, "delete", namespace, repo, {"policy_uuid": policy_uuid}, actor=actor, now=now)
