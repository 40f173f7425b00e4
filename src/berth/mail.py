"""Outgoing e-mail: a small ``Mailer`` protocol, an SMTP implementation and an in-memory twin.

Built from ``MAIL_SERVER``, ``MAIL_PORT`` and ``MAIL_DEFAULT_SENDER``; domain services receive a
:class:`Mailer` and never open connections themselves.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

from berth.config import Settings
from berth.errors import ServiceUnavailable

SMTP_TIMEOUT_S = 10


class Mailer(Protocol):
    """Something that delivers one plain-text message."""

    def send(self, to: str, subject: str, body: str) -> None:
        """Deliver the message or raise :class:`~berth.errors.ServiceUnavailable`."""


@dataclass(frozen=True)
class SmtpMailer:
    """Delivers through an SMTP server (no authentication, as a local relay is expected)."""

    server: str
    port: int
    sender: str

    def send(self, to: str, subject: str, body: str) -> None:
        if not self.server:
            raise ServiceUnavailable("Mail is not configured (MAIL_SERVER)")
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        try:
            with smtplib.SMTP(self.server, self.port, timeout=SMTP_TIMEOUT_S) as smtp:
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise ServiceUnavailable(f"Could not send mail: {type(exc).__name__}") from None


@dataclass
class MemoryMailer:
    """Keeps messages in a list (tests and dry runs)."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


def mailer_for(settings: Settings) -> Mailer:
    """The SMTP mailer the settings describe."""
    return SmtpMailer(settings.mail_server, settings.mail_port, settings.mail_default_sender)
