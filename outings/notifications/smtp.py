"""An SMTP email backend that records delivery at the point of no return, not after it.

SMTP has one point of no return: the "." that ends a message's DATA. A client that disappears
before sending it has delivered nothing (RFC 5321 §4.1.1.4: the server discards an unfinished
message); once it is sent, the server may deliver even if the client never reads the reply.
Recording delivery after the server's reply leaves a window (the server's processing, the reply,
a database round trip) in which a killed worker sends the mail again on retry. Here the seal
(the outbox's "done", one autocommit UPDATE, outbox.seal) is written right after the "." and
before waiting for the reply, which shrinks that window to the few microseconds between two
socket writes. If the reply then refuses the mail, the caller is told (an exception) and undoes
the seal.
See docs/background-work.md ("Email: once").
"""

import functools
import random
import re
import smtplib
import sys
from collections.abc import Callable
from email import generator
from email.message import Message
from email.policy import Compat32
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.mail.backends import smtp
from django.core.mail.message import EmailMessage, sanitize_address

_LEADING_DOT = re.compile(rb"(?m)^\.")
CRLF = b"\r\n"
# Printable ASCII words separated by single spaces: a header value that the compat32 policy
# writes unchanged when it fits on one line.
_PLAIN_HEADER = re.compile(r"[!-~]+(?: [!-~]+)*\Z")


class _Policy(Compat32):
    """The policy Django's messages use (compat32), minus its cost on the common case: compat32
    builds an email.header.Header and runs its folding algorithm for every header of every part
    (about half of the CPU time of flattening a mail). A value of printable ASCII words that fits
    on one line comes out of that algorithm unchanged, so it is written as it is; every other
    value (long, non-ASCII, already encoded over several lines) goes through compat32 itself.
    notifications/tests/test_smtp.py checks that both paths write the same bytes."""

    def fold_binary(self, name: str, value: Any) -> bytes:
        if (
            isinstance(value, str)
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
            and _PLAIN_HEADER.match(value)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        folded: bytes = super().fold_binary(name, value)
        return folded


_POLICY = _Policy(linesep="\r\n")


class _Generator(generator.BytesGenerator):
    @classmethod
    def _make_boundary(cls, text: Any = None) -> str:
        """The standard library's random boundary, checked against the text with a substring
        search instead of a regular expression compiled anew for every message (a fifth of the
        flattening time). Stricter than the original check: a boundary that does not occur
        anywhere in the text cannot start one of its lines."""
        boundary = "=" * 15 + f"{random.randrange(sys.maxsize):019d}" + "=="
        if text is None:
            return boundary
        candidate, counter = boundary, 0
        while _dashed(candidate, like=text) in text:
            candidate, counter = f"{boundary}.{counter}", counter + 1
        return candidate


def _dashed(boundary: str, *, like: Any) -> Any:
    """The delimiter line of `boundary`, as bytes when `like` is bytes (BytesGenerator's are)."""
    dashed = "--" + boundary
    return dashed.encode("ascii") if isinstance(like, bytes) else dashed


def as_bytes(message: Message) -> bytes:
    """`message.as_bytes(linesep="\r\n")`, faster (see _Policy and _Generator)."""
    buffer = BytesIO()
    _Generator(buffer, mangle_from_=False, policy=_POLICY).flatten(message, linesep="\r\n")
    return buffer.getvalue()


# Parsing an address with email's header parser costs more than rendering a template; the
# sender is the same on every mail.
_sanitize_address = functools.lru_cache(maxsize=256)(sanitize_address)


class _SealingMixin:
    # Called right after the final "."; may return a function to call once the reply is read.
    at_end_of_data: Callable[[], Callable[[], None] | None] | None = None

    def data(self, msg: Any) -> tuple[int, bytes]:
        """smtplib.SMTP.data, with `at_end_of_data` called between the final "." and the
        server's reply.

        The body and its final "." go out in one write, as smtplib's own `data` sends them.
        Written apart, the 3-byte "." waited (Nagle) for the server to acknowledge the body,
        which the server delays (delayed ACK) while it waits for the rest of the message: about
        40 ms per mail on this machine's kernel, 44 mails/s per relay instead of hundreds."""
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
        then = self.at_end_of_data() if self.at_end_of_data is not None else None
        try:
            result: tuple[int, bytes] = self.getreply()  # type: ignore[attr-defined]
        finally:
            if then is not None:
                then()
        return result


class SealingSMTP(_SealingMixin, smtplib.SMTP):
    pass


class SealingSMTPSSL(_SealingMixin, smtplib.SMTP_SSL):
    pass


class EmailBackend(smtp.EmailBackend):
    @property
    def connection_class(self) -> Any:
        return SealingSMTPSSL if self.use_ssl else SealingSMTP

    def _send(self, email_message: EmailMessage) -> bool:
        """Django's `_send` (smtp.EmailBackend), with the faster flattening above."""
        if not email_message.recipients():
            return False
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_email = _sanitize_address(email_message.from_email, encoding)
        recipients = [_sanitize_address(addr, encoding) for addr in email_message.recipients()]
        message = email_message.message()
        assert self.connection is not None  # opened by the caller (send_sealed, send_messages)
        try:
            self.connection.sendmail(from_email, recipients, as_bytes(message))
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True

    def send_sealed(
        self, message: EmailMessage, *, seal: Callable[[], Callable[[], None] | None]
    ) -> None:
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
