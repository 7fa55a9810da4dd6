"""The parent watch fires once the parent pid changes."""

from __future__ import annotations

import threading

from baton_step.parent_watch import watch_parent


def test_calls_back_when_parent_changes():
    pids = iter([100, 100, 1])
    fired = threading.Event()
    thread = watch_parent(interval=0.01, on_orphaned=fired.set, getppid=lambda: next(pids, 1))
    assert fired.wait(2)
    thread.join(2)
    assert thread.daemon and not thread.is_alive()
