"""The auto-prune pass, step by step: which repositories a policy covers, and one batch of tags ended.

Each function runs inside the caller's transaction; the worker (:mod:`berth.workers.autoprune`)
keeps transactions short by committing after every page of repositories read and every batch of
tags ended. Rules follow Quay: within a repository, every ``creation_date`` policy runs before any
``number_of_tags`` policy; ``number_of_tags`` keeps the newest N live tags the tag filter selects;
``creation_date`` ends the selected live tags that started more than the value ago. Ended tags go
to the time machine like any deleted tag (``autoprune_tag_delete`` in the usage log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account
from berth.auditlog.service import Actor
from berth.autoprune.models import AutoPrunePolicy
from berth.autoprune.service import CREATION_DATE, NUMBER_OF_TAGS, duration
from berth.content.models import Tag
from berth.content.tags import alive, delete_tag
from berth.repos.models import Repository, RepoState
from berth.repos.service import RepoHandle, handle_of, lock_repository

LOG_KIND = "autoprune_tag_delete"


@dataclass(frozen=True)
class Rule:
    """A policy detached from its session."""

    uuid: str
    namespace_id: int
    repository_id: int | None
    method: str
    value: str
    tag_pattern: str | None
    tag_pattern_matches: bool

    def selects(self, tag_name: str) -> bool:
        """Whether the tag filter picks ``tag_name`` (no pattern picks every tag)."""
        if self.tag_pattern is None:
            return True
        try:
            found = re.search(self.tag_pattern, tag_name) is not None
        except re.error:
            return False  # a pattern stored before it was checked selects nothing
        return found if self.tag_pattern_matches else not found


def rules(session: Session) -> list[Rule]:
    """Every policy of an enabled namespace, ``creation_date`` ones first (Quay's order)."""
    rows = session.scalars(
        select(AutoPrunePolicy)
        .join(Account, Account.id == AutoPrunePolicy.namespace_id)
        .where(Account.enabled.is_(True))
        .order_by(AutoPrunePolicy.id)
    ).all()
    found = [
        Rule(
            p.uuid,
            p.namespace_id,
            p.repository_id,
            p.method,
            p.value,
            p.tag_pattern,
            p.tag_pattern_matches,
        )
        for p in rows
    ]
    return sorted(found, key=lambda r: r.method != CREATION_DATE)


def repositories_page(
    session: Session, namespace_ids: set[int], repository_ids: set[int], *, after_id: int, limit: int
) -> list[RepoHandle]:
    """The next ``limit`` normal repositories (by id, after ``after_id``) that a policy covers."""
    if not namespace_ids and not repository_ids:
        return []
    rows = session.execute(
        select(Repository, Account.username)
        .join(Account, Account.id == Repository.namespace_id)
        .where(
            Repository.id > after_id,
            Repository.deleted.is_(False),
            Repository.state == RepoState.NORMAL,
            or_(Repository.namespace_id.in_(namespace_ids), Repository.id.in_(repository_ids)),
        )
        .order_by(Repository.id)
        .limit(limit)
    ).all()
    return [handle_of(repo, namespace) for repo, namespace in rows]


def rules_for(repo: RepoHandle, all_rules: list[Rule]) -> list[Rule]:
    """The rules that cover ``repo``: its namespace's and its own, in running order."""
    return [
        r for r in all_rules if r.namespace_id == repo.namespace_id and r.repository_id in (None, repo.id)
    ]


def _victims(session: Session, repo: RepoHandle, rule: Rule, now: datetime) -> list[str]:
    live = session.execute(
        select(Tag.name, Tag.start_time)
        .where(Tag.repository_id == repo.id, alive(now))
        .order_by(Tag.start_time.desc(), Tag.id.desc())
    ).all()
    chosen = [(name, start) for name, start in live if rule.selects(name)]
    if rule.method == NUMBER_OF_TAGS:
        return [name for name, _ in chosen[int(rule.value) :]]
    cutoff = now - duration(rule.value)
    return [name for name, start in chosen if start < cutoff]


def prune_batch(session: Session, repo: RepoHandle, rule: Rule, now: datetime, *, limit: int) -> list[str]:
    """End up to ``limit`` live tags of ``repo`` that ``rule`` selects; returns their names."""
    if rule.method not in (NUMBER_OF_TAGS, CREATION_DATE):
        return []
    lock_repository(session, repo.id)
    ended: list[str] = []
    for name in _victims(session, repo, rule, now)[:limit]:
        if delete_tag(session, repo, name, actor=Actor(None), now=now, log_kind=LOG_KIND):
            ended.append(name)
    return ended
