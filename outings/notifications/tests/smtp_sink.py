"""A real SMTP server (aiosmtpd) for tests: records what it accepted, can refuse recipients,
and can be stopped and started again on the same port."""

import asyncio
import logging
import socket
import threading
import time
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.controller import Controller
from django.test import override_settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[bytes] = []
        self.events: list[str] = []
        self.refuse_recipients = False
        # Shutting down: new transactions and unfinished messages get 421, like a real server
        # that is being stopped (it never accepts a message without saying so).
        self.closing = False
        # Seconds the server takes to answer a mail's data (after recording it): a slow server.
        self.delay = 0.0
        # The sessions with a mail under way: its MAIL accepted, its DATA not answered yet (nor
        # the mail given up with RSET or QUIT). What stop() waits for.
        self.under_way: set[Any] = set()

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.closing:
            return "421 4.3.2 Service shutting down"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        with self.lock:
            self.under_way.add(session)
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        try:
            if self.closing:
                return "421 4.3.2 Service shutting down"
            with self.lock:
                self.messages.append(bytes(envelope.content))
                self.events.append("received")
            if self.delay:
                await asyncio.sleep(self.delay)
            return "250 Message accepted for delivery"
        finally:
            self.done(session)

    async def handle_RSET(self, server: Any, session: Any, envelope: Any) -> str:
        self.done(session)
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.done(session)
        return "221 Bye"

    def done(self, session: Any) -> None:
        with self.lock:
            self.under_way.discard(session)

    def mails_under_way(self) -> bool:
        with self.lock:
            return bool(self.under_way)

    def message_ids(self) -> list[str]:
        with self.lock:
            return [str(BytesHeaderParser().parsebytes(raw)["Message-ID"]) for raw in self.messages]


class SmtpSink:
    def __init__(self) -> None:
        # aiosmtpd logs every SMTP command at INFO: thousands of lines per test, and most of
        # the sink's own CPU time.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self, *, idle_timeout: float = 300, size_limit: int = 33554432) -> None:
        """Serve; a connection idle for `idle_timeout` seconds is closed, as real servers do
        (aiosmtpd's default, 300 s, is RFC 5321's). A mail larger than `size_limit` bytes is
        refused, as real servers do (SIZE, RFC 1870; aiosmtpd's default is 32 MiB)."""
        self.controller = Controller(
            self.recorder,
            hostname="127.0.0.1",
            port=self.port,
            timeout=idle_timeout,
            data_size_limit=size_limit,
        )
        self.controller.start()

    def stop(self) -> None:
        """Stop the way a server is stopped for maintenance: answer 421 to what is in flight
        (for 0.2 s at most), then close. (A server that dies between storing a message and
        replying 250 makes any client send it again: SMTP's own at-least-once window, RFC 1047.)
        With no mail under way it closes at once: it waited 0.2 s at the end of every test that
        used the `sink` fixture."""
        if self.controller is not None:
            self.recorder.closing = True
            deadline = time.monotonic() + 0.2
            while self.recorder.mails_under_way() and time.monotonic() < deadline:
                time.sleep(0.01)
            self.controller.stop()
            self.controller = None
            with self.recorder.lock:  # every session is closed: none has a mail under way
                self.recorder.under_way.clear()
            self.recorder.closing = False

    def as_backend(self) -> override_settings:
        """Settings that send mail here through our SMTP backend (a context manager)."""
        return override_settings(
            EMAIL_BACKEND="outings.notifications.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=self.port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"
