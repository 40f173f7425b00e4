"""Password recovery over HTTP: the mail goes through a real local SMTP sink (aiosmtpd on a
loopback port), its link signs a browser in once."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from berth.app import create_app
from berth.runtime import Runtime
from tests.api.browser import Browser, sign_up


class _Sink:
    """A local SMTP server on a free loopback port."""

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
def smtp_sink() -> Iterator[_Sink]:
    """An SMTP sink the recovery mail is delivered to."""
    sink = _Sink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


def test_recovery_email_is_sent_through_smtp(runtime: Runtime, smtp_sink: _Sink) -> None:
    runtime.settings = replace(
        runtime.settings, mail_server="127.0.0.1", mail_port=smtp_sink.port, mail_default_sender="b@x.io"
    )
    app = create_app(runtime.settings, runtime)
    sign_up(app, "olga")
    browser = Browser(app)
    browser.fetch_csrf()
    assert (
        browser.call("POST", "/api/v1/recovery", json={"email": "olga@x.io"}, csrf=False).status_code == 403
    )
    response = browser.call("POST", "/api/v1/recovery", json={"email": "olga@x.io"})
    assert response.status_code == 200
    assert response.json() == {"status": "sent"}
    assert len(smtp_sink.messages) == 1
    mail = message_from_bytes(smtp_sink.messages[0])
    assert mail["To"] == "olga@x.io"
    assert mail["From"] == "b@x.io"
    text = mail.get_payload(decode=True)
    assert isinstance(text, bytes)
    assert b"/recovery?code=" in text
    unknown = browser.call("POST", "/api/v1/recovery", json={"email": "nobody@x.io"})
    assert unknown.json() == {"status": "sent"}
    assert len(smtp_sink.messages) == 1
    # Following the link signs a new browser in (freshly), so it can set a new password at once.
    link = text.decode().split("http://testserver", 1)[1].split()[0]
    visitor = Browser(app)
    followed = visitor.client.get(link, follow_redirects=False)
    assert followed.status_code == 302
    assert followed.headers["location"] == "/user/olga?tab=settings"
    assert "httponly" in followed.headers["set-cookie"].lower()
    assert visitor.me().json()["username"] == "olga"
    visitor.fetch_csrf()
    assert visitor.call("PUT", "/api/v1/user/", json={"password": "brand-new-pass"}).status_code == 200
    assert Browser(app).signin("olga", "brand-new-pass").status_code == 200
    again = Browser(app).client.get(link, follow_redirects=False)
    assert again.status_code == 400
    assert "Invalid recovery code" in again.text


def test_recovery_without_mail_server_is_503(runtime: Runtime) -> None:
    app = create_app(runtime.settings, runtime)
    sign_up(app, "pete")
    browser = Browser(app)
    browser.fetch_csrf()
    response = browser.call("POST", "/api/v1/recovery", json={"email": "pete@x.io"})
    assert response.status_code == 503
