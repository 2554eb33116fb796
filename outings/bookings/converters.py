"""URL converters for the booking pages: a path segment that cannot be a booking reference or a
transfer secret never reaches the database (a NUL in it would be a DataError there, not a 404).
The API's path parameters follow the same patterns (api/routes/booking_schemas.py)."""

from django.urls import register_converter

from outings.bookings.models import REFERENCE_ALPHABET, REFERENCE_LENGTH

# secrets.token_urlsafe(24) makes 32 characters; the bounds leave room for a longer one later.
TRANSFER_SECRET_PATTERN = "[A-Za-z0-9_-]{16,128}"  # noqa: S105 - a pattern, not a secret


class ReferenceConverter:
    regex = f"[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class TransferSecretConverter(ReferenceConverter):
    regex = TRANSFER_SECRET_PATTERN


register_converter(ReferenceConverter, "reference")
register_converter(TransferSecretConverter, "transfer_secret")
