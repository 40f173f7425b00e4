"""Sessions, client keys, recovery codes and notifications as domain services."""

from __future__ import annotations

import pytest

from berth.accounts.clientkeys import create_client_key, revoke_client_keys, verify_client_key
from berth.accounts.models import WebSession
from berth.accounts.notifications import create_notification, list_notifications
from berth.accounts.recovery import redeem_recovery_code, request_recovery
from berth.accounts.service import PasswordPolicy, set_password
from berth.accounts.sessions import create_session, end_account_sessions, find_session, sign_in
from berth.mail import MemoryMailer
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import make_user

LIFETIME = 3600


def test_sign_in_rotates_cookie_and_csrf(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        cookie, row = create_session(session, now=clock(), lifetime_s=LIFETIME)
        old_csrf = row.csrf_token
        clock.advance(1)
        new_cookie = sign_in(session, row, user, now=clock(), lifetime_s=LIFETIME)
        assert new_cookie != cookie
        assert row.csrf_token != old_csrf
        assert find_session(session, cookie, now=clock()) is None
        found = find_session(session, new_cookie, now=clock())
        assert found is not None
        assert found[1] is not None
        assert found[1].id == user.id
        assert row.login_time == clock()


def test_password_change_and_sign_out_everywhere(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        cookies = []
        rows: list[WebSession] = []
        for _ in range(3):
            _, row = create_session(session, now=clock(), lifetime_s=LIFETIME)
            cookies.append(sign_in(session, row, user, now=clock(), lifetime_s=LIFETIME))
            rows.append(row)
        clock.advance(1)
        set_password(session, user, "another-password", now=clock(), policy=PasswordPolicy("low"))
        assert all(find_session(session, c, now=clock()) is None for c in cookies)
        end_account_sessions(session, user.id, keep=rows[0].id)
        session.expire_all()
        assert session.get(WebSession, rows[0].id) is not None
        assert session.get(WebSession, rows[1].id) is None


def test_client_keys(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        key = create_client_key(session, user, now=clock(), actor=None)
        assert verify_client_key(session, user.username, key, now=clock()) is not None
        assert verify_client_key(session, user.username, "short", now=clock()) is None
        clock.advance(1)
        set_password(session, user, "another-password", now=clock(), policy=PasswordPolicy("low"))
        assert verify_client_key(session, user.username, key, now=clock()) is None
        fresh = create_client_key(session, user, now=clock(), actor=None)
        assert verify_client_key(session, user.username, fresh, now=clock()) is not None
        revoke_client_keys(session, user.id)
        assert verify_client_key(session, user.username, fresh, now=clock()) is None


def test_recovery_code_is_single_use_and_expires(runtime: Runtime, clock: Clock) -> None:
    mailer = MemoryMailer()
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        assert user.email is not None
        answer = request_recovery(
            session, user.email, now=clock(), mailer=mailer, base_url="http://b", title="Berth"
        )
        assert answer == {"status": "sent"}
        assert len(mailer.sent) == 1
        code = mailer.sent[0][2].split("code=")[1].split()[0]
        assert len(code) == 64
        redeemed = redeem_recovery_code(session, code, now=clock())
        assert redeemed is not None
        assert redeemed.id == user.id
        assert redeem_recovery_code(session, code, now=clock()) is None
        request_recovery(session, user.email, now=clock(), mailer=mailer, base_url="http://b", title="Berth")
        late = mailer.sent[1][2].split("code=")[1].split()[0]
        clock.advance(86400)
        assert redeem_recovery_code(session, late, now=clock()) is None
        assert request_recovery(
            session, "unknown@example.com", now=clock(), mailer=mailer, base_url="http://b", title="Berth"
        ) == {"status": "sent"}
        assert len(mailer.sent) == 2


def test_notification_kinds_are_quay_kinds(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        with pytest.raises(ValueError, match="unknown notification kind"):
            create_notification(session, user, "made_up", now=clock())
        create_notification(session, user, "maintenance", now=clock(), metadata={"message": "hi"})
        notes, more = list_notifications(session, user)
        assert [n.kind for n in notes] == ["maintenance"]
        assert more is False
