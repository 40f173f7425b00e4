"""The login throttle and the throttled password check, against a real database."""

from __future__ import annotations

import pytest

from berth.accounts import throttle
from berth.accounts.clientkeys import create_client_key
from berth.accounts.service import PasswordPolicy
from berth.accounts.signin import check_cli_credentials, check_password
from berth.runtime import Runtime
from tests.conftest import Clock
from tests.factories import PASSWORD, make_user

LOW = PasswordPolicy("low")


@pytest.mark.parametrize(
    ("failures", "seconds"),
    [(0, 0), (1, 5), (2, 15), (3, 35), (4, 75), (5, 155), (9, 2555), (10, 3600), (50, 3600)],
)
def test_backoff_curve(failures: int, seconds: int) -> None:
    assert throttle.backoff_seconds(failures) == seconds


def test_throttle_counts_and_resets(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        throttle.check_allowed(session, "Someone", now=clock())
        assert throttle.record_failure(session, "Someone", now=clock()) == 5
        with pytest.raises(throttle.LoginThrottled) as raised:
            throttle.check_allowed(session, "someone", now=clock())  # keys ignore case
        assert raised.value.retry_after == 5
        assert raised.value.message == throttle.THROTTLED_MESSAGE
        clock.advance(4.2)
        with pytest.raises(throttle.LoginThrottled) as raised:
            throttle.check_allowed(session, "someone", now=clock())
        assert raised.value.retry_after == 1  # rounded up, never 0
        clock.advance(1)
        throttle.check_allowed(session, "someone", now=clock())
        assert throttle.record_failure(session, "someone", now=clock()) == 15
        assert throttle.failures_for(session, "someone") == 2
        throttle.record_success(session, "someone")
        assert throttle.failures_for(session, "someone") == 0
        throttle.check_allowed(session, "someone", now=clock())


def test_purge_stale(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        throttle.record_failure(session, "old", now=clock())
        clock.advance(3600)
        throttle.record_failure(session, "new", now=clock())
        assert throttle.purge_stale(session, before=clock()) == 1
        assert throttle.failures_for(session, "old") == 0
        assert throttle.failures_for(session, "new") == 1


def test_check_password_is_throttled_per_account(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        assert check_password(session, user.username, "wrong-password", now=clock(), policy=LOW) is None
        # The same account named by its e-mail address shares the counter.
        with pytest.raises(throttle.LoginThrottled):
            check_password(session, f"{user.username}@example.com", PASSWORD, now=clock(), policy=LOW)
        clock.advance(5)
        found = check_password(session, f"{user.username}@example.com", PASSWORD, now=clock(), policy=LOW)
        assert found is not None
        assert found.id == user.id
        assert throttle.failures_for(session, user.username) == 0


def test_disabled_user_cannot_pass(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        user.enabled = False
        assert check_password(session, user.username, PASSWORD, now=clock(), policy=LOW) is None
        assert throttle.failures_for(session, user.username) == 1


def test_cli_credentials_accept_password_or_client_key(runtime: Runtime, clock: Clock) -> None:
    with runtime.db.transaction() as session:
        user = make_user(session, clock())
        key = create_client_key(session, user, now=clock(), actor=None)
        assert check_cli_credentials(session, user.username, key, now=clock(), policy=LOW) is not None
        assert check_cli_credentials(session, user.username, PASSWORD, now=clock(), policy=LOW) is not None
        assert check_cli_credentials(session, user.username, "x" * 64, now=clock(), policy=LOW) is None
        with pytest.raises(throttle.LoginThrottled):
            check_cli_credentials(session, user.username, key, now=clock(), policy=LOW)
