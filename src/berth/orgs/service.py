"""Creating organizations and managing their teams and members; computing a member's org role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from berth.accounts.models import Account, AccountKind
from berth.accounts.service import get_account
from berth.auditlog.service import Actor, log_action
from berth.errors import InvalidRequest, NotFound
from berth.lib.names import is_valid_email, is_valid_username
from berth.orgs.models import Team, TeamMember, TeamRole
from berth.robots.models import Robot

OWNERS_TEAM = "owners"
_ROLE_RANK = {TeamRole.MEMBER: 1, TeamRole.CREATOR: 2, TeamRole.ADMIN: 3}
_NAME_RULE = "Namespace must match expression ^([a-z0-9]+(?:[._-][a-z0-9]+)*)$"


def get_organization(session: Session, name: str) -> Account | None:
    """The organization called ``name``, if any."""
    account = get_account(session, name)
    return account if account is not None and account.kind == AccountKind.ORGANIZATION else None


def require_organization(session: Session, name: str) -> Account:
    """The organization called ``name`` or :class:`NotFound`."""
    org = get_organization(session, name)
    if org is None:
        raise NotFound("Not Found")
    return org


def org_team_role(session: Session, account_id: int, org_id: int) -> TeamRole | None:
    """The highest role ``account_id`` holds through the org's teams (None: not a member)."""
    roles = session.scalars(
        select(Team.role)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(Team.organization_id == org_id, TeamMember.account_id == account_id)
    ).all()
    return max(roles, key=lambda r: _ROLE_RANK[r]) if roles else None


def create_organization(
    session: Session, *, name: str, email: str | None, creator: Account, actor: Actor, now: datetime
) -> Account:
    """Create an organization with an ``owners`` team (role admin) holding its creator."""
    if not is_valid_username(name):
        raise InvalidRequest(f"Invalid namespace {name}: {_NAME_RULE}")
    if get_account(session, name) is not None:
        raise InvalidRequest("A user or organization with this name already exists")
    if email is not None:
        if not is_valid_email(email):
            raise InvalidRequest("Invalid email address")
        if session.scalar(select(Account.id).where(Account.email == email)) is not None:
            raise InvalidRequest("Email address is already in use")
    org = Account(
        username=name,
        kind=AccountKind.ORGANIZATION,
        email=email,
        verified=True,
        enabled=True,
        created=now,
        tag_expiration_s=creator.tag_expiration_s,
    )
    session.add(org)
    session.flush()
    create_owners_team(session, org, creator)
    log_action(
        session,
        "org_create",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"email": email, "namespace": name},
    )
    return org


def create_owners_team(session: Session, org: Account, owner: Account) -> Team:
    """The ``owners`` team every organization has (role admin), holding its first owner."""
    owners = Team(organization_id=org.id, name=OWNERS_TEAM, description="", role=TeamRole.ADMIN)
    session.add(owners)
    session.flush()
    session.add(TeamMember(team_id=owners.id, account_id=owner.id))
    session.flush()
    return owners


def get_team(session: Session, org: Account, team_name: str) -> Team | None:
    """The org's team called ``team_name``."""
    return session.scalar(select(Team).where(Team.organization_id == org.id, Team.name == team_name))


def require_team(session: Session, org: Account, team_name: str) -> Team:
    """The team or :class:`NotFound`."""
    team = get_team(session, org, team_name)
    if team is None:
        raise NotFound("Not Found")
    return team


@dataclass(frozen=True)
class TeamChange:
    """The team after a create-or-update, and whether it was created."""

    team: Team
    created: bool


def upsert_team(
    session: Session,
    org: Account,
    team_name: str,
    *,
    role: TeamRole | None,
    description: str | None,
    actor: Actor,
    now: datetime,
) -> TeamChange:
    """Create the team or update its role/description (Quay's ``PUT .../team/{teamname}``)."""
    team = get_team(session, org, team_name)
    if team is None:
        if not is_valid_username(team_name):
            raise InvalidRequest(f"Invalid team name {team_name}: {_NAME_RULE}")
        team = Team(
            organization_id=org.id,
            name=team_name,
            description=description or "",
            role=role or TeamRole.MEMBER,
        )
        session.add(team)
        session.flush()
        log_action(
            session,
            "org_create_team",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"team": team_name},
        )
        return TeamChange(team, created=True)
    if description is not None and description != team.description:
        team.description = description
        log_action(
            session,
            "org_set_team_description",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"team": team_name, "description": description},
        )
    if role is not None and role != team.role:
        if team.name == OWNERS_TEAM and role != TeamRole.ADMIN:
            raise InvalidRequest("Cannot change the role of the owners team")
        team.role = role
        log_action(
            session,
            "org_set_team_role",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"team": team_name, "role": role.value},
        )
    session.flush()
    return TeamChange(team, created=False)


def delete_team(session: Session, org: Account, team: Team, *, actor: Actor, now: datetime) -> None:
    """Delete a team; the owners team cannot be deleted."""
    if team.name == OWNERS_TEAM:
        raise InvalidRequest(
            "Deleting team 'owners' would remove admin ability for user 'owners' in organization"
        )
    session.execute(delete(Team).where(Team.id == team.id))
    log_action(
        session, "org_delete_team", actor=actor, now=now, namespace_id=org.id, metadata={"team": team.name}
    )


def team_members(session: Session, team: Team) -> list[Account]:
    """The team's members, users and robots, by name."""
    return list(
        session.scalars(
            select(Account)
            .join(TeamMember, TeamMember.account_id == Account.id)
            .where(TeamMember.team_id == team.id)
            .order_by(Account.username)
        )
    )


