"""One run at a time per connection: a lock file beside the state database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from cubyn_amz.errors import Busy


@contextmanager
def connection_lock(state_db: Path) -> Iterator[None]:
    path = state_db.with_name(state_db.name + ".lock")
    lock = filelock.FileLock(str(path), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise Busy(
            f"another cubyn-amz run holds the lock of this connection ({path})",
            "let it finish; cron will run this pass again",
        ) from None
    try:
        yield
    finally:
        lock.release()
