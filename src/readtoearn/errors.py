"""Errors every domain raises; the web layer maps each kind to an HTTP status."""

from __future__ import annotations


class ReadToEarnError(Exception):
    """A failure the user can understand: it carries a stable code and a readable message."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(ReadToEarnError):
    code = "not_found"


class InvalidInput(ReadToEarnError):
    code = "invalid"


class Conflict(ReadToEarnError):
    code = "conflict"


class Unauthorized(ReadToEarnError):
    code = "unauthorized"


class Forbidden(ReadToEarnError):
    code = "forbidden"


class Unprocessable(ReadToEarnError):
    code = "unprocessable"


class RateLimited(ReadToEarnError):
    """Too many attempts: the same request may succeed after `retry_after_s` seconds."""

    code = "rate_limited"

    def __init__(
        self, message: str, *, code: str | None = None, retry_after_s: int | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.retry_after_s = retry_after_s


class Unavailable(ReadToEarnError):
    """A service the request needs cannot be reached for now: try again shortly."""

    code = "unavailable"


BUSY_MESSAGE = "the service is busy: please try again in a moment"


class Busy(Unavailable):
    """The database (or this server) could not take the request in time: nothing was done, and
    the same request may be sent again after `retry_after_s` seconds."""

    code = "busy"
    retry_after_s = 1

    def __init__(self, message: str = BUSY_MESSAGE) -> None:
        super().__init__(message)
