"""Review (operations), session 22: what `make run` bootstraps, and where the test run finds
Chromium. Each test proves one defect, or guards its fix."""

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from outings.common.tests.test_operations import ROOT
from outings.common.tests.test_review_session21_docs import bootstrap_uv
from tests.browser import chromium, conftest

# What a package index serves for uv: the pinned release and a later one (the files
# themselves are not there: which one pip asks for is the answer).
LATER = "99.0.0"


def _pinned_uv() -> str:
    found = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert found, "the Makefile pins no uv (UV_VERSION := ...)"
    return found.group(1)


class _Index(http.server.BaseHTTPRequestHandler):
    """A package index (PEP 503) whose uv page lists two releases; it records every path
    asked for."""

    asked: list[str]
    releases: list[str]

    def do_GET(self) -> None:
        self.asked.append(self.path)
        if self.path.rstrip("/") != "/simple/uv":
            self.send_error(404)
            return
        links = "".join(
            f'<a href="/files/uv-{version}-py3-none-any.whl">uv-{version}-py3-none-any.whl</a>'
            for version in self.releases
        )
        body = f"<html><body>{links}</body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def index() -> Iterator[tuple[str, list[str]]]:
    """A local package index's URL, and the paths pip asked it for."""
    asked: list[str] = []
    handler = type("Index", (_Index,), {"asked": asked, "releases": [_pinned_uv(), LATER]})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple", asked
    finally:
        server.shutdown()
        server.server_close()


def test_the_uv_bootstrap_installs_the_pinned_release(tmp_path, index):
    """Without uv on the PATH, `make run` bootstraps it into ./var/tools with pip, which took
    whatever release the index had that day: a checkout made today bootstrapped another uv
    tomorrow, and one that no longer read the committed uv.lock (or read it otherwise) broke
    `make run` with nothing changed in the checkout. The Makefile names the release
    (UV_VERSION), and pip asks the index for it, not for a later one."""
    url, asked = index

    # Not this machine's own indexes and wheel folders (its pip configuration).
    result = bootstrap_uv(tmp_path, PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL=url)

    said = result.stdout + result.stderr
    assert result.returncode != 0, said  # the index has no files to give
    wheels = [path for path in asked if path.startswith("/files/")]
    assert wheels == [f"/files/uv-{_pinned_uv()}-py3-none-any.whl"], said


def test_the_readme_names_the_pinned_uv_and_where_it_is_set():
    readme = (ROOT / "README.md").read_text()

    assert f"[uv](https://docs.astral.sh/uv/) {_pinned_uv()} into" in readme
    assert "`UV_VERSION` in the `Makefile`" in readme


def _install_system_packages(tmp_path: Path, *, on_path: bool, chromium: Path) -> str:
    """scripts/install-system-packages.sh with OUTINGS_CHROMIUM=`chromium`, a `chromium` on
    its PATH or none, the other tools it looks for, and no apt-get (it installs nothing, and
    says what it would): what it says on stderr."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("bash", "msgfmt", "curl", "id", "dirname"):
        found = shutil.which(tool)
        assert found, f"{tool} is not on this machine"
        (tools / tool).symlink_to(found)
    (tools / "python3").symlink_to(sys.executable)
    if on_path:
        (tools / "chromium").symlink_to(shutil.which("true") or "/bin/true")
    result = subprocess.run(
        [str(tools / "bash"), str(ROOT / "scripts" / "install-system-packages.sh")],
        cwd=tmp_path,
        env={"PATH": str(tools), "HOME": str(tmp_path), "OUTINGS_CHROMIUM": str(chromium)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_the_system_packages_script_looks_for_the_chromium_the_tests_launch(tmp_path):
    """The script looked for `chromium` on the PATH, the browser tests launch
    OUTINGS_CHROMIUM or /usr/bin/chromium: with one on the PATH elsewhere (a snap, ~/bin) the
    script was content, and the browser tests then skipped, or failed with
    OUTINGS_REQUIRE_SERVICES=1, for want of the one they look for."""
    said = _install_system_packages(tmp_path, on_path=True, chromium=tmp_path / "no-chromium")

    assert said.splitlines() == [
        f"please install: chromium (the browser tests launch {tmp_path / 'no-chromium'}, "
        "which is missing: set OUTINGS_CHROMIUM to a Chromium or Chrome executable)"
    ]


def test_the_system_packages_script_takes_the_chromium_outings_chromium_names(tmp_path):
    """The other way round: a Chrome that OUTINGS_CHROMIUM names (macOS, a Chrome outside the
    PATH) is what the tests launch, and the script asked for a `chromium` nonetheless."""
    chrome = tmp_path / "chrome"
    chrome.write_text("#!/bin/sh\n")
    chrome.chmod(0o755)

    assert _install_system_packages(tmp_path, on_path=False, chromium=chrome) == ""


def test_the_browser_tests_launch_the_chromium_the_script_looks_for(monkeypatch, tmp_path):
    """One place says where Chromium is (tests/browser/chromium.py): the script runs it, the
    browser tests' conftest imports it."""
    assert chromium.executable() == conftest.CHROMIUM
    assert chromium.DEFAULT == "/usr/bin/chromium"  # Debian's package: what the script installs
    monkeypatch.setenv("OUTINGS_CHROMIUM", str(tmp_path / "chrome"))
    printed = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "browser" / "chromium.py")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout

    assert printed == f"{tmp_path / 'chrome'}\n"
    assert chromium.executable() == tmp_path / "chrome"
