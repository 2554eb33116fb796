"""Signed, opaque values for URLs (pagination cursors): the same value always signs to the same
string, so that a page's cursors, and the ETag computed from them, stay the same while the page
does.

`signing.dumps` signs with a TimestampSigner, whose output carries the current second: the same
cursor read twice a second apart was two strings, and a list longer than one page never
answered 304. Values signed by it before (cursors a client may still hold) are still read.
"""

from typing import Any

from django.core import signing


def sign(value: Any, *, salt: str) -> str:
    return signing.Signer(salt=salt).sign_object(value, compress=True)


def unsign(signed: str, *, salt: str) -> Any:
    """The value, or signing.BadSignature when `signed` was not made by sign() (or by
    signing.dumps, before) with this salt."""
    if signed.count(":") == 2:
        # value:time:signature, from signing.dumps (value:signature from sign()): its signature
        # covers "value:time", so it verifies as a Signer's too and must be read as what it is.
        return signing.loads(signed, salt=salt)
    return signing.Signer(salt=salt).unsign_object(signed)
