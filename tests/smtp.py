"""A real local SMTP server (aiosmtpd on a free loopback port) that keeps every message it receives."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message


class SmtpSink:
    """An SMTP server on a free loopback port; ``messages`` holds each received message's bytes."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        sink = self

        class Handler(Message):
            def handle_message(self, message: object) -> None:
                sink.messages.append(bytes(message))  # type: ignore[call-overload]

            def prepare_message(self, _session: object, envelope: object) -> bytes:  # type: ignore[override]
                return bytes(envelope.original_content)  # type: ignore[attr-defined]

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A started SMTP sink, stopped after the test."""
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()
