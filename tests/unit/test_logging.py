"""Server logs are one JSON object per line: Berth's own records and uvicorn's alike."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator

import pytest

from berth.http.observability import JsonFormatter, configure_logging

SECRET = "hunter2-token-value"


@pytest.fixture
def restore_loggers() -> Iterator[None]:
    """Put the ``berth`` and ``uvicorn`` loggers back as they were."""
    saved = {
        name: (logger.handlers[:], logger.propagate, logger.level)
        for name in ("berth", "uvicorn")
        for logger in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, propagate, level) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)


def _explode() -> None:
    raise RuntimeError(f"failed with {SECRET}")


def test_exceptions_log_their_type_and_place_not_their_message() -> None:
    try:
        _explode()
    except RuntimeError:
        record = logging.LogRecord("berth.app", logging.ERROR, __file__, 1, "unhandled", None, None)
        record.exc_info = sys.exc_info()
    entry = json.loads(JsonFormatter().format(record))
    assert entry["exception"] == "RuntimeError"
    assert entry["raised_at"].endswith("in _explode")
    assert "test_logging.py:" in entry["raised_at"]
    assert SECRET not in json.dumps(entry)


def test_extra_fields_become_keys() -> None:
    record = logging.LogRecord("berth.access", logging.INFO, __file__, 1, "request", None, None)
    record.request_id = "abc"
    record.status = 200
    entry = json.loads(JsonFormatter().format(record))
    assert entry["msg"] == "request"
    assert entry["request_id"] == "abc"
    assert entry["status"] == 200
    assert entry["level"] == "info"
    assert entry["logger"] == "berth.access"


@pytest.mark.usefixtures("restore_loggers")
def test_configure_logging_makes_berth_and_uvicorn_write_json(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO")
    logging.getLogger("berth.access").info("request", extra={"request_id": "r1"})
    logging.getLogger("berth.app").debug("hidden at INFO")
    try:
        _explode()
    except RuntimeError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application\n")
    lines = [line for line in capsys.readouterr().err.splitlines() if line]
    entries = [json.loads(line) for line in lines]
    assert [e["logger"] for e in entries] == ["berth.access", "uvicorn.error"]
    assert entries[0]["request_id"] == "r1"
    assert entries[1]["exception"] == "RuntimeError"
    assert SECRET not in "\n".join(lines)
