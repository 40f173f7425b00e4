"""Storage quotas of organizations and users (Quay's ``namespacequota`` section and the superuser
quota routes).

Organization members (and superusers) read an organization's quota; only superusers create, change
or delete quotas and their limits; a user reads the quota of their own namespace.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from berth.accounts.models import Account
from berth.auth.access import is_org_member
from berth.auth.policy import Need, deny
from berth.errors import InvalidRequest, NotFound
from berth.http.context import RequestContext
from berth.http.endpoint import Endpoint
from berth.http.responses import Reply
from berth.orgs.service import require_organization
from berth.quotas import service
from berth.quotas.models import NamespaceQuota
from berth.quotas.schemas import limit_view, parse_size, quota_view

_FEATURE = "SUPER_USERS and FEATURE_QUOTA_MANAGEMENT and FEATURE_EDIT_QUOTA"
_SUPER = "super:user"


class QuotaBody(BaseModel):
    """Description of a namespace quota: ``limit_bytes``, or ``limit`` as a string such as ``10 GiB``"""

    limit_bytes: int | None = Field(default=None, description="Number of bytes the namespace is allowed")
    limit: str | None = Field(default=None, description="Human readable storage capacity, e.g. 10 GiB")


class NewQuotaLimit(BaseModel):
    """Description of a new organization quota limit"""

    type: str = Field(description='Type of quota limit: "Warning" or "Reject"')
    threshold_percent: int = Field(description="Quota threshold, in percent of quota")


class QuotaLimitUpdate(BaseModel):
    """Description of changing organization quota limit"""

    type: str | None = Field(default=None, description='Type of quota limit: "Warning" or "Reject"')
    threshold_percent: int | None = Field(default=None, description="Quota threshold, in percent of quota")


def _limit_bytes(body: QuotaBody, *, required: bool) -> int | None:
    if body.limit_bytes is not None:
        return body.limit_bytes
    if body.limit is not None:
        size = parse_size(body.limit)
        if size is None:
            raise InvalidRequest(f"Invalid quota size limit value: '{body.limit}' (limit)")
        return size
    if required:
        raise InvalidRequest("'limit_bytes' or 'limit' is a required property")
    return None


def _required_bytes(body: QuotaBody) -> int:
    limit_bytes = _limit_bytes(body, required=True)
    if limit_bytes is None:  # pragma: no cover - required=True raises instead
        raise InvalidRequest("'limit_bytes' or 'limit' is a required property")
    return limit_bytes


def _view(ctx: RequestContext, quota: NamespaceQuota) -> dict[str, Any]:
    return quota_view(quota, service.limits_of(ctx.session, quota))


def _org(ctx: RequestContext) -> Account:
    return require_organization(ctx.session, str(ctx.path["orgname"]))


def _member_or_superuser(ctx: RequestContext) -> Account:
    """Quay lets organization members and superusers read the quota; checked before any lookup."""
    name = str(ctx.path["orgname"])
    if not ctx.principal.is_superuser and not is_org_member(
        ctx.session, ctx.principal, name, ctx.runtime.policy_options
    ):
        raise deny(ctx.principal)
    return _org(ctx)


def _self(ctx: RequestContext) -> Account:
    account = ctx.session.get(Account, ctx.principal.account_id)
    if account is None:
        raise NotFound("Not Found")
    return account


def _su_namespace(ctx: RequestContext) -> Account:
    return service.require_namespace(ctx.session, str(ctx.path["namespace"]))


# Organization quotas -------------------------------------------------------------------------


def list_org_quotas(ctx: RequestContext) -> list[dict[str, Any]]:
    """The organization's quota (a list of none or one)."""
    org = _member_or_superuser(ctx)
    return [_view(ctx, q) for q in service.list_quotas(ctx.session, org)]


def _create(ctx: RequestContext, body: QuotaBody, namespace: Account, duplicate_message: str) -> str:
    """Give ``namespace`` the quota ``body`` describes (``duplicate_message`` when it has one)."""
    limit_bytes = _required_bytes(body)
    service.create_quota(
        ctx.session, namespace, limit_bytes, duplicate_message=duplicate_message, actor=ctx.actor, now=ctx.now
    )
    return "Created"


def create_org_quota(ctx: RequestContext) -> str:
    """Give the organization its quota."""
    body = ctx.body_as(QuotaBody)
    org = _org(ctx)
    return _create(ctx, body, org, f"Organization quota for '{org.username}' already exists")


def get_org_quota(ctx: RequestContext) -> dict[str, Any]:
    """One quota of the organization."""
    org = _member_or_superuser(ctx)
    return _view(ctx, service.require_quota(ctx.session, org, str(ctx.path["quota_id"])))


def change_org_quota(ctx: RequestContext) -> dict[str, Any]:
    """Change the quota's size."""
    body = ctx.body_as(QuotaBody)
    org = _org(ctx)
    quota = service.require_quota(ctx.session, org, str(ctx.path["quota_id"]))
    service.update_quota(
        ctx.session, org, quota, _limit_bytes(body, required=False), actor=ctx.actor, now=ctx.now
    )
    return _view(ctx, quota)


