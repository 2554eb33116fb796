"""Review (operations), session 24: README, "a value it cannot use stops the start with an
ImproperlyConfigured naming the variable". ALLOWED_HOSTS was read as any text: an entry Django
can never match a request's host with (an address with its scheme, as CSRF_TRUSTED_ORIGINS and
SITE_URL are written; a host with its port; a path) or none at all started the server, whose
/health/ready (answered before Django looks at the host) told the load balancer all was well,
while every page and API call answered 400 Bad Request."""

import pytest

from outings.common.tests.test_operations import _env, _settings
from outings.common.tests.test_review_session13_ops import SERVICES, _refusal, _start

HOSTS_REFUSED = (
    "ALLOWED_HOSTS must list host names such as outings.example.org (.example.org for it and "
    "its subdomains, an IP address, [::1], or *), without a scheme, a port or a path, not "
)


@pytest.mark.parametrize(
    "value",
    [
        "https://outings.example.org",
        "outings.example.org:443",
        "outings.example.org/",
        "outings.example.org, http://10.0.0.11:8000",
        "[::1]:8000",
        "outings example.org",
    ],
)
def test_a_host_no_request_can_match_stops_the_start_naming_it(value):
    bad = value.split(", ")[-1]

    assert _refusal(_start(**SERVICES, ALLOWED_HOSTS=value)) == HOSTS_REFUSED + repr(bad)


@pytest.mark.parametrize("value", ["", " , "])
def test_no_host_at_all_stops_the_start_naming_it(value):
    """Without DEBUG, Django answers 400 to every request when ALLOWED_HOSTS is empty."""
    assert _refusal(_start(**SERVICES, ALLOWED_HOSTS=value)) == (
        "ALLOWED_HOSTS must name at least one host the site is served by, such as "
        "outings.example.org"
    )


def test_every_form_of_host_django_matches_starts():
    hosts = "Outings.Example.org, .example.net, 10.0.0.11, [::1], [2001:db8::1], localhost., *"

    assert _settings(_env(**SERVICES, ALLOWED_HOSTS=hosts), "settings.ALLOWED_HOSTS") == [
        "Outings.Example.org",
        ".example.net",
        "10.0.0.11",
        "[::1]",
        "[2001:db8::1]",
        "localhost.",
        "*",
    ]