def member_counts(session: Session, org: Account) -> dict[int, int]:
    """Members per team id for one organization."""
    rows = session.execute(
        select(TeamMember.team_id, func.count())
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.organization_id == org.id)
        .group_by(TeamMember.team_id)
    ).all()
    return {int(team_id): int(count) for team_id, count in rows}


def add_team_member(
    session: Session, org: Account, team: Team, member_name: str, *, actor: Actor, now: datetime
) -> Account:
    """Add a user, or a robot of this organization, to a team (idempotent)."""
    member = get_account(session, member_name)
    if member is None or member.kind == AccountKind.ORGANIZATION:
        raise InvalidRequest("Unknown user")
    if member.kind == AccountKind.ROBOT and not member.username.startswith(f"{org.username}+"):
        raise InvalidRequest("Cannot add robot from another namespace")
    exists = session.scalar(
        select(TeamMember.id).where(TeamMember.team_id == team.id, TeamMember.account_id == member.id)
    )
    if exists is None:
        session.add(TeamMember(team_id=team.id, account_id=member.id))
        session.flush()
        log_action(
            session,
            "org_add_team_member",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"team": team.name, "member": member.username},
        )
    return member


def remove_team_member(
    session: Session, org: Account, team: Team, member_name: str, *, actor: Actor, now: datetime
) -> None:
    """Remove a member; the last member of the owners team cannot be removed."""
    member = get_account(session, member_name)
    if member is None:
        raise InvalidRequest("Unknown user")
    if team.name == OWNERS_TEAM and len(team_members(session, team)) <= 1:
        raise InvalidRequest(
            f"Cannot remove {member_name} from team '{OWNERS_TEAM}': the organization would have no owner"
        )
    result = session.execute(
        delete(TeamMember).where(TeamMember.team_id == team.id, TeamMember.account_id == member.id)
    )
    if getattr(result, "rowcount", 0) == 0:
        raise InvalidRequest("User is not a member of this team")
    log_action(
        session,
        "org_remove_team_member",
        actor=actor,
        now=now,
        namespace_id=org.id,
        metadata={"team": team.name, "member": member_name},
    )


def organizations_of(session: Session, account_id: int) -> list[tuple[Account, TeamRole]]:
    """Organizations ``account_id`` belongs to, each with its highest team role."""
    rows = session.execute(
        select(Account, Team.role)
        .join(Team, Team.organization_id == Account.id)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.account_id == account_id)
        .order_by(Account.username)
    ).all()
    best: dict[int, tuple[Account, TeamRole]] = {}
    for org, role in rows:
        if org.id not in best or _ROLE_RANK[role] > _ROLE_RANK[best[org.id][1]]:
            best[org.id] = (org, role)
    return list(best.values())


def org_members(session: Session, org: Account) -> list[tuple[Account, list[Team]]]:
    """Every member of the organization with the teams they are in."""
    rows = session.execute(
        select(Account, Team)
        .join(TeamMember, TeamMember.account_id == Account.id)
        .join(Team, Team.id == TeamMember.team_id)
        .where(Team.organization_id == org.id)
        .order_by(Account.username, Team.name)
    ).all()
    members: dict[int, tuple[Account, list[Team]]] = {}
    for account, team in rows:
        members.setdefault(account.id, (account, []))[1].append(team)
    return list(members.values())


def update_organization(
    session: Session,
    org: Account,
    *,
    email: str | None,
    invoice_email: bool | None,
    invoice_email_address: str | None,
    tag_expiration_s: int | None,
    allowed_expirations: set[int],
    actor: Actor,
    now: datetime,
) -> None:
    """Change an organization's e-mail, invoicing and tag expiration, logging each change."""
    if email is not None and email != org.email:
        if not is_valid_email(email):
            raise InvalidRequest("Invalid email address")
        if session.scalar(select(Account.id).where(Account.email == email, Account.id != org.id)) is not None:
            raise InvalidRequest("E-mail address already used")
        org.email = email
        log_action(
            session, "org_change_email", actor=actor, now=now, namespace_id=org.id, metadata={"email": email}
        )
    if invoice_email is not None or invoice_email_address is not None:
        if invoice_email is not None:
            org.invoice_email = invoice_email
        if invoice_email_address is not None:
            org.invoice_email_address = invoice_email_address
        log_action(
            session,
            "org_change_invoicing",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"invoice_email": org.invoice_email},
        )
    if tag_expiration_s is not None:
        if tag_expiration_s < 0 or (allowed_expirations and tag_expiration_s not in allowed_expirations):
            raise InvalidRequest("Invalid tag expiration")
        org.tag_expiration_s = tag_expiration_s
        log_action(
            session,
            "org_change_tag_expiration",
            actor=actor,
            now=now,
            namespace_id=org.id,
            metadata={"tag_expiration": tag_expiration_s},
        )
    session.flush()


def delete_organization(session: Session, org: Account, *, actor: Actor, now: datetime) -> None:
    """Delete the organization (its teams and robots go with it)."""
    log_action(
        session, "org_delete", actor=actor, now=now, namespace_id=None, metadata={"namespace": org.username}
    )
    robots = select(Robot.account_id).where(Robot.namespace_id == org.id)
    session.execute(delete(Account).where(Account.id.in_(robots), Account.kind == AccountKind.ROBOT))
    session.execute(delete(Account).where(Account.id == org.id))
