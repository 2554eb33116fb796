import socket

import pytest

from outings.common.preflight import (
    PreflightError,
    check_database_url,
    check_environment,
    check_port_free,
    check_redis_url,
)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/db", "DATABASE_URL must start with postgres:// or postgresql://"),
        ("not a url", "DATABASE_URL is malformed"),
        ("postgres://user@host:notaport/db", "DATABASE_URL is malformed"),
        ("postgres:///", "DATABASE_URL is malformed"),
    ],
)
def test_a_malformed_database_url_is_named_in_one_line(url, message):
    with pytest.raises(PreflightError) as error:
        check_database_url(url)

    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_an_unreachable_database_is_named_with_its_address():
    with pytest.raises(PreflightError) as error:
        check_database_url("postgres://nobody@127.0.0.1:1/outings")

    assert str(error.value).startswith("DATABASE_URL: cannot connect to 127.0.0.1:1: ")
    assert "\n" not in str(error.value)


def test_an_unreachable_redis_is_named():
    with pytest.raises(PreflightError, match=r"^REDIS_URL: cannot reach Redis"):
        check_redis_url("redis://127.0.0.1:1/0")


def test_the_services_profile_requires_a_secret_key():
    with pytest.raises(PreflightError, match="SECRET_KEY must be set"):
        check_environment({"DATABASE_URL": "postgres://u@127.0.0.1:1/db"})


def test_a_port_in_use_is_named_with_its_variable():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]

        with pytest.raises(PreflightError, match=rf"^OUTINGS_PORT: 127.0.0.1:{port} is already"):
            check_port_free("127.0.0.1", port, "OUTINGS_PORT")
