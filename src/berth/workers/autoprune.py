"""The auto-prune worker: applies every auto-prune policy, in short transactions.

One pass reads the policies, then walks the repositories they cover a page at a time; for each
repository and policy it ends tags a batch at a time, committing after every batch, so a large
repository never holds a long write transaction. Progress goes to the JSON log (one record per
repository that lost tags, one per pass) and to the optional hooks, as the GC worker does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from berth.autoprune.prune import prune_batch, repositories_page, rules, rules_for
from berth.runtime import Runtime

log = logging.getLogger("berth.workers.autoprune")

FEATURE = "AUTO_PRUNE"
INTERVAL_S = 300  # between passes when the worker loops (``berth serve``, ``berth worker autoprune``)
REPOSITORY_PAGE = 50
TAG_BATCH = 100

RepoHook = Callable[[str], None]
TagHook = Callable[[str, str], None]


def _noop_repo(_name: str) -> None:
    return None


def _noop_tag(_repo: str, _tag: str) -> None:
    return None


@dataclass
class PruneSummary:
    """What a pass did."""

    policies: int = 0
    repositories: int = 0
    tags: int = 0

    def as_dict(self) -> dict[str, int]:
        """Counts, for logs."""
        return {"policies": self.policies, "repositories": self.repositories, "tags": self.tags}


def prune(
    runtime: Runtime,
    *,
    on_repository: RepoHook = _noop_repo,
    on_tag: TagHook = _noop_tag,
    repository_page: int = REPOSITORY_PAGE,
    tag_batch: int = TAG_BATCH,
) -> PruneSummary:
    """One full pass over every policy (whatever ``FEATURE_AUTO_PRUNE`` says)."""
    summary = PruneSummary()
    with runtime.db.transaction(write=False) as session:
        all_rules = rules(session)
    summary.policies = len(all_rules)
    namespace_ids = {r.namespace_id for r in all_rules if r.repository_id is None}
    repository_ids = {r.repository_id for r in all_rules if r.repository_id is not None}
    after_id = 0
    while True:
        with runtime.db.transaction(write=False) as session:
            page = repositories_page(
                session, namespace_ids, repository_ids, after_id=after_id, limit=repository_page
            )
        if not page:
            break
        after_id = page[-1].id
        for repo in page:
            summary.repositories += 1
            on_repository(repo.full_name)
            ended_here = 0
            for rule in rules_for(repo, all_rules):
                while True:
                    with runtime.db.transaction(write=True) as session:
                        ended = prune_batch(session, repo, rule, runtime.clock(), limit=tag_batch)
                    for name in ended:
                        on_tag(repo.full_name, name)
                    ended_here += len(ended)
                    if len(ended) < tag_batch:
                        break
            summary.tags += ended_here
            if ended_here:
                log.info("autoprune repository", extra={"repository": repo.full_name, "tags": ended_here})
    log.info("autoprune pass", extra=summary.as_dict())
    return summary


def run_once(runtime: Runtime) -> int:
    """One pass when ``FEATURE_AUTO_PRUNE`` is on (the runner's work); returns the tags ended."""
    if not runtime.settings.feature(FEATURE):
        return 0
    return prune(runtime).tags


def autoprune_worker(runtime: Runtime) -> Callable[[], int]:
    """``run_once`` as a runner's work function (tags ended)."""
    return lambda: run_once(runtime)
