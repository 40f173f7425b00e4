"""Quay's JSON shapes for users (``/api/v1/user/``, ``/users/{name}``) and their notifications."""

from __future__ import annotations

from typing import Any

from berth.accounts.models import Account, AccountKind, Notification
from berth.lib.avatar import avatar
from berth.lib.dates import format_quay_date


def user_avatar(account: Account) -> dict[str, str]:
    """The avatar block of a user."""
    return avatar(account.username, account.email, "user")


def logged_in_user_view(
    account: Account,
    *,
    is_superuser: bool,
    organizations: list[dict[str, Any]],
    can_create_repo: bool = True,
) -> dict[str, Any]:
    """``GET /api/v1/user/``: the caller's own account, field for field as Quay sends it."""
    return {
        "anonymous": False,
        "username": account.username,
        "avatar": user_avatar(account),
        "can_create_repo": can_create_repo,
        "is_me": True,
        "verified": account.verified,
        "email": account.email,
        "logins": [],
        "invoice_email": account.invoice_email,
        "invoice_email_address": account.invoice_email_address,
        "preferred_namespace": False,
        "tag_expiration_s": account.tag_expiration_s,
        "prompts": [],
        "company": account.company,
        "family_name": account.family_name,
        "given_name": account.given_name,
        "location": account.location,
        "is_free_account": True,
        "has_password_set": account.password_hash is not None,
        "quotas": [],
        "quota_report": {
            "quota_bytes": 0,
            "configured_quota": None,
            "running_backfill": "waiting",
            "backfill_status": "waiting",
        },
        "organizations": organizations,
        "super_user": is_superuser,
    }


def public_user_view(account: Account, *, show_superuser: bool, is_superuser: bool) -> dict[str, Any]:
    """``GET /api/v1/users/{username}``: what anyone may know of a user."""
    view: dict[str, Any] = {"anonymous": False, "username": account.username, "avatar": user_avatar(account)}
    if show_superuser:
        view["super_user"] = is_superuser
    return view


def notification_view(note: Notification, target: Account) -> dict[str, Any]:
    """One in-app notification as Quay lists it."""
    return {
        "id": note.uuid,
        "organization": target.username if target.kind == AccountKind.ORGANIZATION else None,
        "kind": note.kind,
        "created": format_quay_date(note.created),
        "metadata": note.metadata_json,
        "dismissed": note.dismissed,
    }
