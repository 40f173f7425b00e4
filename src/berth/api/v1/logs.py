"""Usage logs (Quay's ``logs`` section, plus ``listAllLogs`` of ``superuser``): pages of entries,
per-day counts and exports, for the caller's own namespace, an organization, a repository or (for
superusers) the whole installation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import event
from sqlalchemy.orm import Session

from berth.auditlog.export import (
    ExportRequest,
    new_export_id,
    queued_metadata,
    validate_callbacks,
)
from berth.auditlog.queries import (
    SERVICE_LEVEL_KINDS,
    Cursor,
    LogFilter,
    Window,
    aggregate_counts,
    list_entries,
    parse_window,
    performer_id,
)
from berth.auditlog.schemas import count_view, log_view
from berth.auditlog.service import log_action
from berth.auth.policy import Need
from berth.errors import NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.lib.dates import format_quay_date
from berth.mail import mailer_for
from berth.orgs.service import require_organization
from berth.repos import paging
from berth.repos.manage import require_repository
from berth.repos.models import Repository
from berth.repos.service import split_repository_path

_PAGE_KIND = "logs"
log = logging.getLogger(__name__)


class ExportLogs(BaseModel):
    """Configuration for an export logs operation"""

    callback_url: str | None = Field(
        default=None, description="The callback URL to invoke with a link to the exported logs"
    )
    callback_email: str | None = Field(
        default=None, description="The e-mail address at which to e-mail a link to the exported logs"
    )


def _window(ctx: RequestContext) -> Window:
    return parse_window(ctx.query.get("starttime"), ctx.query.get("endtime"), now=ctx.now)


@contextmanager
def _reading(ctx: RequestContext) -> Iterator[Session]:
    """A session that sees this process's queued pull entries: they are written first; SQLite's
    read transaction already holds an older snapshot, so there a new one is opened. If they cannot
    be written now, the logs are read without them (the writer keeps them for its next try)."""
    try:
        ctx.runtime.deferred_logs.flush()
    except Exception as exc:
        log.warning("queued usage-log entries not written before a read", extra={"error": type(exc).__name__})
    if not ctx.runtime.db.is_sqlite:
        yield ctx.session
        return
    with ctx.runtime.db.transaction(write=False) as session:
        yield session


def _repository(ctx: RequestContext) -> Repository:
    ref = split_repository_path(str(ctx.path["repository"]))
    if ref is None:
        raise NotFound("Not Found")
    return require_repository(ctx.session, ref.namespace, ref.name)


def _with_performer(ctx: RequestContext, session: Session, log_filter: LogFilter) -> LogFilter:
    found, unknown = performer_id(session, ctx.query.get("performer"))
    return LogFilter(
        namespace_id=log_filter.namespace_id,
        repository_id=log_filter.repository_id,
        performer_id=found,
        exclude_kinds=log_filter.exclude_kinds,
        empty=unknown,
    )


def _page(ctx: RequestContext, log_filter: LogFilter, *, include_namespace: bool = False) -> dict[str, Any]:
    window = _window(ctx)
    with _reading(ctx) as session:
        token = paging.decode_page_token(ctx.session, _PAGE_KIND, ctx.query.get("next_page"))
        after = Cursor.from_json(token)
        page = list_entries(session, log_filter, window, after=after)
        result: dict[str, Any] = {
            "start_time": _date(window.start),
            "end_time": _date(window.end),
            "logs": [log_view(row, include_namespace=include_namespace) for row in page.rows],
        }
    if page.next_cursor is not None:
        result["next_page"] = paging.encode_page_token(ctx.session, _PAGE_KIND, page.next_cursor.to_json())
    return result


def _date(value: datetime) -> str:
    return format_quay_date(value) or ""


def _aggregate(ctx: RequestContext, log_filter: LogFilter) -> dict[str, Any]:
    window = _window(ctx)
    with _reading(ctx) as session:
        counts = aggregate_counts(session, log_filter, window)
    return {"aggregated": [count_view(c) for c in counts]}


def _user_filter(ctx: RequestContext, session: Session) -> LogFilter:
    base = LogFilter(namespace_id=ctx.principal.account_id, exclude_kinds=SERVICE_LEVEL_KINDS)
    return _with_performer(ctx, session, base)


def list_user_logs(ctx: RequestContext) -> dict[str, Any]:
    """The caller's own usage logs (``?performer=`` narrows them to one account's actions)."""
    return _page(ctx, _user_filter(ctx, ctx.session))


def list_org_logs(ctx: RequestContext) -> dict[str, Any]:
    """The organization's usage logs."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return _page(ctx, _with_performer(ctx, ctx.session, LogFilter(namespace_id=org.id)))


