"""What every process of an app server does before it serves, whoever starts it (`make run`,
deploy/Procfile through `manage.py prepare`): static files collected, migrations applied.
Migrations are always applied at start, never a manual step."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core import management
from django.core.exceptions import ImproperlyConfigured

from outings.common.locks import session_lock


class StaticRootUnusable(ImproperlyConfigured):
    """STATIC_ROOT cannot be made or written to (`make run` prints it as any configuration
    error; `manage.py prepare` as its CommandError)."""


# The advisory lock that serialises start-up across app servers and their processes.
PREPARE_LOCK = 7_411_001


@contextmanager
def start_up_lock() -> Iterator[None]:
    """Hold PostgreSQL's advisory lock PREPARE_LOCK (on Django's connection, for the session)
    for the block: the processes of several app servers started at once against one database
    migrate one at a time; the others wait here, then find nothing left to do. The server
    releases it if this process dies."""
    with session_lock(PREPARE_LOCK):
        yield


def collect_static_and_migrate() -> None:
    """Call while holding start_up_lock. Static files are collected under it too: the
    processes of one server share its STATIC_ROOT, and two collectstatic runs writing one
    folder at once could leave a manifest naming a file the other had not written yet."""
    try:
        management.call_command("collectstatic", interactive=False, verbosity=0)
    except OSError as error:
        # Unwritable, or under a file: one line naming the variable, not collectstatic's
        # traceback. (A source file it cannot read is not STATIC_ROOT's doing.)
        root, where = Path(settings.STATIC_ROOT), Path(str(error.filename or settings.STATIC_ROOT))
        if not (where.is_relative_to(root) or root.is_relative_to(where)):
            raise
        raise StaticRootUnusable(
            f"STATIC_ROOT: cannot collect the static files into {settings.STATIC_ROOT}: "
            f"{error.strerror or error}"
        ) from error
    management.call_command("migrate", interactive=False, verbosity=0)
