"""The headers of the OpenAPI document: what ninja cannot infer from a handler's signature.

The conditional reads (their 304 is declared) take If-None-Match and answer an ETag, the others its
`*` (a 304 without an ETag), and every read takes If-Match (412 when the answer is at none of its
tags); the edits that take If-Match answer the new ETag and compare If-None-Match's tags with the
record's version, every other write declares the If-Match it refuses (412: what it changes has no
ETag), every write the `If-None-Match: *` it refuses (412); a 429 says when to retry, as does a 409
of an operation that takes an Idempotency-Key (the first request is still running), whose success
or refusal may be a replay; a 401 names the scheme; an operation that reads a JSON body may answer
415 (a body not declared as JSON: outings.api.parser) in the error shape; every operation may
answer 413 and 400 (a Content-Length above the limit, or not a number: outings.api.middleware), the
routes never declaring 413 themselves; an upload's 413 and 415 may be replays (its files are
checked once the key is claimed). Added to the document ninja generates, from the responses and
parameters each operation already declares, so that a new operation is described by declaring its
statuses as usual (docs/api.md, "Adding an endpoint")."""

import copy
from typing import Any

from outings.api import idempotency
from outings.api.errors import ErrorOut

STRING = {"type": "string"}
ETAG = {
    "description": "The state this answer shows; send it back as If-None-Match or If-Match.",
    "schema": STRING,
    "required": True,
}
RETRY_AFTER = {
    "description": "Seconds to wait before trying again.",
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}
REPLAYED = {
    "description": "`true` when this is the recorded answer to an earlier request with the "
    "same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
# Answered before an Idempotency-Key is claimed (authentication, CSRF, the body's size and type,
# the throttle), or the key's own refusal (422): never the replay of a recorded answer.
NEVER_REPLAYED = {"401", "403", "413", "415", "422", "429"}
ERROR_CONTENT = {
    "application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorOut.__name__}"}}
}
UNSUPPORTED_MEDIA_TYPE = {
    "description": "Unsupported Media Type: the body is not declared as application/json (in "
    "UTF-8: no other charset).",
    "content": ERROR_CONTENT,
}
# ApiRequestMiddleware answers these from the Content-Length alone, before any route runs, to every
# request under /api/ whatever its method (a GET that announces a body is refused as a POST is).
BODY_REFUSALS = {
    400: {
        "description": "Bad Request (the Content-Length is not a number, or the query string "
        "is not UTF-8).",
        "content": ERROR_CONTENT,
    },
    413: {
        "description": "Payload Too Large: the Content-Length is above the limit.",
        "content": ERROR_CONTENT,
    },
}
MULTIPART = "multipart/form-data"
FILE_TOO_LARGE = (
    "Payload Too Large: the Content-Length is above the limit, or a file is larger than its own."
)
WWW_AUTHENTICATE = {"description": "The scheme to authenticate with.", "schema": STRING}
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of answers you hold: 304 without a body while one of them is current.",
    "schema": STRING,
}
# A read without an ETag (none declares its 304) answers `If-None-Match: *` all the same
# (RFC 9110 13.1.2): outings.api.middleware with outings.api.caching.exists_for_none_match.
IF_NONE_MATCH_STAR = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "* (only if there is none): 304 without a body, since there always is one. "
    "This answer has no ETag: an entity tag here names nothing, and it is answered in full.",
    "schema": STRING,
}
NOT_MODIFIED_STAR = {"description": "Not Modified: If-None-Match is *."}
# A write whose handler takes no If-Match (what it changes has no ETag) evaluates it all the
# same: outings.api.caching.evaluate_preconditions.
NO_ETAG_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "What this request changes has no ETag: an entity tag here is refused with "
    "412 and nothing changes; * asks for nothing.",
    "schema": STRING,
}
# Every write refuses `If-None-Match: *` (what it changes exists): the same function. An entity
# tag there is compared by a write on a versioned record (one that takes If-Match), and names
# nothing that the others change.
IF_NONE_MATCH_WRITE = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "* (only if there is none yet) is refused with 412 and nothing changes: "
    "what this request changes exists.",
    "schema": STRING,
}
IF_NONE_MATCH_VERSIONED = {
    **IF_NONE_MATCH_WRITE,
    "description": "* (only if there is none yet) is refused with 412, as is an ETag of the "
    "record as it is (compared weakly: only if it changed since), and nothing changes.",
}
# Every read evaluates If-Match too (RFC 9110 13.1.1), once its answer is known:
# outings.api.middleware with outings.api.caching.read_precondition_failed.
IF_MATCH_READ = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "ETags: 412 unless the answer is at one of them (compared strongly; a read "
    "without an ETag is at none); * asks for nothing.",
    "schema": STRING,
}
READ_PRECONDITION_FAILED = {
    "description": "Precondition Failed: If-Match names no entity tag the answer is at.",
    "content": ERROR_CONTENT,
}
PRECONDITION_FAILED = {
    "description": "Precondition Failed: If-Match names an entity tag and what this request "
    "changes has none, or If-None-Match is * and it exists.",
    "content": ERROR_CONTENT,
}


