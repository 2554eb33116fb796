"""Review (the newcomer's path), session 21: what a newcomer reads before `make run` and `make
test`. README: "You need Python 3.12 and `make`"; what they can tell make, the runner and the
test run must be written down where they look first."""

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from outings.common.tests.test_operations import ROOT
from outings.common.tests.test_review_session13_ops import READS


def _makefile_variables() -> set[str]:
    """The variables the Makefile takes from its command line or the environment: those it
    gives a default only (`?=`), and those it reads without setting (`$(RUN_ARGS)`)."""
    makefile = (ROOT / "Makefile").read_text()
    defaulted = set(re.findall(r"^([A-Z_]+) \?=", makefile, re.MULTILINE))
    assigned = set(re.findall(r"^(?:export )?([A-Z_]+) :?=", makefile, re.MULTILINE))
    read = set(re.findall(r"\$\(([A-Z_]+)\)", makefile))
    return defaulted | (read - assigned - defaulted)


def test_every_variable_the_makefile_takes_is_in_the_readme():
    """A newcomer whose Python 3.12 is not where the Makefile looks is told "set
    PYTHON=/path/to/python3.12" only once make has failed; UV (another uv) and RUN_ARGS (the
    runner's options, --skip-import among them) were in no document at all."""
    readme = (ROOT / "README.md").read_text()
    variables = _makefile_variables()

    assert {"PYTHON", "UV", "RUN_ARGS", "PYTEST_ARGS", "BENCH_ARGS"} <= variables
    assert sorted(name for name in variables if not re.search(rf"\b{name}=", readme)) == []


def test_every_option_of_the_runner_is_in_the_readme():
    """`make run RUN_ARGS=...` passes them on: --skip-import (no first import of the 28,000
    listings), --host, --port, --web-workers."""
    readme = (ROOT / "README.md").read_text()
    options = set(
        re.findall(
            r'add_argument\(\s*"(--[a-z-]+)"', (ROOT / "outings/common/runner.py").read_text()
        )
    )

    assert "--skip-import" in options
    assert sorted(option for option in options if not re.search(rf"[`\"]{option}\b", readme)) == []


def test_every_variable_the_test_run_reads_is_documented():
    """README's "Testing" section is where a newcomer looks to run the suite on their machine:
    OUTINGS_CHROMIUM (a Chromium not at /usr/bin/chromium, as on macOS) was said only in
    docs/hosting.md's account of one browser test."""
    sources = [
        "conftest.py",
        "tests/browser/chromium.py",
        "tests/browser/conftest.py",
        "tests/leaks.py",
    ]
    indexed = re.compile(r"""os\.environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]""")
    texts = [(ROOT / path).read_text() for path in sources]
    read = {name for text in texts for name in READS.findall(text) + indexed.findall(text)}
    readme = (ROOT / "README.md").read_text()

    assert {"OUTINGS_REQUIRE_SERVICES", "OUTINGS_CHROMIUM"} <= read
    # Set by the tests for themselves, not by whoever runs them.
    read -= {"DJANGO_ALLOW_ASYNC_UNSAFE"}
    assert sorted(name for name in read if not re.search(rf"`{name}[`=]", readme)) == []


def bootstrap_uv(folder: Path, **pip: str) -> subprocess.CompletedProcess[str]:
    """`make`'s uv bootstrap (no uv on the PATH) with a copy of the Makefile in `folder`, pip
    told `pip` (PIP_INDEX_URL=...) besides failing fast."""
    shutil.copy(ROOT / "Makefile", folder / "Makefile")
    return subprocess.run(
        ["make", "var/tools/bin/uv", "UV=var/tools/bin/uv", f"PYTHON={sys.executable}"],
        cwd=folder,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "PIP_RETRIES": "0",
            "PIP_TIMEOUT": "2",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            **pip,
        },
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failed_uv_bootstrap_says_what_to_install_and_leaves_nothing_half_made(tmp_path):
    """Without uv on the PATH, `make run` makes ./var/tools with `python3.12 -m venv` and pip
    installs uv there. On Debian and Ubuntu the venv module's ensurepip is a package of its own
    (python3.12-venv), and pip needs PyPI: either failing ended make with the tool's own error
    and a half-made var/tools. Here PyPI does not answer (a closed local port)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]

    result = bootstrap_uv(tmp_path, PIP_INDEX_URL=f"http://127.0.0.1:{closed}/simple")

    assert result.returncode != 0
    assert (
        f"error: could not bootstrap uv with {sys.executable} (see above): install uv "
        "(https://docs.astral.sh/uv/), or on Debian/Ubuntu: sudo apt-get install python3.12-venv"
    ) in result.stdout, result.stdout + result.stderr
    assert not (tmp_path / "var" / "tools").exists()
