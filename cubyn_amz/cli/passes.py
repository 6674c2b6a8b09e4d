"""Running sync passes from the command line: lock, state, output, exit code."""

from __future__ import annotations

from collections.abc import Sequence

import click

from cubyn_amz.cli.app import App
from cubyn_amz.passes.result import PassBody, PassResult


def run_passes(
    app: App,
    passes: Sequence[tuple[str, PassBody]],
    *,
    dry_run: bool = False,
    as_json: bool = False,
) -> None:
    """Run the passes in order under one lock, print their summaries, and exit.

    A service outage in one pass ends the run (exit 4) after what was done is
    recorded; the passes that follow are left to the next run.
    """
    from cubyn_amz.lock import connection_lock
    from cubyn_amz.passes.result import run_pass
    from cubyn_amz.runtime import open_runtime

    settings = app.load_settings()
    results: list[PassResult] = []
    with connection_lock(settings.state_db):
        runtime = open_runtime(settings)
        try:
            for kind, body in passes:
                results.append(run_pass(runtime, kind, body, dry_run=dry_run))
        finally:
            runtime.close()
    show_results(app, results, as_json=as_json)
    code = max((r.exit_code for r in results), default=0)
    click.get_current_context().exit(code)


def show_results(app: App, results: Sequence[PassResult], as_json: bool) -> None:
    if as_json or app.json:
        data = [r.to_json() for r in results]
        app.emit_json(data[0] if len(data) == 1 else data)
        return
    for result in results:
        if result.dry_run:
            for line in result.planned:
                app.say(f"would {line}")
        app.say(summary_line(result))


def summary_line(result: PassResult) -> str:
    counts = ", ".join(f"{n} {label}" for label, n in result.counts.items() if n)
    line = f"{result.kind}{' (dry run)' if result.dry_run else ''}: "
    line += "; ".join(part for part in (counts, *result.notes) if part) or (
        "nothing to do"
    )
    if result.paused_until is not None:
        from cubyn_amz.clock import iso

        line += (
            f"; paused by Amazon's usage plan for {result.paused_operation}, "
            f"the next run continues after {iso(result.paused_until)}"
        )
    return line
