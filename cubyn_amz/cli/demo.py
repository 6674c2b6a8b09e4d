"""``cubyn-amz demo``: a day of a shop, against the sandbox, in under a minute."""

from __future__ import annotations

import click

from cubyn_amz.cli.app import App, pass_app


@click.command()
@click.option(
    "--keep",
    is_flag=True,
    help="Keep the demo's folder (settings and state database) and print its path.",
)
@click.option("--full", is_flag=True, help="Show every line the commands print.")
@click.option(
    "--seed", default=3, show_default=True, help="Seed of the sandbox's shop."
)
@pass_app
def demo(app: App, keep: bool, full: bool, seed: int) -> None:
    """Watch the tool run a shop's day against a local Amazon and Cubyn.

    A sandbox of both APIs starts on 127.0.0.1, a throwaway connection is made to
    it in a temporary folder, and the day unfolds: orders imported (one with a
    delivery mode Cubyn does not offer is skipped), cancellations passed on or
    flagged, parcels shipped and confirmed on Amazon, a return and a delivery,
    stock pushed, and `status` at the end. Each step runs the real command and
    shows what it printed. Nothing leaves the machine, your own connection is
    not touched, and the folder is removed at the end unless --keep.

    \b
    Examples:
      cubyn-amz demo
      cubyn-amz demo --keep --full
    """
    from cubyn_amz.demo import run_demo

    kept = run_demo(click.echo, seed=seed, keep=keep, full=full)
    click.echo("")
    if kept is None:
        click.echo("The demo's folder is removed. Connect your own shop with:")
        click.echo("  cubyn-amz connect --help")
    else:
        config = kept / "config.toml"
        click.echo(f"The demo's connection is kept in {kept}")
        click.echo(f"  cubyn-amz --config {config} status")