def describe_headers(document: dict[str, Any]) -> None:
    """Declare, in place, the headers the operations of `document` send and read."""
    for item in document["paths"].values():
        for method, operation in item.items():
            _describe(method, operation)


def _describe(method: str, operation: dict[str, Any]) -> None:
    # ninja keys the responses by int until the document is serialised.
    responses: dict[str, Any] = {
        str(status): value for status, value in operation["responses"].items()
    }
    parameters: list[dict[str, Any]] = operation.setdefault("parameters", [])
    headers = {p["name"] for p in parameters if p["in"] == "header"}
    success = [status for status in responses if status.startswith("2") and status != "204"]
    if "304" in responses:
        parameters.append(IF_NONE_MATCH)
        for status in ("304", *success):
            _add(responses[status], "ETag", ETAG)
    elif method == "get":
        parameters.append(IF_NONE_MATCH_STAR)
        operation["responses"][304] = copy.deepcopy(NOT_MODIFIED_STAR)
    if "If-Match" in headers and idempotency.HEADER not in headers:
        # An edit answers the new ETag. A state change (a POST with an Idempotency-Key, whose
        # replay is the first answer's body alone) gives the new version in its body only.
        for status in success:
            _add(responses[status], "ETag", ETAG)
    if idempotency.HEADER in headers:
        # A rule's refusal is recorded and replayed as a success is; what is answered before
        # the key is claimed (or is the key's own refusal) never is.
        for status in responses:
            if status not in NEVER_REPLAYED and status != "204":
                _add(responses[status], idempotency.REPLAY_HEADER, REPLAYED)
        if "409" in responses:
            _add(responses["409"], "Retry-After", RETRY_AFTER)
    if method == "get":
        if "If-Match" not in headers:
            parameters.append(IF_MATCH_READ)
        operation["responses"].setdefault(412, copy.deepcopy(READ_PRECONDITION_FAILED))
    else:
        # After the replay headers above: refused before any key is claimed, never a replay
        # (an If-Match a handler compares itself may be, and its 412 says so).
        if "If-Match" in headers:
            parameters.append(IF_NONE_MATCH_VERSIONED)
        else:
            parameters.append(IF_NONE_MATCH_WRITE)
            parameters.append(NO_ETAG_IF_MATCH)
        operation["responses"].setdefault(412, copy.deepcopy(PRECONDITION_FAILED))
    if "429" in responses:
        _add(responses["429"], "Retry-After", RETRY_AFTER)
    if "401" in responses:
        _add(responses["401"], "WWW-Authenticate", WWW_AUTHENTICATE)
    if "application/json" in operation.get("requestBody", {}).get("content", {}):
        operation["responses"].setdefault(415, UNSUPPORTED_MEDIA_TYPE)
    for refused, refusal in BODY_REFUSALS.items():
        # After the headers above: one an operation declares itself keeps its own (a 400 that
        # may be a replay says so); these are never replays.
        if str(refused) not in responses:
            operation["responses"][refused] = copy.deepcopy(refusal)
    if MULTIPART in operation.get("requestBody", {}).get("content", {}):
        # An upload's files are checked by their content once its key is claimed (a photo's
        # type and size: outings.catalog.photos.images), so those refusals are recorded and
        # replayed as a rule's are.
        operation["responses"][413]["description"] = FILE_TOO_LARGE
        if idempotency.HEADER in headers:
            for checked in (413, 415):
                _add(operation["responses"][checked], idempotency.REPLAY_HEADER, REPLAYED)


def _add(response: dict[str, Any], name: str, header: dict[str, Any]) -> None:
    response.setdefault("headers", {})[name] = header
