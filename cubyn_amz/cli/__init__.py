"""The command line: ``cubyn-amz COMMAND``.

Commands are imported only when called, so that ``--help`` and a pass with nothing
to do start fast. Every error the user can act on ends here as one line and the exit
code of its class (see ``cubyn_amz.errors``); a traceback only with ``-vv``.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import sqlite3
import sys
import traceback

import click

from cubyn_amz import __version__
from cubyn_amz.cli.app import App, setup_logging
from cubyn_amz.errors import EXIT_CODES_HELP, EXIT_USAGE, CubynAmzError

COMMANDS = {
    "connect": ("cubyn_amz.cli.connect", "connect"),
    "configure": ("cubyn_amz.cli.configure", "configure"),
    "status": ("cubyn_amz.cli.status", "status"),
    "import-orders": ("cubyn_amz.cli.import_orders", "import_orders"),
    "cancel-order": ("cubyn_amz.cli.import_orders", "cancel_order"),
    "sync-stock": ("cubyn_amz.cli.sync_stock", "sync_stock"),
    "sync": ("cubyn_amz.cli.sync", "sync"),
    "push-shipments": ("cubyn_amz.cli.push_shipments", "push_shipments"),
    "sandbox": ("cubyn_amz.cli.sandbox", "sandbox"),
    "demo": ("cubyn_amz.cli.demo", "demo"),
}

_verbosity = 0


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Every error the user can act on becomes one line and its exit code."""
        try:
            return super().invoke(ctx)
        except CubynAmzError as error:
            _fail(str(error), error.exit_code)
        except sqlite3.Error as error:
            if "full" in str(error):
                _fail(
                    "the disk is full and the state database cannot be written: "
                    "free some space; the next run picks up where this one stopped",
                    EXIT_USAGE,
                )
            _fail(
                f"the state database cannot be used ({error}): check that no other "
                "program holds it and that its file and folder are writable",
                EXIT_USAGE,
            )
        except OSError as error:
            if error.errno == errno.ENOSPC:
                _fail("the disk is full: free some space and run again", EXIT_USAGE)
            where = f" {error.filename}" if error.filename else ""
            _fail(
                f"cannot use{where}: {error.strerror or error}: check its owner and "
                "permissions",
                EXIT_USAGE,
            )
        return None


@click.group(
    cls=LazyGroup,
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.option(
    "--config",
    metavar="PATH",
    help="Settings file [default: $CUBYN_AMZ_CONFIG, else the user config folder].",
)
@click.option("-v", "--verbose", count=True, help="More output: -v, -vv, -vvv.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.version_option(__version__, prog_name="cubyn-amz")
@click.pass_context
def cli(
    ctx: click.Context, config: str | None, verbose: int, quiet: bool, as_json: bool
) -> None:
    """Keep an Amazon seller account and the Cubyn warehouse in step.

    \b
    Set up once:      cubyn-amz connect
    Then from cron:   cubyn-amz -q sync        (or each pass on its own)
    Try it locally:   cubyn-amz demo
    """
    global _verbosity
    _verbosity = verbose
    os.umask(0o077)  # everything this tool writes is private to its user
    setup_logging(verbose, quiet)
    ctx.obj = App(config=config, verbosity=verbose, quiet=quiet, json=as_json)


def main(argv: list[str] | None = None) -> None:
    cli.main(args=argv, prog_name="cubyn-amz")


def _fail(message: str, code: int) -> None:
    from cubyn_amz.http.redact import redact

    if _verbosity >= 2:
        click.echo(redact(traceback.format_exc()), err=True, nl=False)
    click.echo(f"cubyn-amz: error: {redact(message)}", err=True)
    logging.shutdown()
    sys.exit(code)
