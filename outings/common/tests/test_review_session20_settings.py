"""Review (session 20): SITE_URL and API_CORS_ALLOWED_ORIGINS were checked for a scheme and a
host, but an address that urllib cannot read (an IPv6 host left open, "http://[::1") stopped
the start with a bare ValueError naming no variable, and a port that is no port
("https://outings.example.org:99999", ":abc") started: every link in mail led nowhere, and no
browser's Origin matched the CORS entry, silently. Each now stops the start naming it."""

import pytest

from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

BAD_ADDRESSES = [
    "http://[::1",
    "https://outings.example.org:99999",
    "https://outings.example.org:abc",
]


@pytest.mark.parametrize("value", BAD_ADDRESSES)
def test_a_site_url_urllib_cannot_read_stops_the_start_naming_it(value: str) -> None:
    refusal = _refusal(_start(**SERVICES, SITE_URL=value))

    assert refusal == f"SITE_URL must be an http:// or https:// address, not {value!r}"


@pytest.mark.parametrize("origin", BAD_ADDRESSES)
def test_a_cors_origin_urllib_cannot_read_stops_the_start_naming_it(origin: str) -> None:
    refusal = _refusal(_start(**SERVICES, API_CORS_ALLOWED_ORIGINS=f"https://a.example,{origin}"))

    assert refusal == (
        "API_CORS_ALLOWED_ORIGINS must list origins such as https://app.example.org "
        f"(a scheme and a host, no path), not {origin!r}"
    )


def test_an_ipv6_site_url_with_a_port_starts() -> None:
    started = _start(
        **SERVICES, SITE_URL="http://[::1]:8000", API_CORS_ALLOWED_ORIGINS="http://[::1]:3000"
    )

    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"
