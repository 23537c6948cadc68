"""E-mail queued in the database and delivered after the answer (issue 14, item 4).

Registration and password reset must take as long for an address without an account as
for one with it, so neither may wait for an SMTP server inside the request. Their message
is written to ``mail_outbox`` in the same transaction as the change it reports (a pending
registration, a reset link, an audit event) and delivered once the answer has gone out:
the page calls :func:`deliver_queued` when the response is closed, and every web process
calls it again every ``index_drain_seconds`` (with the index outbox), so a message whose
delivery failed or whose process died before delivering is sent by the next round.

A row is deleted only after the SMTP server (or the mail folder) took the message: nothing
queued is lost by a crash, at the price of a rare duplicate (a crash between the server's
"250" and the delete). A failed attempt is kept with its error and tried again after a
growing pause; after ``MAX_ATTEMPTS`` the row stays, with its error, for an operator, and
the failure is logged as an error.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from catalog.models import MailOutbox, utcnow
from catalog.services import mail

if TYPE_CHECKING:
    from catalog.context import Catalog

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
# how long a process may take to hand one message over before another may try it
CLAIM_SECONDS = 120
FIRST_RETRY_SECONDS = 30
LONGEST_RETRY_SECONDS = 3600


def queue(session: Session, msg: mail.Message) -> None:
    """Queue ``msg`` in ``session``'s transaction: it goes out only if that commits."""
    recipients = [r for r in msg.to if r]
    if recipients:
        session.add(MailOutbox(recipients=recipients, subject=msg.subject, body=msg.body))


def waiting(cat: Catalog) -> int:
    """Messages not delivered yet (given-up ones included)."""
    with cat.read_session() as s:
        return s.execute(select(func.count()).select_from(MailOutbox)).scalar_one()


@dataclass(frozen=True)
class _Claimed:
    id: int
    msg: mail.Message
    attempts: int


def _due() -> tuple:
    now = utcnow()
    return (
        MailOutbox.next_attempt_at <= now,
        MailOutbox.attempts < MAX_ATTEMPTS,
        or_(MailOutbox.claimed_until.is_(None), MailOutbox.claimed_until < now),
    )


def _any_due(cat: Catalog) -> bool:
    with cat.read_session() as s:
        return s.execute(select(MailOutbox.id).where(*_due()).limit(1)).first() is not None


def _claim(cat: Catalog, limit: int) -> list[_Claimed]:
    """Due messages this process now holds for ``CLAIM_SECONDS`` (nobody else sends them)."""
    now = utcnow()
    due = _due()
    columns = (MailOutbox.id, MailOutbox.recipients, MailOutbox.subject, MailOutbox.body)
    claimed = []
    with cat.session() as s:
        query = select(*columns, MailOutbox.attempts).where(*due).order_by(MailOutbox.id)
        for row_id, recipients, subject, body, attempts in s.execute(query.limit(limit)).all():
            taken = s.execute(
                update(MailOutbox)
                .where(MailOutbox.id == row_id, *due)
                .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            )
            if taken.rowcount == 1:  # type: ignore[attr-defined]
                msg = mail.Message(tuple(recipients), subject, body)
                claimed.append(_Claimed(row_id, msg, attempts))
    return claimed


def _retry_after(attempts: int) -> timedelta:
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** (attempts - 1), LONGEST_RETRY_SECONDS))


def _failed(cat: Catalog, row_id: int, attempts: int, error: str) -> None:
    try:
        with cat.session() as s:
            s.execute(
                update(MailOutbox)
                .where(MailOutbox.id == row_id)
                .values(
                    attempts=attempts,
                    last_error=error,
                    claimed_until=None,
                    next_attempt_at=utcnow() + _retry_after(attempts),
                )
            )
    except OperationalError as exc:  # the claim runs out and the next round tries again
        log.warning("could not note the failed mail %d: %s", row_id, exc.orig)


def deliver_queued(cat: Catalog, limit: int = 100) -> int:
    """Send the due queued messages; returns how many went out. Never raises for a busy
    database or a refused message: those wait for the next round."""
    try:
        if not _any_due(cat):  # most answers queue nothing: no write lock for them
            return 0
        rows = _claim(cat, limit)
    except OperationalError as exc:
        log.warning("queued mail waits for the next round: %s", exc.orig)
        return 0
    sent = 0
    for row in rows:
        try:
            mail.deliver(cat.settings, row.msg)
        except (OSError, smtplib.SMTPException) as exc:
            attempts = row.attempts + 1
            _failed(cat, row.id, attempts, str(exc)[:2000] or type(exc).__name__)
            if attempts >= MAX_ATTEMPTS:
                log.error(
                    "gave up mail %r to %s after %d attempts (kept in mail_outbox, id %d): %s",
                    row.msg.subject, row.msg.to, attempts, row.id, exc,
                )  # fmt: skip
            else:
                log.warning(
                    "mail %r to %s not sent, will retry: %s", row.msg.subject, row.msg.to, exc
                )
            continue
        sent += 1
        try:
            with cat.session() as s:
                s.execute(delete(MailOutbox).where(MailOutbox.id == row.id))
        except OperationalError as exc:  # sent twice after the claim ends, never lost
            log.warning("sent mail %d stays queued (busy database): %s", row.id, exc.orig)
    return sent
