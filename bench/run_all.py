"""Run every benchmark scenario and print one table of figures and targets.

Each scenario runs as a process of its own, one after the other (they use both
cores: the sandbox serves while the tool works), and hands its rows back as
JSON. The exit code is 1 when any target is missed or any scenario failed.

    .venv/bin/python bench/run_all.py            # from the repository root
    .venv/bin/python bench/run_all.py stock      # only the scenarios named
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

SCENARIOS = (
    "import_initial",
    "steady_state",
    "usage_plans",
    "stock",
    "startup",
    "v0_comparison",
)
HERE = Path(__file__).resolve().parent


def run(name: str, folder: Path) -> tuple[list[common.Row], float]:
    rows_file = folder / f"{name}.json"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(HERE / f"{name}.py"), "--json", str(rows_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if done.returncode in (0, 1) and rows_file.exists():
        return common.rows_from_json(rows_file), elapsed
    common.say(done.stderr)
    failed = common.Row(
        name, "the scenario ran to its end", done.returncode, 0, note="exit code"
    )
    return [failed], elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "only", nargs="*", help=f"scenarios to run, among {', '.join(SCENARIOS)}"
    )
    names = parser.parse_args().only or SCENARIOS
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        parser.error(f"no scenario {', '.join(unknown)}")
    rows: list[common.Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            common.say(f"running bench/{name}.py …")
            found, elapsed = run(name, Path(folder))
            common.say(f"  done in {elapsed:.0f} s")
            rows += found
    print()
    return common.report(rows)


if __name__ == "__main__":
    sys.exit(main())
