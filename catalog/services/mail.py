"""Outgoing e-mail: password resets, partner decisions, invitations, review outcomes.

Mail is sent after the change it reports has been committed, and a failure to send never
undoes that change: the caller learns whether the message went out (to tell the person on
the page) and the failure is logged. Mail that must not make the answer wait (registration
and reset, whose timing must not tell whether an address has an account) is queued instead
(``mail_outbox``) and handed to :func:`deliver` after the answer. Without an SMTP host in
the settings the messages are written to ``<instance>/mail/`` as ``.eml`` files, so a
development instance works offline.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from pathlib import Path

from catalog.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One e-mail: plain text, bilingual where it goes to people of either language."""

    to: tuple[str, ...]
    subject: str
    body: str


def _build(settings: Settings, msg: Message) -> EmailMessage:
    email = EmailMessage()
    sender = settings.mail_from
    try:
        Address(addr_spec=sender)
        email["From"] = formataddr((settings.site_name, sender))
    except (ValueError, IndexError):
        email["From"] = sender
    email["To"] = ", ".join(msg.to)
    email["Subject"] = msg.subject
    email["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "localhost")
    email.set_content(msg.body)
    return email


def _write_to_folder(folder: Path, email: EmailMessage) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}.eml").write_bytes(bytes(email))


def deliver(settings: Settings, msg: Message) -> None:
    """Hand ``msg`` to the SMTP server (or the mail folder); raises ``OSError`` or
    ``smtplib.SMTPException`` when it was not taken, so a queue can keep it and say why."""
    recipients = [r for r in msg.to if r]
    if not recipients:
        return
    email = _build(settings, Message(tuple(recipients), msg.subject, msg.body))
    if not settings.smtp_host:
        _write_to_folder(settings.instance_path / "mail", email)
        return
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=15) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password or "")
        smtp.send_message(email)


def send(settings: Settings, msg: Message) -> bool:
    """Send ``msg`` now; True when the SMTP server (or the mail folder) took it."""
    if not [r for r in msg.to if r]:
        return False
    try:
        deliver(settings, msg)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("could not send mail %r to %s: %s", msg.subject, list(msg.to), exc)
        return False
