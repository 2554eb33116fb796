"""Where the browser tests' Chromium is: the executable OUTINGS_CHROMIUM names, else Debian's
`chromium` package's. The one place that says so: tests/browser/conftest.py launches
`executable()`, and scripts/install-system-packages.sh runs this file (it prints the path) to
see whether that executable is there. Standard library only: the script runs before `.venv`
exists, with the system's python3."""

import os
from pathlib import Path

DEFAULT = "/usr/bin/chromium"


def executable() -> Path:
    return Path(os.environ.get("OUTINGS_CHROMIUM") or DEFAULT)


if __name__ == "__main__":
    print(executable())
