"""A reader's calendar: their time zone (IANA names only) and which day an instant falls on."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from readtoearn.errors import InvalidInput

MAX_ZONE_LENGTH = 64


@lru_cache(maxsize=1)
def list_time_zones() -> tuple[str, ...]:
    """Every IANA time zone this machine knows, sorted (what a profile may choose from)."""
    return tuple(sorted(available_timezones()))


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(list_time_zones())


def valid_time_zone(name: str) -> str:
    """The name of a known IANA time zone; InvalidInput (`unknown_time_zone`) otherwise."""
    cleaned = name.strip()
    # Only names from the database itself: never a path or a POSIX TZ string.
    if not cleaned or len(cleaned) > MAX_ZONE_LENGTH or cleaned not in _known():
        raise InvalidInput(
            "unknown time zone: choose one such as Europe/Paris or America/New_York",
            code="unknown_time_zone",
        )
    return cleaned


def local_day(instant: datetime, time_zone: str) -> date:
    """The calendar day an aware instant falls on in a time zone."""
    return instant.astimezone(ZoneInfo(time_zone)).date()
