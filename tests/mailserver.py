"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1): the app sends its e-mail
(password resets, partner decisions, invitations, review outcomes) over a socket to it."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """Messages the server received, in order; :meth:`wait_for` blocks until one arrives."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._cond = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self._cond:
            self.messages.append(msg)
            self._cond.notify_all()
        return "250 Message accepted"

    def wait_for(
        self, to: str, match: Callable[[EmailMessage], bool] | None = None, timeout: float = 10
    ) -> EmailMessage:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in reversed(self.messages):
                    if to in (msg["To"] or "") and (match is None or match(msg)):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no mail to {to} within {timeout}s: {self.subjects()}")
                self._cond.wait(left)

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def count_to(self, to: str) -> int:
        with self._cond:
            return sum(to in (m["To"] or "") for m in self.messages)


def link_in(msg: EmailMessage, path_part: str) -> str:
    """The first link in the message's text whose path contains ``path_part``."""
    m = re.search(r"https?://\S*" + re.escape(path_part) + r"\S*", msg.get_content())
    assert m, f"no link with {path_part!r} in {msg['Subject']!r}"
    return m.group(0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    """(inbox, port) of an SMTP server listening on 127.0.0.1 until the block ends."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
