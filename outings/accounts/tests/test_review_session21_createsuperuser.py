"""Review (session 21): `manage.py createsuperuser` with an address another account has ended in
a traceback (IntegrityError on the index of lower(email), accounts 0009, raised by the INSERT
after every question was answered), or, for an address another account has among allauth's
addresses, made a second account with it. Our command (outings/accounts/management/commands/
createsuperuser.py) refuses it with one line naming the account: as --email or
DJANGO_SUPERUSER_EMAIL (status 1, nothing made), and when typed it asks again."""

import os
import pty
import select
import subprocess
import time

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command
from django.db import connection

from outings.accounts.models import User
from outings.catalog.tests.factories import UserFactory
from outings.common.tests.test_operations import PY, ROOT, SERVER_URL, _env

TAKEN = "Another account (bee) has this address."


@pytest.fixture
def bee() -> User:
    return UserFactory.create(username="bee", email="bee@example.org")


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["bee@example.org", "Bee@Example.ORG"])
def test_a_taken_address_given_as_an_option_is_a_clear_error(bee, typed):
    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", interactive=False, username="root", email=typed)

    assert str(refused.value) == TAKEN
    assert not User.objects.filter(username="root").exists()


@pytest.mark.django_db
def test_an_address_another_account_has_among_its_addresses_is_refused(bee):
    EmailAddress.objects.create(user=bee, email="bee.work@example.org", verified=False)

    with pytest.raises(CommandError) as refused:
        call_command(
            "createsuperuser", interactive=False, username="root", email="bee.work@example.org"
        )

    assert str(refused.value) == TAKEN
    assert not User.objects.filter(username="root").exists()


@pytest.mark.django_db
def test_a_taken_address_from_the_environment_is_a_clear_error(bee, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_EMAIL", "BEE@example.org")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-pass-phrase-7")

    with pytest.raises(CommandError) as refused:
        call_command("createsuperuser", interactive=False, username="root")

    assert str(refused.value) == TAKEN
    assert not User.objects.filter(username="root").exists()


@pytest.mark.django_db
def test_a_free_address_still_makes_the_superuser(bee):
    call_command("createsuperuser", interactive=False, username="root", email="Root@Example.org")

    root = User.objects.get(username="root")
    assert (root.email, root.is_superuser, root.is_staff) == ("root@example.org", True, True)


def _read_until(fd: int, text: str, seconds: float = 30) -> str:
    seen = ""
    deadline = time.monotonic() + seconds
    while text not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                seen += os.read(fd, 4096).decode()
            except OSError:  # the command ended
                break
    return seen


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not SERVER_URL, reason="needs a PostgreSQL server in DATABASE_URL")
def test_a_taken_address_typed_at_the_prompt_is_asked_again(bee, tmp_path):
    """In a terminal (a pty): the address typed is refused at once and asked for again, before
    the password; it was taken, and then the INSERT's traceback."""
    base = SERVER_URL.partition("?")[0].rpartition("/")[0]
    env = _env(
        DATABASE_URL=f"{base}/{connection.settings_dict['NAME']}",
        SECRET_KEY="k",
        OUTINGS_VAR_DIR=str(tmp_path),
    )
    controller, terminal = pty.openpty()
    command = subprocess.Popen(
        [PY, "manage.py", "createsuperuser", "--username", "root"],
        cwd=ROOT,
        env=env,
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        start_new_session=True,
    )
    os.close(terminal)
    try:
        assert "Email address:" in _read_until(controller, "Email address:")
        os.write(controller, b"Bee@Example.org\n")
        answer = _read_until(controller, "Email address:")
        assert f"Error: {TAKEN}" in answer, answer
        assert answer.rstrip().endswith("Email address:"), answer
    finally:
        command.kill()
        command.wait(timeout=10)
        os.close(controller)
    assert not User.objects.filter(username="root").exists()
