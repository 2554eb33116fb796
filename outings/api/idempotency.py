"""Idempotent POSTs: a retried request with the same `Idempotency-Key` never acts twice.

- same key, same request (method, path, body,      -> the first response, replayed byte for byte
  If-Match and If-None-Match when sent)               (and in its language, Content-Language);
  a JSON body is the same when it is the same JSON value: names in any order, any spaces or
  escapes, 2.0 for 2 (a client may build its body again for a retry); an optional body left
  out, or `null`, is the same as `{}` (a POST that takes no body reads one so: NoBody);
- same key, different request                      -> 422 `idempotency_key_reused`;
- same key while the first is still running        -> 409 `idempotency_in_flight`, Retry-After;
- keys are scoped to the caller (the user) and kept API_IDEMPOTENCY_TTL seconds.

Claiming a key is one `INSERT ... ON CONFLICT DO NOTHING RETURNING id`: the unique constraint on
(scope, key) decides the race, so of N concurrent requests exactly one runs the action. The
action and the recording of its response commit in one transaction, so a key is never "done"
without its effect nor the effect without the key. A request that fails with a rule violation
(a DomainError, 4xx) records that answer too; one that crashes releases the key for a retry, and
a key left in flight by a dead process is taken over after API_IDEMPOTENCY_LOCK_SECONDS. A
refusal that says when to retry (Retry-After: a 429) is not recorded either: the key is free for
that retry.

Request validation (body shape, authentication, throttling) happens before the key is claimed,
so a rejected malformed request does not use the key up.

Stored responses are encrypted (Fernet, key derived from SECRET_KEY): a replayed body may carry
a secret, such as a new API token, that must not sit in the database in clear.
"""

import base64
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse, RawPostDataException
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from ninja import Schema

from outings.api.auth import caller
from outings.api.caching import set_no_store
from outings.api.errors import domain_error_response
from outings.api.models import IdempotencyKey
from outings.api.parser import is_json
from outings.common.errors import DomainError

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
KEY_PATTERN = r"^[\x21-\x7e]{1,255}$"  # printable ASCII, no spaces
KEY_DESCRIPTION = (
    "A unique value (e.g. a UUID) naming this attempt. Retrying with the same key and body "
    "replays the first response instead of acting again. Kept 24 hours."
)
REPLAY_HEADER = "Idempotent-Replayed"
EMPTY_OBJECT = b"{}"  # what _canonical_json makes of `{}` and `null`, and of no body at all
CLAIM_ATTEMPTS = 3


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = 422
    message = gettext_noop("This Idempotency-Key was already used with a different request.")


class IdempotencyInFlight(DomainError):
    code = "idempotency_in_flight"
    status_code = 409
    message = gettext_noop(
        "A request with this Idempotency-Key is still being processed; retry shortly."
    )
    retry_after = 1


class IdempotencyReplayUnavailable(DomainError):
    code = "idempotency_replay_unavailable"
    status_code = 409
    message = gettext_noop(
        "The response to this Idempotency-Key can no longer be read; use a new key."
    )


def respond(
    request: HttpRequest,
    *,
    key: str | None,
    status: int,
    schema: type[Schema],
    action: Callable[[], object],
) -> HttpResponse:
    """Run `action` once per key and answer `status` with its result serialised by `schema`.
    Without a key, simply runs it. Call from the handler of an authenticated POST, after ninja
    validated the request. No cache stores the answer (nor its replay): a write's answer is for
    the one who wrote, and it may carry a secret (a new token)."""
    response = _respond(request, key=key, status=status, schema=schema, action=action)
    set_no_store(response)
    return response


def _respond(
    request: HttpRequest,
    *,
    key: str | None,
    status: int,
    schema: type[Schema],
    action: Callable[[], object],
) -> HttpResponse:
    if key is None:
        with transaction.atomic():
            return _render(status, schema, action())
    now = timezone.now()
    scope = f"user:{caller(request).pk}"
    key_id = _claim(scope=scope, key=key, fingerprints=_fingerprints(request), now=now)
    if isinstance(key_id, HttpResponse):
        return key_id  # a replay
    try:
        with transaction.atomic():
            response = _render(status, schema, action())
            _complete(key_id, response)
    except DomainError as exc:
        response = domain_error_response(exc)
        if exc.retry_after is not None:
            # "Retry later" (429 throttled): the retry must act then, not replay this answer.
            IdempotencyKey.objects.filter(pk=key_id).delete()
            return response
        _complete(key_id, response)
        return response
    except BaseException:
        IdempotencyKey.objects.filter(pk=key_id).delete()
        raise
    return response


