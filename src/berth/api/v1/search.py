"""Search: repositories, everything, and entity autocompletion (Quay's ``search`` and ``entities``
operations); results hold only what the caller may see."""

from __future__ import annotations

from typing import Any

from berth.accounts.models import Account, AccountKind
from berth.auth.access import is_org_admin, is_org_member
from berth.auth.policy import Need
from berth.errors import InvalidRequest
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint, QueryParam
from berth.lib.avatar import avatar
from berth.lib.closeness import closeness
from berth.lib.dates import epoch_seconds
from berth.orgs.service import get_organization
from berth.repos import listing, search
from berth.repos.permissions import org_member_ids
from berth.repos.schemas import ENTITY_SEARCH_SCORE, search_entity_view, search_repo_view

_MAX_PAGE = 10
_FIND_ALL_LIMIT = 5  # results per kind in ``conductSearch``


def _page_number(ctx: RequestContext) -> int:
    raw = ctx.query.get("page", "1")
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidRequest(f"Invalid page: {raw}")
    return min(int(raw), _MAX_PAGE)


def conduct_repo_search(ctx: RequestContext) -> dict[str, Any]:
    """Readable repositories whose name contains ``query``, ten a page."""
    query = ctx.query.get("query", "")
    page = _page_number(ctx)
    offset = (page - 1) * search.SEARCH_PAGE_SIZE
    found = search.search_repositories(ctx.session, ctx.principal.account_id, query, offset=offset)
    results = [search_repo_view(row) for row in found.rows]
    if ctx.query_bool("includeUsage"):
        ids = [row.id for row in found.rows]
        stars = search.star_counts(ctx.session, ids)
        modified = listing.last_modified(ctx.session, ids)
        for row, view in zip(found.rows, results, strict=True):
            view["last_modified"] = epoch_seconds(modified.get(row.id))
            view["stars"] = stars.get(row.id, 0)
            view["popularity"] = 0.0
    return {
        "results": results,
        "has_additional": found.has_additional,
        "page": page,
        "page_size": search.SEARCH_PAGE_SIZE,
        "start_index": offset,
    }


def conduct_search(ctx: RequestContext) -> dict[str, Any]:
    """Namespaces, the caller's organizations' teams and readable repositories matching ``query``."""
    query = ctx.query.get("query", "").strip()
    if not query:
        return {"results": []}
    results: list[dict[str, Any]] = [
        search_entity_view(account.username, account.kind, account.email)
        for account in search.matching_namespaces(ctx.session, ctx.principal.account_id, query)[
            :_FIND_ALL_LIMIT
        ]
    ]
    for team, org in search.matching_teams(ctx.session, ctx.principal.account_id, query):
        results.append(
            {
                "title": "team",
                "kind": "team",
                "avatar": avatar(team.name, None, "team"),
                "name": team.name,
                "score": ENTITY_SEARCH_SCORE,
                "href": f"/organization/{org.username}/teams/{team.name}",
                "organization": search_entity_view(org.username, org.kind, org.email),
            }
        )
    found = search.search_repositories(
        ctx.session, ctx.principal.account_id, query, offset=0, limit=_FIND_ALL_LIMIT
    )
    results.extend(search_repo_view(row) for row in found.rows)
    for result in results:  # rank by how closely each name matches what was typed, as Quay
        result["score"] = result["score"] * (closeness(result["name"], query) or 0.5)
    results.sort(key=lambda item: item["score"], reverse=True)
    return {"results": results}


def _user_view(account: Account, org: Account | None, members: set[int]) -> dict[str, Any]:
    is_robot = account.kind == AccountKind.ROBOT
    view: dict[str, Any] = {
        "name": account.username,
        "kind": "user",
        "is_robot": is_robot,
        "avatar": avatar(
            account.username, None if is_robot else account.email, "robot" if is_robot else "user"
        ),
    }
    if org is not None:
        view["is_org_member"] = is_robot or account.id in members
    return view


def get_matching_entities(ctx: RequestContext) -> dict[str, Any]:
    """Users (and robots, teams, the organization) whose name starts with ``prefix``."""
    prefix = str(ctx.path["prefix"])
    namespace = ctx.query.get("namespace", "")
    options = ctx.runtime.policy_options
    org = get_organization(ctx.session, namespace) if namespace else None
    robot_namespace: str | None = None
    teams: list[dict[str, Any]] = []
    orgs: list[dict[str, Any]] = []
    if org is not None and is_org_member(ctx.session, ctx.principal, namespace, options):
        robot_namespace = namespace
        if ctx.query_bool("includeTeams"):
            teams = [
                {
                    "name": t.name,
                    "kind": "team",
                    "is_org_member": True,
                    "avatar": avatar(t.name, None, "team"),
                }
                for t in search.teams_with_prefix(ctx.session, org, prefix)
            ]
        admin = is_org_admin(ctx.session, ctx.principal, namespace, options)
        if ctx.query_bool("includeOrgs") and admin and namespace.startswith(prefix):
            orgs = [
                {
                    "name": org.username,
                    "kind": "org",
                    "is_org_member": True,
                    "avatar": avatar(org.username, org.email, "org"),
                }
            ]
    elif org is None and namespace and namespace == ctx.principal.username:
        robot_namespace = namespace
    users = search.users_with_prefix(ctx.session, prefix, robot_namespace)
    members = org_member_ids(ctx.session, org, [u.id for u in users]) if org is not None else set()
    return {"results": teams + [_user_view(u, org, members) for u in users] + orgs}


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "GET",
        "/api/v1/find/repositories",
        conduct_repo_search,
        Need.ANONYMOUS_IF_ENABLED,
        "conductRepoSearch",
        "Get a list of apps and repositories that match the specified query.",
        "search",
        query=(
            QueryParam("query", "The search query."),
            QueryParam("page", "The page.", "integer"),
            QueryParam("includeUsage", "Whether to include usage metadata", "boolean"),
        ),
    ),
    Endpoint(
        "GET",
        "/api/v1/find/all",
        conduct_search,
        Need.ANONYMOUS_IF_ENABLED,
        "conductSearch",
        "Get a list of entities and resources that match the specified query.",
        "search",
        scope="repo:read",
        query=(QueryParam("query", "The search query."),),
    ),
    Endpoint(
        "GET",
        "/api/v1/entities/{prefix}",
        get_matching_entities,
        Need.ANONYMOUS_IF_ENABLED,
        "getMatchingEntities",
        "Get a list of entities that match the specified prefix.",
        "search",
        query=(
            QueryParam("namespace", "Namespace to use when querying for org entities."),
            QueryParam("includeTeams", "Whether to include team names.", "boolean"),
            QueryParam("includeOrgs", "Whether to include orgs names.", "boolean"),
        ),
    ),
)