def delete_org_quota(ctx: RequestContext) -> Reply:
    """Remove the quota and its limits."""
    org = _org(ctx)
    quota = service.require_quota(ctx.session, org, str(ctx.path["quota_id"]))
    service.delete_quota(ctx.session, org, quota, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


# Organization quota limits -------------------------------------------------------------------


def list_org_limits(ctx: RequestContext) -> list[dict[str, Any]]:
    """The quota's thresholds."""
    quota = service.require_quota(ctx.session, _org(ctx), str(ctx.path["quota_id"]))
    return [limit_view(limit) for limit in service.limits_of(ctx.session, quota)]


def create_org_limit(ctx: RequestContext) -> str:
    """Add a threshold to the quota."""
    body = ctx.body_as(NewQuotaLimit)
    org = _org(ctx)
    quota = service.require_quota(ctx.session, org, str(ctx.path["quota_id"]))
    service.create_limit(
        ctx.session, org, quota, body.type, body.threshold_percent, actor=ctx.actor, now=ctx.now
    )
    return "Created"


def get_org_limit(ctx: RequestContext) -> dict[str, Any]:
    """One threshold of the quota."""
    quota = service.require_quota(ctx.session, _org(ctx), str(ctx.path["quota_id"]))
    return limit_view(service.require_limit(ctx.session, quota, str(ctx.path["limit_id"])))


def change_org_limit(ctx: RequestContext) -> dict[str, Any]:
    """Change a threshold; answers the whole quota, as Quay."""
    body = ctx.body_as(QuotaLimitUpdate)
    org = _org(ctx)
    quota = service.require_quota(ctx.session, org, str(ctx.path["quota_id"]))
    limit = service.require_limit(ctx.session, quota, str(ctx.path["limit_id"]))
    service.update_limit(
        ctx.session,
        org,
        limit,
        type_name=body.type,
        percent=body.threshold_percent,
        actor=ctx.actor,
        now=ctx.now,
    )
    return _view(ctx, quota)


def delete_org_limit(ctx: RequestContext) -> Reply:
    """Remove a threshold."""
    org = _org(ctx)
    quota = service.require_quota(ctx.session, org, str(ctx.path["quota_id"]))
    limit = service.require_limit(ctx.session, quota, str(ctx.path["limit_id"]))
    service.delete_limit(ctx.session, org, limit, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


# The caller's own quota ----------------------------------------------------------------------


def list_user_quotas(ctx: RequestContext) -> list[dict[str, Any]]:
    """The caller's quota (a list of none or one)."""
    return [_view(ctx, q) for q in service.list_quotas(ctx.session, _self(ctx))]


def get_user_quota(ctx: RequestContext) -> dict[str, Any]:
    """One quota of the caller."""
    return _view(ctx, service.require_quota(ctx.session, _self(ctx), str(ctx.path["quota_id"])))


def list_user_limits(ctx: RequestContext) -> list[dict[str, Any]]:
    """The thresholds of the caller's quota."""
    quota = service.require_quota(ctx.session, _self(ctx), str(ctx.path["quota_id"]))
    return [limit_view(limit) for limit in service.limits_of(ctx.session, quota)]


def get_user_limit(ctx: RequestContext) -> dict[str, Any]:
    """One threshold of the caller's quota; Quay answers with the whole quota here."""
    quota = service.require_quota(ctx.session, _self(ctx), str(ctx.path["quota_id"]))
    service.require_limit(ctx.session, quota, str(ctx.path["limit_id"]))
    return _view(ctx, quota)


# Superuser routes (users and organizations alike) ---------------------------------------------


def su_list_quotas(ctx: RequestContext) -> list[dict[str, Any]]:
    """The namespace's quota (a list of none or one)."""
    return [_view(ctx, q) for q in service.list_quotas(ctx.session, _su_namespace(ctx))]


def su_create_quota(ctx: RequestContext) -> str:
    """Give the namespace its quota."""
    body = ctx.body_as(QuotaBody)
    namespace = _su_namespace(ctx)
    return _create(ctx, body, namespace, f"Quota for '{namespace.username}' already exists")


def su_change_quota(ctx: RequestContext) -> dict[str, Any]:
    """Change the namespace's quota size."""
    body = ctx.body_as(QuotaBody)
    namespace = _su_namespace(ctx)
    quota = service.require_quota(ctx.session, namespace, str(ctx.path["quota_id"]))
    service.update_quota(
        ctx.session, namespace, quota, _limit_bytes(body, required=False), actor=ctx.actor, now=ctx.now
    )
    return _view(ctx, quota)


def su_delete_quota(ctx: RequestContext) -> Reply:
    """Remove the namespace's quota."""
    namespace = _su_namespace(ctx)
    quota = service.require_quota(ctx.session, namespace, str(ctx.path["quota_id"]))
    service.delete_quota(ctx.session, namespace, quota, actor=ctx.actor, now=ctx.now)
    return Reply(None, 204)


_ORG = "/api/v1/organization/{orgname}/quota"
_ORG_ONE = _ORG + "/{quota_id}"
_ORG_LIMITS = _ORG_ONE + "/limit"
_ORG_LIMIT = _ORG_LIMITS + "/{limit_id}"
_USER = "/api/v1/user/quota"
_USER_ONE = _USER + "/{quota_id}"
_USER_LIMITS = _USER_ONE + "/limit"
_USER_LIMIT = _USER_LIMITS + "/{limit_id}"
_SU_ORG = "/api/v1/superuser/organization/{namespace}/quota"
_SU_USER = "/api/v1/superuser/users/{namespace}/quota"
_Q: dict[str, Any] = {"tag": "namespacequota", "feature": _FEATURE}
_SQ: dict[str, Any] = {"tag": "namespacequota", "feature": _FEATURE, "scope": _SUPER}
_UQ: dict[str, Any] = {"tag": "namespacequota", "feature": _FEATURE, "scope": "user:admin"}
_SU: dict[str, Any] = {"tag": "superuser", "feature": _FEATURE, "scope": _SUPER}


def _superuser_rows(base: str, kind: str) -> tuple[Endpoint, ...]:
    one = base + "/{quota_id}"
    return (
        Endpoint("GET", base, su_list_quotas, Need.SUPERUSER, f"list{kind}QuotaSuperUser",
                 "List the quotas of a namespace.", fresh_login=True, **_SU),
        Endpoint("POST", base, su_create_quota, Need.SUPERUSER, f"create{kind}QuotaSuperUser",
                 "Create a quota for a namespace.", body=QuotaBody, status=201, fresh_login=True, **_SU),
        Endpoint("PUT", one, su_change_quota, Need.SUPERUSER, f"change{kind}QuotaSuperUser",
                 "Change the quota of a namespace.", body=QuotaBody, body_optional=True, fresh_login=True,
                 **_SU),
        Endpoint("DELETE", one, su_delete_quota, Need.SUPERUSER, f"delete{kind}QuotaSuperUser",
                 "Delete the quota of a namespace.", status=204, **_SU),
    )  # fmt: skip


ENDPOINTS = (
    Endpoint("GET", _ORG, list_org_quotas, Need.ANYONE, "listOrganizationQuota",
             "List the quotas of an organization (members and superusers).", **_Q),
    Endpoint("POST", _ORG, create_org_quota, Need.SUPERUSER, "createOrganizationQuota",
             "Create a new organization quota.", body=QuotaBody, status=201, **_SQ),
    Endpoint("GET", _ORG_ONE, get_org_quota, Need.ANYONE, "getOrganizationQuota",
             "Get one quota of an organization (members and superusers).", **_Q),
    Endpoint("PUT", _ORG_ONE, change_org_quota, Need.SUPERUSER, "changeOrganizationQuota",
             "Change an organization quota.", body=QuotaBody, body_optional=True, **_SQ),
    Endpoint("DELETE", _ORG_ONE, delete_org_quota, Need.SUPERUSER, "deleteOrganizationQuota",
             "Delete an organization quota.", status=204, **_SQ),
    Endpoint("GET", _ORG_LIMITS, list_org_limits, Need.ORG_MEMBER, "listOrganizationQuotaLimit",
             "List the limits of an organization quota.", **_Q),
    Endpoint("POST", _ORG_LIMITS, create_org_limit, Need.SUPERUSER, "createOrganizationQuotaLimit",
             "Create a new limit for an organization quota.", body=NewQuotaLimit, status=201, **_SQ),
    Endpoint("GET", _ORG_LIMIT, get_org_limit, Need.ORG_MEMBER, "getOrganizationQuotaLimit",
             "Get one limit of an organization quota.", **_Q),
    Endpoint("PUT", _ORG_LIMIT, change_org_limit, Need.SUPERUSER, "changeOrganizationQuotaLimit",
             "Change a limit of an organization quota.", body=QuotaLimitUpdate, body_optional=True, **_SQ),
    Endpoint("DELETE", _ORG_LIMIT, delete_org_limit, Need.SUPERUSER, "deleteOrganizationQuotaLimit",
             "Delete a limit of an organization quota.", status=204, **_SQ),
    Endpoint("GET", _USER, list_user_quotas, Need.USER_ADMIN, "listUserQuota",
             "List the quotas of the caller's namespace.", **_UQ),
    Endpoint("GET", _USER_ONE, get_user_quota, Need.USER_ADMIN, "getUserQuota",
             "Get one quota of the caller's namespace.", **_UQ),
    Endpoint("GET", _USER_LIMITS, list_user_limits, Need.USER_ADMIN, "listUserQuotaLimit",
             "List the limits of the caller's quota.", **_UQ),
    Endpoint("GET", _USER_LIMIT, get_user_limit, Need.USER_ADMIN, "getUserQuotaLimit",
             "Get one limit of the caller's quota.", **_UQ),
    *_superuser_rows(_SU_ORG, "Organization"),
    *_superuser_rows(_SU_USER, "User"),
)  # fmt: skip
