"""Quay's opaque ``next_page`` tokens: a small JSON cursor encrypted and authenticated with Fernet
under an instance secret, so callers can neither read nor forge it. A token that does not decrypt
starts from the first page, as Quay does."""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy.orm import Session

from berth.db.instance import get_or_create_secret

_SECRET_NAME = "api_page_token_key"  # noqa: S105 - the name of a secret, not a secret


def _fernet(session: Session) -> Fernet:
    key = get_or_create_secret(session, _SECRET_NAME, lambda: Fernet.generate_key().decode())
    return Fernet(key.encode())


def encode_page_token(session: Session, kind: str, cursor: dict[str, Any]) -> str:
    """An opaque token for ``cursor`` (only valid for lists of ``kind``)."""
    return _fernet(session).encrypt(json.dumps({"k": kind, **cursor}).encode()).decode()


def decode_page_token(session: Session, kind: str, token: str | None) -> dict[str, Any] | None:
    """The cursor inside ``token``, or None for no token, a bad token or another list's token."""
    if not token:
        return None
    try:
        data = json.loads(_fernet(session).decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return None
    if not isinstance(data, dict) or data.get("k") != kind:
        return None
    return data


def after_id(cursor: dict[str, Any] | None) -> int:
    """The ``after`` id of a repository-list cursor (0: from the start)."""
    value = (cursor or {}).get("after", 0)
    return value if isinstance(value, int) and value >= 0 else 0
