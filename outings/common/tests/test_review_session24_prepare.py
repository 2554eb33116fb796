"""Review (operations), session 24: `manage.py prepare` (each deploy/Procfile process's start)
and `make run` collect the static files into STATIC_ROOT first. A STATIC_ROOT this user cannot
create or write to (a path under a file, a folder of root's) ended the start in collectstatic's
traceback (FileNotFoundError, NotADirectoryError, PermissionError), naming neither the variable
nor what to do, where README promises one line naming it."""

import subprocess
from pathlib import Path

import pytest

from outings.common.tests.test_operations import PY, ROOT, _env
from tests.live_gunicorn import served_database_url

pytestmark = pytest.mark.django_db


def _prepare(tmp_path: Path, static_root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "manage.py", "prepare"],
        cwd=ROOT,
        env=_env(
            DATABASE_URL=served_database_url(),
            SECRET_KEY="prepare-tests",
            OUTINGS_VAR_DIR=str(tmp_path / "var"),
            STATIC_ROOT=str(static_root),
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_static_root_that_cannot_be_made_stops_prepare_naming_it(tmp_path):
    (tmp_path / "a-file").write_text("")
    static_root = tmp_path / "a-file" / "static"

    result = _prepare(tmp_path, static_root)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"CommandError: STATIC_ROOT: cannot collect the static files into {static_root}: "
        "Not a directory"
    ]
