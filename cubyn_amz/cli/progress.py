"""A progress bar on a terminal, for passes that handle many items.

Shown on standard error only when it is a terminal and the run is not quiet, and
only once a pass has handled more than a page of items: a cron run, a pipe or a
small pass never sees it.
"""

from __future__ import annotations

import sys
from typing import Any

from cubyn_amz.cli.app import App

# A page of searchOrders: below this a pass is over before a bar helps.
SHOW_AFTER = 100


class ItemProgress:
    """Counts items as a pass reports them; draws a bar once there are many."""

    def __init__(self, app: App, description: str) -> None:
        self.enabled = not app.quiet and not app.json and sys.stderr.isatty()
        self.description = description
        self.done = 0
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, count: int) -> None:
        self.done += count
        if not self.enabled:
            return
        if self._progress is None and self.done > SHOW_AFTER:
            from rich.console import Console
            from rich.progress import Progress

            self._progress = Progress(
                *Progress.get_default_columns()[:2],
                "{task.completed} handled",
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.description, total=None)
        if self._progress is not None:
            self._progress.update(self._task, completed=self.done)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
