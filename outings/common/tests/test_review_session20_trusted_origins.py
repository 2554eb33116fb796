"""Review (session 20): CSRF_TRUSTED_ORIGINS was read as it came. Django checks that each origin
has a scheme in `manage.py check` only, which a start may not run before serving (gunicorn,
`make run`'s servers): `outings.example.org` without a scheme, or an origin with a path, matched
no browser's Origin, and every form posted from that origin was refused 403, with nothing said
at the start. Each origin is now checked when the settings load, as SITE_URL and
API_CORS_ALLOWED_ORIGINS are."""

import pytest

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start


@pytest.mark.parametrize(
    "origin",
    [
        "outings.example.org",
        "//outings.example.org",
        "ftp://outings.example.org",
        "https://",
        "https://outings.example.org/",
        "https://outings.example.org/accounts",
        "https://outings.example.org?next=1",
        "https://outings.example.org:port",
        "https://*",
        "https://outings.*.org",
    ],
)
def test_a_trusted_origin_that_no_browser_sends_stops_the_start(origin: str) -> None:
    refusal = _refusal(_start(**SERVICES, CSRF_TRUSTED_ORIGINS=f"https://a.example,{origin}"))

    assert refusal == (
        "CSRF_TRUSTED_ORIGINS must list origins such as https://outings.example.org (a scheme "
        "and a host, a port if any, no path; https://*.example.org for its subdomains), "
        f"not {origin!r}"
    )


def test_trusted_origins_with_a_port_or_for_subdomains_start_as_listed() -> None:
    env = _env(
        **SERVICES,
        CSRF_TRUSTED_ORIGINS=" https://outings.example.org:8443, http://*.example.org ,",
    )

    assert _settings(env, "settings.CSRF_TRUSTED_ORIGINS") == [
        "https://outings.example.org:8443",
        "http://*.example.org",
    ]
