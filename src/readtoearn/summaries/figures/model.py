"""What a key figure is: its kind, its hedges, how its number was written."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class Kind(StrEnum):
    MONEY = "money"
    COUNT = "count"
    PERCENT = "percent"
    DATE = "date"


class Hedge(StrEnum):
    UP_TO = "up_to"
    ABOUT = "about"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    LESS_THAN = "less_than"
    COULD = "could"


@dataclass(frozen=True)
class NumberStyle:
    """How a numeral was written, so a distractor can be written the same way."""

    thousands: str = ""  # "", " ", ",", "."  (the separator seen, if any)
    decimal: str = "."  # "." or ","
    decimals: int = 0
    spelled: bool = False


@dataclass(frozen=True)
class Figure:
    """One key figure of an article."""

    kind: Kind
    text: str  # the figure as written, without its hedge ("50 milliards de dollars")
    value: Decimal  # normalised: 50000000000 for money and counts, 7.5 for 7.5 %, year for dates
    unit: str  # currency code, the thing counted, "%", or the date precision (year/quarter/...)
    sentence: str
    sentence_index: int
    start: int  # offsets of `text` in `sentence`
    end: int
    hedges: tuple[Hedge, ...] = ()
    subject: str | None = None
    period: str | None = None  # ISO-like date: "2025-10", "2026-Q4", "2026-H1", "2015"
    # How to write a value like this one: the numeral's span in `text`, its scale and style.
    number_start: int = 0
    number_end: int = 0
    scale: Decimal = Decimal(1)
    style: NumberStyle = field(default_factory=NumberStyle)

    @property
    def hedge(self) -> Hedge | None:
        return self.hedges[0] if self.hedges else None

    @property
    def key(self) -> tuple[str, str, str]:
        """Same figure, same meaning: used to drop repeats."""
        return (self.kind, str(self.value.normalize()), self.period or self.unit)