def sweep_expired_keys(*, now: datetime) -> int:
    """Delete keys past their expiry; the number deleted. The scheduler calls it periodically."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted


def _render(status: int, schema: type[Schema], result: object) -> HttpResponse:
    body = schema.model_validate(result, from_attributes=True).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")


def _fingerprints(request: HttpRequest) -> tuple[str, str]:
    """The fingerprint of this request, then the one a key recorded before the body was
    compared as JSON holds (of the body's bytes as sent; the same as the first for any other
    body), so that a retry across that deploy still gets its answer. The second can go once
    every key recorded before it has expired (API_IDEMPOTENCY_TTL, 24 hours)."""
    try:
        body = request.body
    except RawPostDataException:
        # A multipart upload, which Django parsed from the stream without keeping the body:
        # its fields and its files' names and contents instead.
        return (_fingerprint(request, _multipart_parts(request)),) * 2
    content_type = request.content_type
    if not body:
        # No body, where the body is optional, is read as none given (ninja parses no empty
        # body), as `{}` is: every field left out. One request, so a retry sending the one
        # where the first sent the other gets the first answer (a required body is refused
        # before the key is claimed either way).
        same_json = EMPTY_OBJECT
    elif content_type and is_json(content_type):
        same_json = _canonical_json(body)
    else:
        same_json = body
    return _fingerprint(request, [same_json]), _fingerprint(request, [body])


def _canonical_json(body: bytes) -> bytes:
    """One spelling of the JSON value `body` holds: a retry that writes the same value
    otherwise (names in another order, other spaces or escapes, a byte order mark, 2.0 for 2,
    which the API reads as 2) is the same request. The reader has checked the body already."""
    try:
        value = json.loads(body.decode("utf-8-sig"), parse_float=_number)
        if value is None:
            return EMPTY_OBJECT  # an optional body of null is read as none given, as {} is
        return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON after all: its bytes are what it says
        return body


def _number(text: str) -> float | int:
    number = float(text)
    return int(number) if number.is_integer() else number


def _multipart_parts(request: HttpRequest) -> Iterator[bytes]:
    for name, values in sorted(request.POST.lists()):
        yield json.dumps([name, values]).encode()
    for name, files in sorted(request.FILES.lists()):
        for file in files:
            yield json.dumps([name, file.name, file.size]).encode()
            yield from file.chunks()
            file.seek(0)


def _fingerprint(request: HttpRequest, body: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.path}\n".encode())
    for part in body:
        digest.update(part)
    conditions = [
        f"\n{name}: {request.headers[name]}"
        for name in ("If-Match", "If-None-Match")
        if name in request.headers
    ]
    if not conditions:
        return digest.hexdigest()  # what every fingerprint was before the conditions counted
    # The versions a write is based on (or refuses: If-None-Match, since session 22) are part
    # of what it asks: a retry naming others is another request (422), not the first one's
    # answer (a 412) replayed. Hashed over the digest above (hex digits), which no
    # method-first text without the headers can equal; with If-Match alone, as before.
    return hashlib.sha256((digest.hexdigest() + "".join(conditions)).encode()).hexdigest()


def _claim(
    *, scope: str, key: str, fingerprints: tuple[str, ...], now: datetime
) -> int | HttpResponse:
    """The id of the row this request now owns (recorded with the first of `fingerprints`), or
    the response to replay (to a request with any of them). Raises for a reused key or one
    still in flight."""
    for _attempt in range(CLAIM_ATTEMPTS):
        inserted = _insert(scope=scope, key=key, fingerprint=fingerprints[0], now=now)
        if inserted is not None:
            return inserted
        existing = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if existing is None:
            continue  # completed with a crash and released, or swept: try again
        if existing.expires_at <= now:
            IdempotencyKey.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint not in fingerprints:
            raise IdempotencyKeyReused()
        if existing.state == IdempotencyKey.State.DONE:
            return _replay(existing)
        stale = now - timedelta(seconds=settings.API_IDEMPOTENCY_LOCK_SECONDS)
        if existing.created_at < stale:
            taken = IdempotencyKey.objects.filter(
                pk=existing.pk,
                state=IdempotencyKey.State.IN_FLIGHT,
                created_at=existing.created_at,
            ).update(created_at=now)
            if taken:
                logger.warning("Took over idempotency key %s left in flight", existing.pk)
                return existing.pk
        raise IdempotencyInFlight()
    raise IdempotencyInFlight()


def _insert(*, scope: str, key: str, fingerprint: str, now: datetime) -> int | None:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    expires = now + timedelta(seconds=settings.API_IDEMPOTENCY_TTL)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key, fingerprint, state, response_content_type,"  # noqa: S608 - table name from model meta
            " created_at, expires_at) VALUES (%s, %s, %s, %s, '', %s, %s)"
            " ON CONFLICT (scope, key) DO NOTHING RETURNING id",
            [scope, key, fingerprint, IdempotencyKey.State.IN_FLIGHT, now, expires],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _complete(key_id: int, response: HttpResponse) -> None:
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = %s, response_status = %s, response_content_type = %s,"  # noqa: S608 - table name from model meta
            " response_language = %s, response_body = %s WHERE id = %s",
            [
                IdempotencyKey.State.DONE,
                response.status_code,
                response["Content-Type"],
                # What the body was rendered in; LocaleMiddleware says it on the way out.
                translation.get_language() or "",
                _fernet().encrypt(response.content),
                key_id,
            ],
        )


def _replay(record: IdempotencyKey) -> HttpResponse:
    try:
        body = _fernet().decrypt(bytes(record.response_body or b""))
    except InvalidToken as exc:
        raise IdempotencyReplayUnavailable() from exc
    response = HttpResponse(
        body,
        status=record.response_status or 200,
        content_type=record.response_content_type or "application/json",
    )
    response[REPLAY_HEADER] = "true"
    if record.response_language:
        # The first answer's language (LocaleMiddleware leaves a Content-Language it finds).
        response["Content-Language"] = record.response_language
    return response


def _fernet() -> MultiFernet:
    return _fernet_of((settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])))


@cache
def _fernet_of(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(_derive(secret)) for secret in secrets])


def _derive(secret: str) -> bytes:
    digest = hashlib.sha256(f"outings.api.idempotency:{secret}".encode()).digest()
    return base64.urlsafe_b64encode(digest)
