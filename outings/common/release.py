"""Which release this process runs, named once when it starts (outings.common.apps).

Part of every cache key whose value the code renders or shapes (whole pages, the "more like
this" fragment, anonymous searches: docs/caching.md), so that a deploy makes new keys: until
session 24 a deploy that changed templates, Python or translations but no static file kept the
keys, its servers served the old release's pages until their window ended (120 s), its cache
warming found them and rendered nothing, and in a rolling deploy the servers of both releases
read each other's pages.

`RELEASE` (the deploy's commit, a tag: any name that differs between releases) names it; unset,
a digest of what a page depends on in the checkout: the project's Python, templates and
compiled translations (tests left out) and the locked dependencies, read by content, never by
date, so that every server of one release names it alike (about 0.1 s, once, at start).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from django.conf import settings

# What the rendered output depends on, under the project's root.
_TREES = ("config", "outings", "templates", "locale", "locale_overrides")
_SUFFIXES = frozenset({".py", ".html", ".txt", ".mo"})
_SKIPPED = frozenset({"tests", "__pycache__"})
_FILES = ("uv.lock",)

_identity = ""


def start() -> None:
    """Name this process's release: called once, when its apps are ready."""
    global _identity  # set once per process, read on every cached page
    _identity = settings.RELEASE or "code-" + digest(Path(settings.BASE_DIR))


def identity() -> str:
    """This process's release (`start`); nothing is read or computed here."""
    return _identity


def digest(root: Path) -> str:
    """A digest of the files under `root` that a rendered page depends on: their paths (relative,
    so that two checkouts of one commit agree) and contents."""
    hashed = hashlib.sha256()
    for path in _release_files(root):
        hashed.update(str(path.relative_to(root)).encode() + b"\0")
        hashed.update(path.read_bytes())
        hashed.update(b"\0")
    return hashed.hexdigest()[:16]


def _release_files(root: Path) -> list[Path]:
    found = [root / name for name in _FILES if (root / name).is_file()]
    for tree in _TREES:
        for folder, subfolders, names in os.walk(root / tree):
            subfolders[:] = [name for name in subfolders if name not in _SKIPPED]  # not walked
            found += [Path(folder, name) for name in names if Path(name).suffix in _SUFFIXES]
    return sorted(found)