def list_repo_logs(ctx: RequestContext) -> dict[str, Any]:
    """The repository's usage logs."""
    repo = _repository(ctx)
    return _page(ctx, LogFilter(repository_id=repo.id))


def list_all_logs(ctx: RequestContext) -> dict[str, Any]:
    """Every usage-log entry of the installation, each with its namespace."""
    return _page(ctx, LogFilter(), include_namespace=True)


def aggregate_user_logs(ctx: RequestContext) -> dict[str, Any]:
    """Per-day counts of each kind in the caller's own logs."""
    return _aggregate(ctx, _user_filter(ctx, ctx.session))


def aggregate_org_logs(ctx: RequestContext) -> dict[str, Any]:
    """Per-day counts of each kind in the organization's logs."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return _aggregate(ctx, _with_performer(ctx, ctx.session, LogFilter(namespace_id=org.id)))


def aggregate_repo_logs(ctx: RequestContext) -> dict[str, Any]:
    """Per-day counts of each kind in the repository's logs."""
    repo = _repository(ctx)
    return _aggregate(ctx, LogFilter(repository_id=repo.id))


def _export(
    ctx: RequestContext, namespace_id: int, namespace_name: str, repo: Repository | None
) -> dict[str, Any]:
    body = ctx.body_as(ExportLogs)
    validate_callbacks(body.callback_url, body.callback_email)
    request = ExportRequest(
        export_id=new_export_id(),
        namespace_id=namespace_id,
        namespace_name=namespace_name,
        repository_id=repo.id if repo is not None else None,
        repository_name=repo.name if repo is not None else None,
        window=_window(ctx),
        callback_url=body.callback_url or None,
        callback_email=body.callback_email or None,
        requested_by=ctx.actor,
    )
    log_action(
        ctx.session,
        "export_logs_success",
        actor=ctx.actor,
        now=ctx.now,
        namespace_id=namespace_id,
        repository_id=request.repository_id,
        metadata=queued_metadata(request, now=ctx.now),
    )
    runtime = ctx.runtime

    def start(_session: Session) -> None:
        runtime.log_exports.start(
            request,
            before=runtime.deferred_logs.flush,
            transaction=lambda write: runtime.db.transaction(write=write),
            storage=runtime.storage,
            mailer=mailer_for(runtime.settings),
            base_url=runtime.settings.base_url,
            clock=runtime.clock,
            allowed_hosts=runtime.settings.ssrf_allowed_hosts,
        )

    # The export starts once the request's transaction has committed (never after a rollback).
    event.listen(ctx.session, "after_commit", start, once=True)
    return {"export_id": request.export_id}


def export_user_logs(ctx: RequestContext) -> dict[str, Any]:
    """Queue an export of the caller's own logs."""
    assert ctx.principal.account_id is not None
    return _export(ctx, ctx.principal.account_id, ctx.principal.username or "", None)


def export_org_logs(ctx: RequestContext) -> dict[str, Any]:
    """Queue an export of the organization's logs."""
    org = require_organization(ctx.session, str(ctx.path["orgname"]))
    return _export(ctx, org.id, org.username, None)


