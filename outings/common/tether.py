"""`python -m outings.common.tether COMMAND...`: run COMMAND so that it is stopped (SIGTERM) when
the process that started it dies, however it dies.

`make run` starts its servers and workers under honcho, each in a session of its own; if the
runner is killed outright (SIGKILL, the OOM killer), nothing tells them, and they go on holding
the ports and the embedded database. On Linux the kernel can: PR_SET_PDEATHSIG asks it to send a
signal to this process when its parent exits, and the request survives the exec into COMMAND.
honcho starts each command from a child of its own (multiprocessing), so the runner tethers
those children too (`tether_forked_children`): the runner's death stops honcho's child, whose
death stops the command.
Elsewhere (macOS has no such call) COMMAND simply runs as before.
"""

from __future__ import annotations

import ctypes
import multiprocessing.util
import os
import signal
import sys
from collections.abc import Sequence

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_ENV = "OUTINGS_TETHER_PARENT"


def tether_to_parent(parent: int, signum: int = signal.SIGTERM) -> bool:
    """Ask for `signum` when `parent` exits; False if it already has (we were orphaned before
    the request took effect). True where the platform offers no such request."""
    if not sys.platform.startswith("linux"):
        return True
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, os.strerror(error))
    return os.getppid() == parent


class _Anchor:
    """What multiprocessing's after-fork registry holds (weakly) for tether_forked_children."""


_ANCHOR = _Anchor()


def tether_forked_children() -> None:
    """Tether every process that multiprocessing forks from this one from now on. honcho runs
    each command from such a child (runner -> honcho's child -> the command), so that child has
    to stop with the runner for the command's own tether to fire. Fork start method only (the
    default on Linux up to Python 3.13, which is what this project runs)."""
    runner = os.getpid()
    # SIGKILL: honcho's children ignore SIGTERM and SIGINT (they only relay their command's
    # output), and have nothing to clean up.
    multiprocessing.util.register_after_fork(
        _ANCHOR, lambda _anchor: tether_to_parent(runner, signal.SIGKILL)
    )


def main(argv: Sequence[str] | None = None) -> int:
    command = list(sys.argv[1:] if argv is None else argv)
    if not command:
        print("usage: python -m outings.common.tether COMMAND [ARG...]", file=sys.stderr)
        return 2
    # The runner names itself: by the time we ask, a parent that died has been replaced by
    # init (or a subreaper), which getppid() would report instead.
    parent = int(os.environ.get(PARENT_ENV, "0")) or os.getppid()
    if not tether_to_parent(parent):
        return 1
    os.execvp(command[0], command)  # noqa: S606 - the runner's own command lines


if __name__ == "__main__":
    sys.exit(main())
