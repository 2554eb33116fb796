"""PATCH /me refuses a name with a line break, a control character or a bidirectional override
(accounts.services.NOT_IN_A_NAME, session 22), but the OpenAPI document did not say so, and
schemathesis' positive cases sent such names and met the 400 ("schema-valid request
rejected"). The document's pattern for a person's name now says what the service refuses; this
keeps the two the same."""

import re

from outings.accounts.services import NOT_IN_A_NAME
from outings.api.schemas import NAME_PATTERN


def test_the_documented_name_pattern_refuses_what_the_service_refuses() -> None:
    pattern = re.compile(NAME_PATTERN)
    for code in [*range(0x3000), 0xFEFF, 0xFFFD, 0x1F600]:
        character = chr(code)
        refused = NOT_IN_A_NAME.search(character) is not None
        assert (pattern.fullmatch(f"a{character}b") is None) == refused, hex(code)


def test_the_document_gives_the_names_their_pattern(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    found = [value for key, value in _walk(document) if key == "pattern" and value == NAME_PATTERN]
    assert len(found) >= 2  # first_name and last_name of PATCH /me


def _walk(node: object):
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)
