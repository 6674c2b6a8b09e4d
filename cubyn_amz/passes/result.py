"""What a pass reports, and the frame every pass runs in.

The frame records the pass in the state database (start, end, counts, outcome), turns
a usage-plan pause into a clean stop that the next run continues, and lets a service
outage end the pass with its own exit code after what was done is recorded.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cubyn_amz.clock import iso
from cubyn_amz.errors import (
    EXIT_ITEMS_FAILED,
    EXIT_OK,
    PacingPause,
    ServiceUnavailable,
)
from cubyn_amz.http.redact import redact
from cubyn_amz.runtime import Runtime
from cubyn_amz.state import core

log = logging.getLogger(__name__)


@dataclass
class PassResult:
    kind: str
    dry_run: bool = False
    counts: Counter[str] = field(default_factory=Counter)
    # One line per item that failed, and per item that needs a person.
    failures: list[str] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)
    # What a dry run would do, one line each.
    planned: list[str] = field(default_factory=list)
    # Sentences for the summary line, such as why a pass did nothing.
    notes: list[str] = field(default_factory=list)
    paused_until: float | None = None
    paused_operation: str = ""
    calls: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_ITEMS_FAILED if self.failures else EXIT_OK

    def fail(self, line: str, count: str = "failed") -> None:
        log.warning("%s", line)
        self.failures.append(line)
        self.counts[count] += 1

    def flag(self, line: str, count: str = "attention") -> None:
        log.warning("%s", line)
        self.attention.append(line)
        self.counts[count] += 1

    def outcome(self) -> str:
        if self.paused_until is not None:
            return "paused"
        return "failed items" if self.failures else "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "pass": self.kind,
            "dry_run": self.dry_run,
            "outcome": self.outcome(),
            "counts": dict(self.counts),
            "failures": self.failures,
            "attention": self.attention,
            "planned": self.planned,
            "notes": self.notes,
            "paused_until": iso(self.paused_until) if self.paused_until else None,
            "api_calls": self.calls,
        }


PassBody = Callable[[Runtime, PassResult], None]


def run_pass(
    runtime: Runtime, kind: str, body: PassBody, dry_run: bool = False
) -> PassResult:
    """Run one pass of ``kind``, recorded in the state database unless a dry run."""
    result = PassResult(kind, dry_run=dry_run)
    pass_id = (
        None if dry_run else core.start_pass(runtime.db, kind, runtime.clock.now())
    )
    try:
        body(runtime, result)
    except PacingPause as pause:
        result.paused_until = pause.resume_at
        result.paused_operation = pause.operation
        log.info(
            "%s: %s; the next run continues after %s",
            kind,
            pause.message,
            iso(pause.resume_at),
        )
    except BaseException as error:
        # Record how the pass ended before the error reaches the command line; a
        # database that cannot be written any more leaves the pass "running".
        if pass_id is not None:
            outcome = (
                "unavailable" if isinstance(error, ServiceUnavailable) else "stopped"
            )
            with contextlib.suppress(sqlite3.Error):
                core.end_pass(
                    runtime.db,
                    pass_id,
                    runtime.clock.now(),
                    outcome,
                    dict(result.counts),
                    redact(str(error)) or type(error).__name__,
                )
        raise
    result.calls = runtime.calls()
    if pass_id is not None:
        core.end_pass(
            runtime.db,
            pass_id,
            runtime.clock.now(),
            result.outcome(),
            dict(result.counts),
            "; ".join(result.failures[:5]) or None,
        )
    return result
