"""Review (operations), session 13, second pass: what an operator running several app servers,
a load balancer and the management commands meets. Each test proves one defect."""

import argparse
import shlex
from pathlib import Path

import pytest
from gunicorn.config import Config

from outings.common import runner
from tests.live_gunicorn import live_gunicorn

ROOT = Path(__file__).resolve().parents[3]


# --- gunicorn's control socket ----------------------------------------------------------------
# gunicorn 25.1+ opens a control socket (for `gunicornc`) at one path per user:
# $XDG_RUNTIME_DIR/gunicorn.ctl, else ~/.gunicorn/gunicorn.ctl. A second server on the machine
# (two app servers, the bench's or a test's next to `make run`) unlinks the first one's socket
# and takes the path; the first to stop unlinks the other's, and `gunicornc` then drives
# whichever server holds the path, not the one its operator meant.


def _gunicorn_settings(argv: list[str]) -> Config:
    """The settings gunicorn itself reads from the command line `argv` (`gunicorn ARGS...`)."""
    config = Config()
    arguments = config.parser().parse_args(argv[argv.index("gunicorn") + 1 :])
    for name, value in vars(arguments).items():
        if value is not None and name in config.settings:
            config.set(name.lower(), value)
    return config


def _procfile_command(name: str) -> list[str]:
    for line in (ROOT / "deploy" / "Procfile").read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1].replace("${WEB_CONCURRENCY:-4}", "4"))
    raise AssertionError(f"no {name} in deploy/Procfile")


def test_make_runs_gunicorn_opens_no_control_socket_at_the_shared_path():
    args = argparse.Namespace(host="127.0.0.1", port=8000, web_workers=1)

    assert _gunicorn_settings(runner._processes(args)["web"]).control_socket_disable


def test_the_procfiles_gunicorn_opens_no_control_socket_at_the_shared_path():
    assert _gunicorn_settings(_procfile_command("web")).control_socket_disable


@pytest.mark.django_db(transaction=True)
def test_a_test_or_bench_gunicorn_leaves_the_users_control_socket_alone(tmp_path):
    home = tmp_path / "home"
    home.mkdir()

    with live_gunicorn(log=tmp_path / "web.log", workers=1, env={"HOME": str(home)}) as server:
        assert server.pid

        assert not (home / ".gunicorn").exists()
