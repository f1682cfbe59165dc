"""What every command shares: settings, the database, and errors as one readable line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import click
from sqlalchemy.exc import SQLAlchemyError

from readtoearn.config import Settings, get_settings
from readtoearn.db import Database, make_engine
from readtoearn.errors import ReadToEarnError
from readtoearn.fraud import programme

F = TypeVar("F", bound=Callable[..., Any])


class Failure(click.ClickException):
    """A command failed for a reason the user can read; exit status 1."""

    def format_message(self) -> str:
        return self.message


def load_settings() -> Settings:
    try:
        return get_settings()
    except Exception as exc:  # pydantic ValidationError: show the first problem only
        raise Failure(f"invalid settings: {_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " ".join(lines[1:3]) if len(lines) > 1 else (lines[0] if lines else repr(exc))


CLI_WAIT_S = 30.0


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """A database for a command, disposed of afterwards."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # An operator at a terminal can wait longer than a reader's request (db_wait_s) for a
    # busy server's writer.
    database = Database(
        make_engine(settings.resolved_database_url, wait_s=CLI_WAIT_S), wait_s=CLI_WAIT_S
    )
    # The programme's rules set from the console apply to commands too (the environment wins).
    programme.load_rules(database, settings, programme.locked_rules(settings))
    try:
        yield database
    finally:
        database.dispose()


def friendly_errors(func: F) -> F:
    """Turn domain and database failures into one line and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ReadToEarnError as exc:
            raise Failure(exc.message) from None
        except SQLAlchemyError as exc:
            detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise Failure(f"database error: {detail}") from None
        except OSError as exc:
            raise Failure(f"{exc.strerror or exc}: {exc.filename or ''}".strip(": ")) from None

    return wrapper  # type: ignore[return-value]
