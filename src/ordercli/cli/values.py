"""The values the command line takes that say what to act on: order numbers, durations, dates,
sort keys, and the options with fixed choices. Each is read while the command line is parsed, so
one that cannot be read is a usage error (exit 2) naming its placeholder:
`ordercli: ORDER 'abc' is not an order number (see ordercli show --help)`.

Data a command records (names, prices, quantities...) is checked by the services instead, and
refused as invalid data (exit 5). The reading itself is the domain's (domain/validation.py,
domain/times.py); here its refusal becomes a ValueError, which typer reports as a bad value.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from typing import Annotated, TypeVar

import typer

from ordercli.domain.errors import InvalidData
from ordercli.domain.orders import CHANNELS, DELIVERY_METHODS, PRODUCT_KINDS, VERIFICATION_METHODS
from ordercli.domain.stock import LOCATION_KINDS

T = TypeVar("T")


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """An option's fixed choices, from the domain's own list: typer lists them in completion
    and refuses anything else (exit 2). A command takes the chosen text as `.value`."""
    return Enum(name, [(v, v) for v in values])


Channel = _choices("Channel", CHANNELS)
Method = _choices("Method", VERIFICATION_METHODS)
Delivery = _choices("Delivery", DELIVERY_METHODS["physical"])
ProductKind = _choices("ProductKind", PRODUCT_KINDS)
LocationKind = _choices("LocationKind", LOCATION_KINDS)
LabelSize = _choices("LabelSize", ("4x6", "a6"))
InvoicePolicy = _choices("InvoicePolicy", ("fulfilled", "ordered"))


def one_of(choices) -> str:
    """Choices for a help text: 'a, b or c'."""
    values = [getattr(c, "value", c) for c in choices]
    return f"{', '.join(values[:-1])} or {values[-1]}"


def _read(parse: Callable[[str], T]) -> Callable[[str], T]:
    """A parser for typer: the domain's reading of a text, whose refusal is a usage error."""

    def read(text: str) -> T:
        try:
            return parse(text)
        except InvalidData as error:
            raise ValueError(str(error)) from None

    return read


def _order_number(text: str) -> int:
    from ordercli.domain.validation import parse_order_number

    return parse_order_number(text)


def read_order_number_arg(text: str) -> int:
    """An order or shipment number given as an argument or option (typer's `parser`)."""
    return _read(_order_number)(text)


def read_credit_want(text: str):
    """`credit-note --line SKU:QTY`: what to credit, read with the command line (exit 2)."""
    from ordercli.domain.invoicing import parse_credit_want

    return _read(parse_credit_want)(text)


def _duration(text: str) -> str:
    """A duration, checked and kept as typed (the history says 'not verified within 1h30m')."""
    from ordercli.domain.times import parse_duration

    parse_duration(text)
    return text.strip()


def _since(text: str) -> datetime:
    from ordercli.domain.times import parse_when

    return parse_when(text, datetime.now(timezone.utc))


def _until(text: str) -> datetime:
    from ordercli.domain.times import parse_when

    return parse_when(text, datetime.now(timezone.utc), end_of_day=True)


def sort_key(text: str) -> str:
    """A key of `list --sort` (the choices live with the query that sorts, imported only here)."""
    from ordercli.db.queries.orders import SORT_KEYS
    from ordercli.domain.validation import shown

    if text.strip().lstrip("-+") not in SORT_KEYS:
        raise ValueError(f"{shown(text)} is not one of {one_of(SORT_KEYS)} ('-' first for descending)")
    return text.strip()


Order = Annotated[int, typer.Argument(metavar="ORDER", parser=_read(_order_number), help="Order number.",
                                      show_default=False)]
# The order numbers of a batch (`status`) are its entries, judged each like those read from stdin:
# one that is not a number is that entry's failure (exit 5, or skipped with --skip-invalid).
Orders = Annotated[list[str] | None, typer.Argument(
    metavar="ORDER", show_default=False, help="Order numbers; '-' reads them from stdin, one a line.")]
DURATION_HELP = "1h30m, 90m, 2h, 3d, 1w, 2 days"
read_duration = _read(_duration)
read_since = _read(_since)
WHEN_HELP = "2026-11-01, 2026-11-01T08:00+01:00, today, yesterday, or a duration ago: 7d, 1h30m (UTC)"
Since = Annotated[datetime | None, typer.Option(metavar="WHEN", parser=_read(_since), show_default=False,
                                                help=f"Placed at or after: {WHEN_HELP}.")]
Until = Annotated[datetime | None, typer.Option(metavar="WHEN", parser=_read(_until), show_default=False,
                                                help="Placed before this time (as --since); a date or a day "
                                                     "word includes that whole day.")]
