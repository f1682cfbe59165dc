"""Outgoing e-mail behind a small interface: a file outbox by default, SMTP when configured."""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from readtoearn.config import Settings
from readtoearn.db import new_id, utcnow


@dataclass(frozen=True)
class OutgoingEmail:
    """One plain-text message to one address."""

    to: str
    subject: str
    body: str
    # Extra header fields, e.g. List-Unsubscribe on reminders.
    headers: tuple[tuple[str, str], ...] = ()


def letter(
    settings: Settings,
    user: Any,
    texts: Mapping[str, tuple[str, str]],
    **fields: object,
) -> OutgoingEmail:
    """A message to a user from a table of (subject, body) per language, in theirs (English when
    the table lacks it): the subject names the site, the body is formatted with the user's
    `name`, the `site` and `fields`."""
    subject, body = texts.get(user.language, texts["en"])
    return OutgoingEmail(
        to=user.email,
        subject=f"{settings.site_name}: {subject}",
        body=body.format(name=user.display_name, site=settings.site_name, **fields),
    )


class EmailBackend(Protocol):
    """Anything that can deliver a message; raises OSError when it cannot."""

    def send(self, message: OutgoingEmail) -> None: ...


def _build(message: OutgoingEmail, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    # Headers are folded at the RFC's hard limit, not 78 columns: a long one-word value (the
    # List-Unsubscribe URL) is otherwise turned into encoded words that mail clients cannot use.
    mail.policy = mail.policy.clone(max_line_length=998)
    for name, value in message.headers:
        mail[name] = value
    mail.set_content(message.body)
    return mail


class FileEmailBackend:
    """Writes each message as an .eml file in a folder (owner-only), for development and tests."""

    def __init__(self, outbox: Path, sender: str) -> None:
        self.outbox = outbox
        self.sender = sender

    def send(self, message: OutgoingEmail) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True)
        name = f"{utcnow():%Y%m%dT%H%M%S}-{new_id()}.eml"
        data = _build(message, self.sender).as_bytes()
        temporary = self.outbox / f".{name}.tmp"
        # Written whole then renamed, so a reader of the outbox never sees half a message.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        temporary.rename(self.outbox / name)


class SmtpEmailBackend:
    """Sends through an SMTP server with smtplib (STARTTLS and login when configured)."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        user: str = "",
        password: str = "",
        starttls: bool = True,
        timeout_s: float = 15.0,
    ) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.user = user
        self.password = password
        self.starttls = starttls
        self.timeout_s = timeout_s

    def send(self, message: OutgoingEmail) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(_build(message, self.sender))


def make_email_backend(settings: Settings) -> EmailBackend:
    """SMTP when smtp_host is set, else the outbox folder in the data directory."""
    host = settings.base_url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
    sender = settings.smtp_from or f"no-reply@{host or 'localhost'}"
    if settings.smtp_host:
        return SmtpEmailBackend(
            settings.smtp_host,
            settings.smtp_port,
            sender,
            user=settings.smtp_user,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
        )
    return FileEmailBackend(settings.data_dir / "outbox", sender)
