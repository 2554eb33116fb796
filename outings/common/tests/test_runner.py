import subprocess
import sys
from pathlib import Path

from outings.common.runner import _acquire_lock
from outings.common.tests.test_review_session10 import _free_port_pair

ROOT = Path(__file__).resolve().parents[3]


def test_the_run_lock_is_exclusive_and_released_when_its_holder_dies(tmp_path):
    path = tmp_path / "run.lock"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; sys.path.insert(0, sys.argv[1]);"
            "from pathlib import Path; from outings.common.runner import _acquire_lock;"
            "h = _acquire_lock(Path(sys.argv[2])); print('locked', flush=True); time.sleep(60)",
            str(ROOT),
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        assert _acquire_lock(path) is None
        assert path.read_text() == str(holder.pid)
    finally:
        holder.kill()
        holder.wait()

    # A crashed run leaves nothing that blocks the next one.
    handle = _acquire_lock(path)
    assert handle is not None
    handle.close()


def test_a_malformed_database_url_stops_the_runner_with_one_line(tmp_path):
    result = subprocess.run(
        # A free pair (the front's and gunicorn's): port 0 is refused since session 20.
        [sys.executable, "-m", "outings.common.runner", "--port", str(_free_port_pair())],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": "mysql://x@y/z",
            "SECRET_KEY": "k",
            "OUTINGS_VAR_DIR": str(tmp_path),
        },
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: DATABASE_URL must start with postgres:// or postgresql://, not 'mysql'://"
    ]
