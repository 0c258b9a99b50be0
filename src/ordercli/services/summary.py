"""`summary`: how many orders were placed, what they are worth and how fast they left, per
period (day, ISO week, month) or per channel, status or delivery method; per currency.

What counts, precisely (docs/commands.md, `ordercli summary`, says the same to people):
- An order belongs to the period in which it was placed (`placed_at`, UTC), and to the time
  range `since` (at or after) to `until` (before), as in `list`.
- `orders` counts every order placed. Those canceled, abandoned, failed or returned
  (NOT_IN_REVENUE) are also counted by status, apart, and are in no money figure. Every other
  order is in revenue, whatever has shipped of it: revenue is what was ordered (booked when
  placed), not what was invoiced or handed over.
- Revenue of an order: net = subtotal - discount + shipping charge (all net of tax), tax = its
  tax (the lines' and the shipping charge's), gross = its total = net + tax; so the sums equal
  those of the orders' own totals, to the cent.
- By delivery method, the groups are of order lines: an order with lines of two methods is
  counted in both; its money there is those lines' net and tax. Shipping charges are a group
  of their own, SHIPPING, counting the orders that have one. The methods and the shipping group
  together add up to the orders' revenue.
- Hand-overs, of the orders in revenue only: an order's first hand-over is the earliest of its
  shipments that count (neither deleted nor returned to sender); `on_time` counts those handed
  over within the `on_time` window after placement (at most that long); the average is of the
  whole seconds from placement to first hand-over, in hours with one decimal (half up). By
  method, it is the first hand-over of a shipment that carried a line of that method; the
  shipping group has no hand-over figures.
- Money is summed per currency, never across: each group and each total is of one currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from ordercli.db.dialect import PERIODS
from ordercli.db.queries import summary as queries
from ordercli.domain.errors import InvalidData
from ordercli.domain.money import Money
from ordercli.domain.orders import ALL_DELIVERY_METHODS, CHANNELS
from ordercli.domain.statuses import Status

# Orders counted, but apart, and in no money figure.
NOT_IN_REVENUE = (Status.CANCELED, Status.ABANDONED, Status.FAILED, Status.RETURNED)

# What `summary --by` groups by: a period, or a field of the order (or of its lines: method).
GROUPINGS = (*PERIODS, "channel", "status", "method")

SHIPPING = queries.SHIPPING

DEFAULT_ON_TIME = timedelta(days=2)


@dataclass(frozen=True)
class HandOvers:
    """How fast the orders of a group were handed over (to a carrier, or to the customer)."""

    handed_over: int  # orders with a first hand-over
    on_time: int  # of those, handed over within the on-time window
    seconds: int  # from placement to first hand-over, added up over those orders

    @property
    def average_hours(self) -> Decimal | None:
        """The mean time to the first hand-over in hours, one decimal (None: none handed over)."""
        if not self.handed_over:
            return None
        return (Decimal(self.seconds) / (self.handed_over * 3600)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __add__(self, other: HandOvers) -> HandOvers:
        return HandOvers(self.handed_over + other.handed_over, self.on_time + other.on_time,
                         self.seconds + other.seconds)


@dataclass(frozen=True)
class Figures:
    """The figures of one group (or of all: `group` None) in one currency."""

    group: str | None
    currency: str
    orders: int  # every order placed
    not_in_revenue: tuple[tuple[str, int], ...]  # (status, orders), for each of NOT_IN_REVENUE in order
    in_revenue: int  # orders whose money is in net, tax and gross
    net: Money
    tax: Money
    gross: Money
    hand_overs: HandOvers | None  # None: not a thing that is handed over (the shipping charges)

    @property
    def excluded(self) -> int:
        """The orders not in revenue, of every status together."""
        return self.orders - self.in_revenue


@dataclass(frozen=True)
class Summary:
    """What `summary` shows: the figures per group and currency (sorted by group, then
    currency), and the totals per currency of the whole range."""

    by: str
    since: datetime | None
    until: datetime | None
    on_time: timedelta
    groups: tuple[Figures, ...]
    totals: tuple[Figures, ...]


class _Sums:
    """The figures of a group and currency while the rows of each status are added in."""

    def __init__(self) -> None:
        self.orders = self.in_revenue = self.net = self.tax = self.gross = 0
        self.apart = dict.fromkeys(NOT_IN_REVENUE, 0)
        self.hand_overs: HandOvers | None = None

    def add(self, row) -> None:
        self.orders += int(row.orders)
        if row.status in self.apart:
            self.apart[row.status] += int(row.orders)
            return
        self.in_revenue += int(row.orders)
        self.net += int(row.net_minor)
        self.tax += int(row.tax_minor)
        self.gross += int(row.gross_minor)
        if row.handed_over is not None:
            counted = HandOvers(int(row.handed_over), int(row.on_time), int(row.hand_over_seconds))
            self.hand_overs = counted if self.hand_overs is None else self.hand_overs + counted

    def figures(self, group: str | None, currency: str, handed: bool) -> Figures:
        hand_overs = self.hand_overs or (HandOvers(0, 0, 0) if handed else None)
        return Figures(group, currency, self.orders, tuple((str(s), n) for s, n in self.apart.items()),
                       self.in_revenue, Money(self.net, currency), Money(self.tax, currency),
                       Money(self.gross, currency), hand_overs)


def _folded(rows, key) -> dict:
    """Rows of (grp, currency, status, ...) added up per `key(row)`."""
    sums: dict = {}
    for row in rows:
        sums.setdefault(key(row), _Sums()).add(row)
    return sums


def _order_of(by: str):
    """How the groups of `by` are sorted: periods by date, the rest in the order the domain
    lists them (statuses as the transition table, channels and methods as offered)."""
    listed = {"status": [str(s) for s in Status], "channel": list(CHANNELS),
              "method": [*ALL_DELIVERY_METHODS, SHIPPING]}.get(by)
    if listed is None:
        return lambda group: (0, group)
    return lambda group: (listed.index(group), "") if group in listed else (len(listed), group)


def summarize(connection, by: str, since: datetime | None, until: datetime | None,
              on_time: timedelta = DEFAULT_ON_TIME) -> Summary:
    """The summary of the orders placed from `since` to before `until`, grouped `by` one of
    GROUPINGS, with hand-overs within `on_time` counted as on time (see the module docstring)."""
    if by not in GROUPINGS:
        raise InvalidData(f"cannot group by {by!r} (one of: {', '.join(GROUPINGS)})")
    if since is not None and until is not None and since >= until:
        raise InvalidData("the time range is empty: since must be before until")
    seconds = int(on_time.total_seconds())
    if seconds <= 0:
        raise InvalidData("the on-time window must be longer than a second")
    if by == "method":
        found = queries.by_method(connection, since, until, seconds)
        whole = queries.by_order(connection, None, since, until, seconds)
        totals = _folded(whole, lambda row: row.currency)
    else:
        found = queries.by_order(connection, by, since, until, seconds)
        totals = _folded(found, lambda row: row.currency)  # each order is in one group: they add up
    groups = _folded(found, lambda row: (row.grp, row.currency))
    order = _order_of(by)
    return Summary(
        by=by, since=since, until=until, on_time=on_time,
        groups=tuple(groups[key].figures(key[0], key[1], handed=key[0] != SHIPPING or by != "method")
                     for key in sorted(groups, key=lambda k: (order(k[0]), k[1]))),
        totals=tuple(totals[currency].figures(None, currency, handed=True) for currency in sorted(totals)),
    )


def sales_summary(db, by: str, since: datetime | None, until: datetime | None,
                  on_time: timedelta = DEFAULT_ON_TIME) -> Summary:
    """`summarize` in one read-only transaction that sees the database as of one moment, so
    the groups and the totals (two statements, by method) agree on PostgreSQL too."""
    db.ensure_schema(create=False)
    with db.snapshot() as connection:
        return summarize(connection, by, since, until, on_time)
