"""Scenario 5: start-up, as whole processes: `--help` and a run with nothing to do.

`cubyn-amz --help` is run several times and the best wall time kept (the first
runs warm the file cache). `cubyn-amz sync` with nothing to do runs against a
sandbox served from this process on the system clock (its feeds processed at
once), after warm-up runs have imported its few orders and pushed its stock;
its best time is shown for information, the issue setting it no target. Both
are run once more under ``python -X importtime`` to list the heavy modules they
load: requests, rich, tomlkit and the sandbox must wait for a command that
needs them (requests: any pass; rich: a progress bar on a terminal; tomlkit:
writing the settings; the sandbox: `cubyn-amz sandbox`).

Target (issue 7): `--help` within 0.25 s; heavy modules only when needed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import common

SCENARIO = "5 start-up"
TRIES = 7
HEAVY = {
    "requests": "requests",
    "rich": "rich",
    "tomlkit": "tomlkit",
    "cubyn_amz.sandbox": "the sandbox",
}
# What a sync run with nothing to do needs: the HTTP client, nothing to draw or
# write settings with.
SYNC_NEEDS = {"requests"}
# A summary line of a pass that did nothing (orders wait for Cubyn to ship them).
IDLE = re.compile(r"[a-z-]+: (nothing to do|\d+ waiting)")


def command() -> list[str]:
    script = Path(sys.executable).with_name("cubyn-amz")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cubyn_amz"]


def best_time(argv: list[str], tries: int = TRIES) -> float:
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{done.stderr}")
        best = min(best, elapsed)
    return best


def heavy_imports(arguments: list[str]) -> list[str]:
    """The heavy modules a run of ``cubyn-amz arguments`` imports."""
    argv = [sys.executable, "-X", "importtime", "-m", "cubyn_amz", *arguments]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    imported = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            imported.add(line.rsplit("|", 1)[1].strip())
    return sorted(name for name in HEAVY if name in imported)


@dataclass(frozen=True)
class Startup:
    help: float
    help_heavy: list[str]
    sync: float
    sync_unneeded: list[str]
    sync_summary: str
    sync_idle: bool


def measure() -> Startup:
    common.quiet_logs()
    help_time = best_time([*command(), "--help"])
    help_heavy = heavy_imports(["--help"])

    with tempfile.TemporaryDirectory() as folder, common.sandbox() as sb:
        sb.feeds.queue_seconds = sb.feeds.processing_seconds = (0, 0)
        common.orders_to_ship(sb, 50, days=1)
        config = common.write_settings(Path(folder), sb.connection())
        sync = [*command(), "--config", str(config), "sync"]
        for _ in range(2):  # import the orders and push the stock, then settle
            subprocess.run(sync, capture_output=True, check=False)
        out = subprocess.run(sync, capture_output=True, text=True, check=False)
        sync_time = best_time(sync, tries=5)
        sync_heavy = heavy_imports(["--config", str(config), "sync"])
    return Startup(
        help=help_time,
        help_heavy=help_heavy,
        sync=sync_time,
        sync_unneeded=[n for n in sync_heavy if n not in SYNC_NEEDS],
        sync_summary=out.stdout.strip().replace("\n", "; "),
        sync_idle=all(IDLE.fullmatch(line) for line in out.stdout.splitlines()),
    )


def names(found: list[str]) -> str:
    return ", ".join(HEAVY[n] for n in found) or "none"


def rows(measured: Startup) -> list[common.Row]:
    idle = (
        "the three passes had nothing to do"
        if measured.sync_idle
        else f"NOT IDLE: {measured.sync_summary}"
    )
    return [
        common.Row(
            SCENARIO,
            "`cubyn-amz --help`, wall",
            measured.help,
            0.25,
            "s",
            note=f"best of {TRIES} processes",
        ),
        common.Row(
            SCENARIO,
            "heavy modules imported by --help",
            len(measured.help_heavy),
            0,
            note="of requests, rich, tomlkit, the sandbox: "
            + names(measured.help_heavy),
        ),
        common.Row(
            SCENARIO,
            "`cubyn-amz sync` with nothing to do, wall",
            measured.sync,
            None,
            "s",
            note=f"best of 5 processes; no target: {idle}",
        ),
        common.Row(
            SCENARIO,
            "modules it did not need, imported by that run",
            len(measured.sync_unneeded),
            0,
            note="of rich, tomlkit, the sandbox: " + names(measured.sync_unneeded),
        ),
    ]


def main() -> int:
    args = common.arguments(__doc__.splitlines()[0])
    return common.report(rows(measure()), args.json)


if __name__ == "__main__":
    sys.exit(main())
