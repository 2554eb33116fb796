"""Reading back the mail the embedded profile wrote to files (EMAIL_FILE_PATH), for the staff
page that shows what guests would have received."""

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

# Django's file backend writes each message followed by this line.
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


@dataclass(frozen=True)
class StoredMail:
    message_id: str
    subject: str
    to: str
    date: str
    text: str
    html: str


def _part(message: EmailMessage, kind: str) -> str:
    part = message.get_body(preferencelist=(kind,))
    if part is None:
        return ""
    return str(part.get_content())


def read_mail(folder: Path, *, limit: int = 50) -> list[StoredMail]:
    """The newest `limit` messages in `folder`, newest first."""
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.log"), key=lambda path: path.stat().st_mtime, reverse=True)
    found: list[StoredMail] = []
    for path in files:
        chunks = [chunk for chunk in path.read_bytes().split(SEPARATOR) if chunk.strip()]
        for chunk in reversed(chunks):
            message = email.message_from_bytes(chunk, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            found.append(
                StoredMail(
                    message_id=str(message.get("Message-ID", "")),
                    subject=str(message.get("Subject", "")),
                    to=str(message.get("To", "")),
                    date=str(message.get("Date", "")),
                    text=_part(message, "plain"),
                    html=_part(message, "html"),
                )
            )
            if len(found) >= limit:
                return found
    return found
