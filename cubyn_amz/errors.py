"""One exception hierarchy, and the exit codes it maps to.

Errors a user can act on carry a message (what is wrong) and a hint (what to do); the
command-line edge prints them as one line without a traceback and exits with the code
of the class. The codes are documented here, in ``cubyn-amz --help`` and in the README.
"""

from __future__ import annotations

from collections.abc import Sequence

EXIT_OK = 0
EXIT_ITEMS_FAILED = 1
EXIT_USAGE = 2
EXIT_CREDENTIALS = 3
EXIT_UNAVAILABLE = 4
EXIT_BUSY = 75

EXIT_CODES_HELP = (
    "Exit codes: 0 done (also when there was nothing to do); 1 the pass finished but "
    "some items failed; 2 usage or settings error; 3 Amazon or Cubyn refused the "
    "credentials; 4 a service stayed unavailable and the pass stopped (the next run "
    "resumes); 75 another run holds this connection's lock."
)


class CubynAmzError(Exception):
    exit_code = EXIT_ITEMS_FAILED

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}: {self.hint}" if self.hint else self.message


class UsageError(CubynAmzError):
    exit_code = EXIT_USAGE


class SettingsError(UsageError):
    """Every problem found in a settings file at once, each naming its key."""

    def __init__(self, problems: Sequence[str], path: str = "") -> None:
        self.problems = list(problems)
        where = f"{path}: " if path else ""
        super().__init__(where + "; ".join(self.problems))


class StateError(CubynAmzError):
    """The state database cannot be used as it is."""

    exit_code = EXIT_USAGE


class Busy(CubynAmzError):
    exit_code = EXIT_BUSY


class CredentialsRefused(CubynAmzError):
    exit_code = EXIT_CREDENTIALS


class ServiceUnavailable(CubynAmzError):
    """A service kept failing after the retries; the next run starts from here."""

    exit_code = EXIT_UNAVAILABLE


class ApiError(CubynAmzError):
    """An answer that refuses one request; the item is recorded and passed over."""

    def __init__(
        self,
        service: str,
        status: int,
        message: str,
        code: str = "",
        request_id: str = "",
        details: Sequence[str] = (),
    ) -> None:
        self.service = service
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details = list(details)
        text = f"{service} answered {status}"
        if code:
            text += f" {code}"
        text += f": {message}"
        if self.details:
            text += " (" + "; ".join(self.details) + ")"
        if request_id:
            text += f" [request {request_id}]"
        super().__init__(text)
        self.reason = message if not self.details else "; ".join(self.details)


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    pass


class Throttled(ApiError):
    """429 after the retries: the usage plan is spent for now."""


class PacingPause(CubynAmzError):
    """The usage plan needs a longer wait than a pass should sleep.

    Not a failure: the pass keeps its place and the next run continues.
    """

    exit_code = EXIT_OK

    def __init__(self, operation: str, resume_at: float) -> None:
        self.operation = operation
        self.resume_at = resume_at
        super().__init__(f"Amazon's usage plan for {operation} is spent for now")


class OutcomeUnknown(ServiceUnavailable):
    """A request that creates something went out, and no answer came back.

    It may or may not have been applied: never send it again blindly.
    """
