"""Review (session 24): under `make run` every visitor had one address, the front's.

The embedded profile serves the site from one address: `config.front` (uvicorn) proxies HTTP to
gunicorn on 127.0.0.1 and told it nothing of who asked, so gunicorn's REMOTE_ADDR was 127.0.0.1
for every request. The API's anonymous budget (API_THROTTLE_ANON, per address) was then one
budget for everyone: a site served to others (OUTINGS_HOST=0.0.0.0, a workshop, a demo on a
small server) answered every anonymous API call `429 throttled` once any visitors together had
made 120 in a minute, and allauth's log-in limits (the same address,
outings.common.proxies.client_ip) refused everyone's log-in after ten failed ones by anybody.

Now the front appends the address it was asked from to X-Forwarded-For, as deploy/nginx.conf
does, and the runner tells gunicorn to trust one more proxy than API_TRUSTED_PROXIES says are in
front of the site. The real runner here (embedded PostgreSQL, no catalogue), asked from two
loopback addresses of this machine.
"""

import http.client
from collections.abc import Sequence
from pathlib import Path

from outings.common.tests.test_review_session21_run import (
    _ctrl_c,
    _runner_environment,
    _start,
    _stop,
    linux_only,
    scratch_var,  # noqa: F401 - the fixture
)


def _status(port: int, *, source: str, forwarded: str | None = None) -> int:
    """The status of an anonymous API read asked from the address `source`."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=30, source_address=(source, 0)
    )
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    try:
        connection.request("GET", "/api/v1/categories", headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def _served(
    scratch: Path, asked: Sequence[tuple[str, str | None]], **environment: str
) -> list[int]:
    """The statuses of anonymous reads, each asked from an address (and with an
    X-Forwarded-For, if any), of a runner whose anonymous budget is two a day."""
    settings, port = _runner_environment(scratch)
    settings.update(API_THROTTLE_ANON="2/day", **environment)
    runner, output = _start(settings, port)
    try:
        statuses = [
            _status(port, source=source, forwarded=forwarded) for source, forwarded in asked
        ]
        _ctrl_c(runner, output)
    finally:
        _stop(runner)
    return statuses


@linux_only
def test_make_run_counts_each_visitor_against_their_own_address(scratch_var):  # noqa: F811
    asked = [
        *[("127.0.0.2", None)] * 3,
        ("127.0.0.2", "198.51.100.7"),  # the same visitor, naming another address
        ("127.0.0.3", None),  # another visitor
    ]

    statuses = _served(scratch_var, asked)

    assert statuses[:3] == [200, 200, 429]
    assert statuses[3] == 429  # a visitor cannot pick the address it is counted by
    assert statuses[4] == 200  # another visitor's budget is their own


@linux_only
def test_behind_a_proxy_of_its_own_make_run_counts_the_visitor_the_proxy_names(
    scratch_var,  # noqa: F811
):
    """The control: API_TRUSTED_PROXIES=1, a proxy (127.0.0.2) in front of `make run` that
    appends its visitors' addresses. Each visitor is counted by the address the proxy wrote,
    as before, not by the proxy's."""
    asked = [*[("127.0.0.2", "198.51.100.1")] * 3, ("127.0.0.2", "198.51.100.2")]

    statuses = _served(scratch_var, asked, API_TRUSTED_PROXIES="1")

    assert statuses == [200, 200, 429, 200]
