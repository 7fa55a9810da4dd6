"""Exits the process when its parent (the watchdog) dies, so a killed replica leaves no orphan
holding a port. Polling is the portable way: there is no parent-death signal outside Linux."""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import Callable

DEFAULT_INTERVAL_SECONDS = 1.0  # an orphan lives at most about this long


def _exit_now() -> None:
    # os._exit, not sys.exit: sys.exit in a thread would only end that thread.
    os._exit(0)


def watch_parent(
    interval: float = DEFAULT_INTERVAL_SECONDS,
    on_orphaned: Callable[[], None] = _exit_now,
    getppid: Callable[[], int] = os.getppid,
) -> threading.Thread:
    """Starts a daemon thread that calls ``on_orphaned`` (default: exit) once the parent pid changes."""
    parent = getppid()

    def poll() -> None:
        while True:
            time.sleep(interval)
            if getppid() != parent:
                print(f"parent process {parent} is gone: exiting", file=sys.stderr, flush=True)
                on_orphaned()
                return

    thread = threading.Thread(target=poll, name="baton-parent-watch", daemon=True)
    thread.start()
    return thread