def export_repo_logs(ctx: RequestContext) -> dict[str, Any]:
    """Queue an export of the repository's logs."""
    repo = _repository(ctx)
    ref = split_repository_path(str(ctx.path["repository"]))
    assert ref is not None
    return _export(ctx, repo.namespace_id, ref.namespace, repo)


_START = QueryParam("starttime", 'Earliest time for logs. Format: "%m/%d/%Y" in UTC.')
_END = QueryParam("endtime", 'Latest time for logs. Format: "%m/%d/%Y" in UTC.')
_PERFORMER = QueryParam("performer", "Username for which to filter logs.")
_NEXT = QueryParam("next_page", "The page token for the next page")
_AGG = "AGGREGATED_LOG_COUNT_RETRIEVAL"
_EXP = "LOG_EXPORT"
_USER: dict[str, Any] = {"tag": "logs", "scope": "user:admin"}
_ORG: dict[str, Any] = {"tag": "logs", "scope": "org:admin"}
_REPO: dict[str, Any] = {"tag": "logs", "scope": "repo:admin"}
ENDPOINTS = (
    Endpoint("GET", "/api/v1/user/logs", list_user_logs, Need.USER_ADMIN, "listUserLogs",
             "List the logs for the current user.", query=(_START, _END, _PERFORMER, _NEXT), **_USER),
    Endpoint("GET", "/api/v1/organization/{orgname}/logs", list_org_logs, Need.ORG_ADMIN, "listOrgLogs",
             "List the logs for the specified organization.", query=(_START, _END, _PERFORMER, _NEXT),
             **_ORG),
    Endpoint("GET", "/api/v1/repository/{repository}/logs", list_repo_logs, Need.REPO_ADMIN, "listRepoLogs",
             "List the logs for the specified repository.", query=(_START, _END, _NEXT), **_REPO),
    Endpoint("GET", "/api/v1/superuser/logs", list_all_logs, Need.SUPERUSER, "listAllLogs",
             "List the usage logs for the current system.", tag="superuser", scope="super:user",
             feature="SUPER_USERS", fresh_login=True,
             query=(_START, _END, QueryParam("page", "The page number for the logs", "integer"), _NEXT)),
    Endpoint("GET", "/api/v1/user/aggregatelogs", aggregate_user_logs, Need.USER_ADMIN,
             "getAggregateUserLogs", "Returns the aggregated logs for the current user.", feature=_AGG,
             query=(_START, _END, _PERFORMER), **_USER),
    Endpoint("GET", "/api/v1/organization/{orgname}/aggregatelogs", aggregate_org_logs, Need.ORG_ADMIN,
             "getAggregateOrgLogs", "Gets the aggregated logs for the specified organization.", feature=_AGG,
             query=(_START, _END, _PERFORMER), **_ORG),
    Endpoint("GET", "/api/v1/repository/{repository}/aggregatelogs", aggregate_repo_logs, Need.REPO_ADMIN,
             "getAggregateRepoLogs", "Returns the aggregated logs for the specified repository.",
             feature=_AGG, query=(_START, _END), **_REPO),
    Endpoint("POST", "/api/v1/user/exportlogs", export_user_logs, Need.USER_ADMIN, "exportUserLogs",
             "Returns the aggregated logs for the current user.", feature=_EXP, body=ExportLogs,
             query=(_START, _END), **_USER),
    Endpoint("POST", "/api/v1/organization/{orgname}/exportlogs", export_org_logs, Need.ORG_ADMIN,
             "exportOrgLogs", "Exports the logs for the specified organization.", feature=_EXP,
             body=ExportLogs, query=(_START, _END), **_ORG),
    Endpoint("POST", "/api/v1/repository/{repository}/exportlogs", export_repo_logs, Need.REPO_ADMIN,
             "exportRepoLogs", "Queues an export of the logs for the specified repository.", feature=_EXP,
             body=ExportLogs, query=(_START, _END), **_REPO),
)  # fmt: skip
