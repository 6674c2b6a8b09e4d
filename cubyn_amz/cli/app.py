"""What every command shares: global options, logging and output conventions.

Results go to standard output; warnings and log lines to standard error, so that a
cron job with ``-q`` mails only what needs reading.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from cubyn_amz.http.redact import RedactingFilter


@dataclass
class App:
    config: str | None = None
    verbosity: int = 0
    quiet: bool = False
    json: bool = False

    @property
    def settings_path(self) -> Path:
        from cubyn_amz.settings.load import settings_path

        return settings_path(self.config)

    def load_settings(self) -> Any:
        from cubyn_amz.settings.load import load_settings

        return load_settings(self.settings_path)

    def say(self, text: str) -> None:
        """A line for a person; silent with -q and with --json."""
        if not self.quiet and not self.json:
            click.echo(text)

    def emit_json(self, data: Any) -> None:
        click.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno >= logging.WARNING:
            return f"{record.levelname.lower()}: {text}"
        return text


def setup_logging(verbosity: int, quiet: bool) -> None:
    level = logging.WARNING
    if verbosity == 1 and not quiet:
        level = logging.INFO
    elif verbosity >= 2:
        level = logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(_Formatter("%(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # Our own loggers at the chosen level; libraries' only with -vvv.
    logging.getLogger("cubyn_amz").setLevel(level)
    if verbosity >= 3:
        root.setLevel(logging.DEBUG)


pass_app = click.make_pass_decorator(App, ensure=True)
