"""Password recovery over HTTP: the mail goes through a real local SMTP sink (aiosmtpd on a
loopback port), its link signs a browser in once."""

from __future__ import annotations

from dataclasses import replace
from email import message_from_bytes

from berth.app import create_app
from berth.runtime import Runtime
from tests.api.browser import Browser, sign_up
from tests.smtp import SmtpSink


def test_recovery_email_is_sent_through_smtp(runtime: Runtime, smtp_sink: SmtpSink) -> None:
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
