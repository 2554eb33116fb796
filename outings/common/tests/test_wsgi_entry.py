"""The WSGI entry point loads the whole application before the first request, freezes it out of
the garbage collector's sight, and opens no database connection while doing so (gunicorn's
--preload imports it in the master, whose connections the workers would otherwise share)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import gc, json, sys
import config.wsgi
from django.db import connections
print(json.dumps({
    "frozen": gc.get_freeze_count(),
    "tracked": len(gc.get_objects()),
    "api_loaded": "outings.api.routes.search" in sys.modules,
    "pages_loaded": "outings.web.views" in sys.modules,
    "connected": [alias for alias in connections if connections[alias].connection is not None],
}))
"""


def _probe() -> dict[str, object]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/"),
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "SECRET_KEY": "wsgi-entry-test",
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    probe: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return probe


def test_the_wsgi_entry_point_imports_every_view_and_freezes_what_it_loaded():
    probe = _probe()
    # What the first request would have imported is there before it.
    assert probe["api_loaded"] is True
    assert probe["pages_loaded"] is True
    # The application's long-lived objects (well over 100,000) are frozen, so that a full
    # collection no longer walks them; what is still tracked is a small remainder.
    frozen, tracked = probe["frozen"], probe["tracked"]
    assert isinstance(frozen, int)
    assert isinstance(tracked, int)
    assert frozen > 100_000
    assert tracked < frozen // 20
    assert probe["connected"] == []
