"""``berth token create|list|revoke`` in-process against a SQLite file: lifetimes, no secrets listed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berth.cli import main


def _config(tmp_path: Path) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"DB_URI: sqlite:///{tmp_path}/berth.db\nPASSWORD_HASH_COST: low\nOAUTH_TOKEN_MAX_LIFETIME: 30d\n"
    )
    return str(path)


def test_create_list_revoke(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert (
        main(
            ["--config", config, "user", "create", "alice", "--email", "a@x.io", "--password", "pw-alice-123"]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(
            [
                "--config",
                config,
                "token",
                "create",
                "--user",
                "alice",
                "--scope",
                "repo:read",
                "--expires-in",
                "10y",
            ]
        )
        == 0
    )
    token = capsys.readouterr().out.strip()
    assert len(token) == 40
    assert main(["--config", config, "token", "list", "--user", "alice"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 1
    assert token not in json.dumps(rows)
    assert rows[0]["scope"] == "repo:read"
    created, expires = rows[0]["created"][:10], rows[0]["expires_at"][:10]
    assert created != expires  # capped at OAUTH_TOKEN_MAX_LIFETIME (30d), not ten years
    assert int(expires[:4]) - int(created[:4]) <= 1
    assert main(["--config", config, "token", "revoke", rows[0]["uuid"]]) == 0
    capsys.readouterr()
    assert main(["--config", config, "token", "list", "--user", "alice"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["--config", config, "token", "revoke", rows[0]["uuid"]]) == 1
    assert main(["--config", config, "token", "list", "--user", "nobody"]) == 1


def test_robot_tokens_listed_and_revoked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path)
    assert (
        main(
            ["--config", config, "user", "create", "alice", "--email", "a@x.io", "--password", "pw-alice-123"]
        )
        == 0
    )
    from berth.accounts.service import get_user
    from berth.auditlog.service import Actor
    from berth.db.engine import Database
    from berth.lib.dates import utcnow
    from berth.robots.service import create_robot, verify_robot_token

    db = Database(f"sqlite:///{tmp_path}/berth.db")
    with db.transaction() as session:
        alice = get_user(session, "alice")
        assert alice is not None
        issued = create_robot(
            session,
            alice,
            "bot",
            description=None,
            unstructured_metadata=None,
            actor=Actor(alice.id),
            now=utcnow(),
        )
    capsys.readouterr()
    assert main(["--config", config, "token", "list", "--robot", "alice+bot"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["robot"] for r in rows] == ["alice+bot"]
    assert issued.token not in json.dumps(rows)
    assert main(["--config", config, "token", "revoke", "--robot", "alice+bot"]) == 0
    assert json.loads(capsys.readouterr().out) == {"robot": "alice+bot", "revoked": 1}
    with db.transaction() as session:
        assert verify_robot_token(session, "alice+bot", issued.token, now=utcnow()) is None
    db.dispose()
    assert main(["--config", config, "token", "list", "--robot", "alice+nobody"]) == 1
