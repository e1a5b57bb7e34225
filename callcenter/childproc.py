"""Start child processes that stay out of the terminal's signals and die with the process that started them.

Used by the supervisor of ``callcenter up`` and by the embedded Redis it owns.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

_PR_SET_PDEATHSIG = 1


def spawn(argv: Sequence[str], env: Mapping[str, str] | None = None, **popen: Any) -> subprocess.Popen[bytes]:
    """Start ``argv`` in its own session, to be sent SIGTERM by the kernel if this process (thread) dies."""
    # Own session: a Ctrl-C in the terminal reaches only the supervisor, which then stops each child
    # once, in order (a worker hit twice by SIGINT+SIGTERM would drop to a cold shutdown).
    return subprocess.Popen(list(argv), env=dict(env) if env is not None else None, stdin=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_die_with_parent_hook(), **popen)


def _die_with_parent_hook() -> Callable[[], None] | None:
    """Return a pre-exec hook asking Linux to SIGTERM the child when its parent dies (else None)."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(None, use_errno=True)  # loaded before fork: nothing to import in the child
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent died between fork and prctl
            os._exit(1)

    return hook


def kill_group(pid: int, sig: signal.Signals) -> None:
    """Send ``sig`` to the process group led by ``pid`` (a spawned child and what it forked), if any."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
