"""The progress bar of import-orders: only on a terminal, only for many orders."""

from __future__ import annotations

import io
import sys

import pytest

from cubyn_amz.cli.app import App
from cubyn_amz.cli.progress import SHOW_AFTER, ItemProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_appears_on_a_terminal_once_there_are_many_orders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    progress = ItemProgress(App(), "Amazon orders")

    progress(SHOW_AFTER)
    assert progress._progress is None  # a page's worth: no bar
    progress(1)
    assert progress._progress is not None
    progress.stop()

    assert progress.done == SHOW_AFTER + 1


@pytest.mark.parametrize(
    ("app", "tty"),
    [(App(quiet=True), True), (App(json=True), True), (App(), False)],
    ids=["quiet", "json", "not a terminal"],
)
def test_no_bar_for_cron_scripts_or_pipes(
    monkeypatch: pytest.MonkeyPatch, app: App, tty: bool
) -> None:
    monkeypatch.setattr(sys, "stderr", Terminal() if tty else io.StringIO())
    progress = ItemProgress(app, "Amazon orders")

    progress(SHOW_AFTER * 5)

    assert progress._progress is None
