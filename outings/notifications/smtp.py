"""An SMTP email backend that records delivery at the point of no return, not after it.

SMTP has one point of no return: the "." that ends a message's DATA. A client that disappears
before sending it has delivered nothing (RFC 5321 §4.1.1.4: the server discards an unfinished
message); once it is sent, the server may deliver even if the client never reads the reply.
Recording delivery after the server's reply leaves a window (the server's processing, the reply,
a database round trip) in which a killed worker sends the mail again on retry. Here `seal()`
(the outbox's "done", one autocommit UPDATE) is written right after the "." and before waiting
for the reply, which shrinks that window to the few microseconds between two socket writes. If
the reply then refuses the mail, the caller is told (an exception) and undoes the seal.
See docs/background-work.md ("Email: once").
"""

import re
import smtplib
from collections.abc import Callable
from typing import Any

from django.core.mail.backends import smtp
from django.core.mail.message import EmailMessage

_LEADING_DOT = re.compile(rb"(?m)^\.")
CRLF = b"\r\n"


class _SealingMixin:
    at_end_of_data: Callable[[], None] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        """smtplib.SMTP.data, with `at_end_of_data` called between the final "." and the
        server's reply."""
        self.putcmd("data")  # type: ignore[attr-defined]
        code, reply = self.getreply()  # type: ignore[attr-defined]
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = msg.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")
        body = _LEADING_DOT.sub(b"..", msg)
        if not body.endswith(CRLF):
            body += CRLF
        self.send(body + b"." + CRLF)  # type: ignore[attr-defined]
        if self.at_end_of_data is not None:
            self.at_end_of_data()
        result: tuple[int, bytes] = self.getreply()  # type: ignore[attr-defined]
        return result


class SealingSMTP(_SealingMixin, smtplib.SMTP):
    pass


class SealingSMTPSSL(_SealingMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self) -> Any:
        return SealingSMTPSSL if self.use_ssl else SealingSMTP

    def send_sealed(self, message: EmailMessage, *, seal: Callable[[], None]) -> None:
        """Send one message; `seal` runs once its final "." is written, before the server's
        reply is read. Raises the SMTP or socket error (nothing is silent here), also after a
        seal; the connection stays open for reuse."""
        self.open()
        connection = self.connection
        assert isinstance(connection, _SealingMixin)
        connection.at_end_of_data = seal
        try:
            if not self._send(message):
                raise smtplib.SMTPRecipientsRefused({})
        finally:
            connection.at_end_of_data = None
