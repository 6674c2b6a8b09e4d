"""``cubyn-amz sandbox``: run the local emulation of Amazon's and Cubyn's APIs.

The sandbox modules are imported inside the command, so that ``cubyn-amz --help``
does not pay for them.
"""

from __future__ import annotations

import shlex
import signal
import threading
from types import FrameType

import click


@click.group()
def sandbox() -> None:
    """A local Amazon SP-API and Cubyn API, for demos and tests.

    Both APIs are emulated over HTTP on 127.0.0.1, with seeded orders,
    listings, stock and a warehouse that ships parcels as time passes.

    \b
    Example:
      cubyn-amz sandbox serve --port 8765 --orders 100 --time-scale 60
    """


@sandbox.command()
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1; 0 takes any free port.",
)
@click.option("--orders", default=40, show_default=True, help="Orders to start with.")
@click.option(
    "--seed", default=1, show_default=True, help="Seed of the generated data."
)
@click.option(
    "--time-scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Speed-up of the warehouse, feed processing and usage plans (60: a "
    "30-minute warehouse stage takes 30 s). Timestamps stay real, so that "
    "cubyn-amz sees every order.",
)
@click.option(
    "--no-rate-limits", is_flag=True, help="Turn Amazon's and Cubyn's usage plans off."
)
@click.option(
    "--fake-clock",
    is_flag=True,
    help="Stop the clock: time moves only with POST /_sandbox/advance.",
)
@click.option(
    "--stage-minutes",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Simulated minutes a parcel spends at each warehouse stage; 0 moves "
    "parcels only on POST /_sandbox/warehouse/step.",
)
@click.option(
    "--app-name",
    default="sandbox",
    show_default=True,
    help="Connection name in the printed connect command.",
)
def serve(
    port: int,
    orders: int,
    seed: int,
    time_scale: float,
    no_rate_limits: bool,
    fake_clock: bool,
    stage_minutes: float,
    app_name: str,
) -> None:
    """Serve the sandbox in the foreground until Ctrl-C or SIGTERM.

    Prints the `cubyn-amz connect` command that points a connection at it.
    Steer it from another terminal through /_sandbox/ (GET state, POST
    orders, cancel, receive, warehouse/step, faults, advance).

    \b
    Example: a demo where an hour passes in a minute
      cubyn-amz sandbox serve --orders 200 --time-scale 60
      curl -X POST localhost:8765/_sandbox/orders -d '{"count": 5}'
    """
    from cubyn_amz.clock import FakeClock
    from cubyn_amz.sandbox import Sandbox

    if fake_clock and time_scale != 1.0:
        raise click.UsageError("--fake-clock and --time-scale do not go together")
    sb = Sandbox(
        seed=seed,
        orders=orders,
        clock=FakeClock() if fake_clock else None,
        time_scale=time_scale,
        rate_limits=not no_rate_limits,
        stage_seconds=stage_minutes * 60 if stage_minutes else None,
    )
    try:
        sb.start(port=port)
    except OSError as error:
        raise click.ClickException(f"cannot listen on port {port}: {error}") from None

    clock = "fake clock" if fake_clock else f"time x{time_scale:g}"
    limits = "off" if no_rate_limits else "on"
    click.echo(
        f"Sandbox serving on {sb.base_url}: seed {seed}, {orders} orders, "
        f"{clock}, rate limits {limits}."
    )
    click.echo("Point a connection at it:\n")
    click.echo("  " + shlex.join(sb.connect_command(app_name)))
    click.echo("")
    click.echo(f"State: {sb.base_url}/_sandbox/state  (Ctrl-C to stop)")

    _wait_for_signal()
    sb.stop()
    click.echo("Sandbox stopped.")


def _wait_for_signal() -> None:
    stop = threading.Event()

    def on_term(number: int, frame: FrameType | None) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
