"""Module-level ASGI app for multi-process serving (``uvicorn berth.asgi:app``); reads $BERTH_CONFIG."""

from __future__ import annotations

from berth.app import create_app
from berth.config import load_settings
from berth.http.observability import configure_logging

_settings = load_settings()
configure_logging(_settings.log_level)
app = create_app(_settings)
