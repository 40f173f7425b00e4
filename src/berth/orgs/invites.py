"""Team invitations, as Quay does them when mailing is on.

Adding a user who is not yet in the organization invites them instead (``invited: true``): they get an
in-app ``org_team_invite`` notification (and an e-mail when a mail server is configured) carrying a
code, and join when they accept it (``PUT /api/v1/teaminvite/{code}``). Robots and existing members are
added at once. Invitations by e-mail address work the same way for people without an account.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.notifications import create_notification
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import DataModelError, InvalidRequest
from berth.lib.names import is_valid_email
from berth.lib.secrets import sha256_hex
from berth.orgs.models import Team, TeamInvite, TeamMember
from berth.orgs.service import add_team_member, org_team_role

CODE_PREFIX = "urn:teaminvite:"


@dataclass(frozen=True)
class InviteOutcome:
    """What adding a member did: the account, whether it was only invited, and the code to deliver."""

    account: Account
    invited: bool
    code: str | None = None


@dataclass(frozen=True)
class Delivery:
    """An e-mail to send once the transaction commits (or drop when mail is not configured)."""

    to: str
    subject: str
    body: str


def _new_code() -> tuple[str, str]:
    code = f"{CODE_PREFIX}{uuid.uuid4()}"
    return code, sha256_hex(code)


def _is_member(session: Session, team_id: int, account_id: int) -> bool:
    found = session.scalar(
        select(TeamMember.id).where(TeamMember.team_id == team_id, TeamMember.account_id == account_id)
    )
    return found is not None


def add_or_invite(
    session: Session,
    org: Account,
    team: Team,
    member_name: str,
    *,
    mailing: bool,
    inviter: Account,
    actor: Actor,
    now: datetime,
) -> InviteOutcome:
    """Add ``member_name`` to the team, or invite them when they are not yet in the organization."""
    member = get_account(session, member_name)
    if member is None or member.kind == AccountKind.ORGANIZATION:
        raise InvalidRequest("Unknown user")
    if member.kind == AccountKind.ROBOT and not member.username.startswith(f"{org.username}+"):
        raise InvalidRequest("Cannot add robot from another namespace")
    if _is_member(session, team.id, member.id):
        raise DataModelError(f"User {member.username} is already a member of team {team.name}")
    in_org = org_team_role(session, member.id, org.id) is not None
    if member.kind == AccountKind.ROBOT or in_org or not mailing:
        add_team_member(session, org, team, member.username, actor=actor, now=now)
        return InviteOutcome(member, invited=False)
    pending = session.scalar(
        select(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.user_id == member.id)
    )
    code, code_hash = _new_code()
    if pending is not None:
        pending.code_hash, pending.created = code_hash, now
    else:
        session.add(
            TeamInvite(
                team_id=team.id,
                user_id=member.id,
                email=None,
                inviter_id=inviter.id,
                code_hash=code_hash,
                created=now,
            )
        )
    session.flush()
    create_notification(
        session,
        member,
        "org_team_invite",
        now=now,
        metadata={"code": code, "inviter": inviter.username, "org": org.username, "team": team.name},
    )
    log_action(
        session,
        "org_invite_team_member",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "member": member.username, "user": member.username},
    )
    return InviteOutcome(member, invited=True, code=code)


def invite_email(
    session: Session,
    org: Account,
    team: Team,
    email: str,
    *,
    inviter: Account,
    actor: Actor,
    now: datetime,
    base_url: str,
) -> Delivery:
    """Invite an e-mail address; returns the message carrying the code."""
    if not is_valid_email(email):
        raise InvalidRequest("Invalid email address")
    code, code_hash = _new_code()
    session.execute(delete(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.email == email))
    session.add(
        TeamInvite(
            team_id=team.id,
            user_id=None,
            email=email,
            inviter_id=inviter.id,
            code_hash=code_hash,
            created=now,
        )
    )
    session.flush()
    log_action(
        session,
        "org_invite_team_member",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "email": email},
    )
    body = (
        f"{inviter.username} has invited you to join the team {team.name} of the organization "
        f"{org.username}.\n\nTo join, sign in and accept the invitation:\n"
        f"  curl -X PUT -H 'Authorization: Bearer <token>' {base_url}/api/v1/teaminvite/{code}\n"
    )
    return Delivery(email, f"Invitation to join team {org.username}/{team.name}", body)


def delete_email_invite(
    session: Session, org: Account, team: Team, email: str, *, actor: Actor, now: datetime
) -> None:
    """Withdraw the invitations of an e-mail address to the team."""
    session.execute(delete(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.email == email))
    log_action(
        session,
        "org_delete_team_member_invite",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "email": email},
    )


def delete_user_invite(
    session: Session, org: Account, team: Team, member: Account, *, actor: Actor, now: datetime
) -> bool:
    """Withdraw a pending invitation of ``member``; True when there was one."""
    result = session.execute(
        delete(TeamInvite).where(TeamInvite.team_id == team.id, TeamInvite.user_id == member.id)
    )
    if getattr(result, "rowcount", 0) == 0:
        return False
    log_action(
        session,
        "org_delete_team_member_invite",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "user": member.username},
    )
    return True


def pending_invites(session: Session, team: Team) -> list[tuple[TeamInvite, Account | None]]:
    """The team's pending invitations with the invited account (None for e-mail invitations)."""
    rows = session.execute(
        select(TeamInvite, Account)
        .outerjoin(Account, Account.id == TeamInvite.user_id)
        .where(TeamInvite.team_id == team.id)
        .order_by(TeamInvite.id)
    ).all()
    return [(invite, account) for invite, account in rows]


def _find(session: Session, code: str) -> tuple[TeamInvite, Team, Account]:
    row = session.execute(
        select(TeamInvite, Team, Account)
        .join(Team, Team.id == TeamInvite.team_id)
        .join(Account, Account.id == Team.organization_id)
        .where(TeamInvite.code_hash == sha256_hex(code))
    ).first()
    if row is None:
        raise DataModelError("Invalid confirmation code.")
    return row[0], row[1], row[2]


def accept_invite(
    session: Session, code: str, user: Account, *, actor: Actor, now: datetime
) -> tuple[Account, Team]:
    """Join the team the code invites to; an invitation for another user is refused."""
    invite, team, org = _find(session, code)
    if invite.user_id is not None and invite.user_id != user.id:
        raise DataModelError("This invite is intended for another user.")
    if not _is_member(session, team.id, user.id):
        session.add(TeamMember(team_id=team.id, account_id=user.id))
    session.execute(delete(TeamInvite).where(TeamInvite.id == invite.id))
    log_action(
        session,
        "org_team_member_invite_accepted",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "member": user.username},
    )
    return org, team


def decline_invite(session: Session, code: str, user: Account, *, actor: Actor, now: datetime) -> None:
    """Refuse the invitation."""
    invite, team, org = _find(session, code)
    if invite.user_id is not None and invite.user_id != user.id:
        raise DataModelError("This invite is intended for another user.")
    session.execute(delete(TeamInvite).where(TeamInvite.id == invite.id))
    log_action(
        session,
        "org_team_member_invite_declined",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "member": user.username},
    )
