"""`ordercli summary`: orders, revenue and hand-over times per period or group, per currency;
a table and, on a terminal, a chart of orders and revenue over time. Its JSON shape and its
table live here with it."""

from __future__ import annotations

import sys
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Annotated

import typer

from ordercli.cli import shapes, values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.cli.output import Output, Table, key, money_text, number, output_options, terminal_width, time_text

top = typer.Typer()

# `--by`: the groupings of services/summary.py (GROUPINGS, checked equal by a test), listed here
# so that --help and completion need not import the services.
BY_CHOICES = ("day", "week", "month", "channel", "status", "method")
PERIODS = ("day", "week", "month")
By = Enum("By", [(choice, choice) for choice in BY_CHOICES])

DEFAULT_ON_TIME = "2d"


@top.command("summary")
@output_options(json="Print JSON for dashboards: every group and the totals per currency (docs/json.md).")
def summary(
    ctx: typer.Context,
    output: Output,
    since: values.Since = None,
    until: values.Until = None,
    by: Annotated[By, typer.Option("--by", metavar="GROUPING", case_sensitive=False, help=(
        f"One row per {values.one_of(BY_CHOICES)} (weeks from Monday, UTC). By method: per delivery "
        "method of the order lines, and the shipping charges apart."))] = By.day,
    on_time: Annotated[str, typer.Option("--on-time", metavar="DURATION", parser=values.read_duration, help=(
        f"An order handed over within this long after it was placed was on time ({values.DURATION_HELP})."
    ))] = DEFAULT_ON_TIME,
    no_chart: Annotated[bool, typer.Option("--no-chart", help="On a terminal, the table alone.")] = False,
) -> None:
    """Orders, revenue and how fast orders left: per day, week, month, channel, status or method.

    For each group and currency: the orders placed, those canceled, abandoned, failed or
    returned (counted, not in revenue), revenue net, tax and gross, and of the orders in
    revenue how many were handed over, how many within --on-time, and the average hours from
    placement to first hand-over. Money is never added across currencies. On a terminal, by
    day, week or month, a chart of orders and revenue over time follows the table.

    \b
    Examples:
      ordercli summary --since 30d
      ordercli summary --since 2026-01-01 --by month --on-time 1d
      ordercli summary --since yesterday --until yesterday --by channel --json
    """
    from ordercli.domain.times import parse_duration
    from ordercli.services.summary import sales_summary

    if since is not None and until is not None and since >= until:
        raise fail(f"--since {time_text(since)} UTC is not before --until {time_text(until)} UTC: "
                   "no order can be placed in between", EXIT_USAGE)
    state = app_context(ctx)
    found = sales_summary(state.database(), by.value, since, until, parse_duration(on_time))
    output.emit(found, shape=shapes.summary, table=lambda figures: print_summary(figures, chart=not no_chart))
    if not found.groups:
        state.say("no orders match")


# -- JSON ------------------------------------------------------------------------------------------


# -- the table for people --------------------------------------------------------------------------


def _percent(part: int, whole: int) -> str:
    if not whole:
        return ""
    return f"{(Decimal(part) * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _row(label: str, figures) -> tuple:
    hand_overs = figures.hand_overs
    handed = ("", "", "") if hand_overs is None else (
        hand_overs.handed_over, _percent(hand_overs.on_time, hand_overs.handed_over),
        "" if hand_overs.average_hours is None else str(hand_overs.average_hours))
    return (label, figures.orders, figures.excluded, money_text(figures.net), money_text(figures.tax),
            money_text(figures.gross), *handed)


# Each group per currency, then a `total` row per currency. Excluded: orders canceled,
# abandoned, failed or returned (not in revenue); Shipped: orders handed over; On time: the
# share of those handed over within --on-time.
SUMMARY = Table(
    (key("Group"), number("Orders"), number("Excluded"), number("Net"), number("Tax"), number("Gross"),
     number("Shipped"), number("On time"), number("Avg hours")),
    lambda found: [*(_row(f.group, f) for f in found.groups),
                   *(_row("total", f) for f in found.totals)],
    drop=("Tax", "Net", "Excluded", "Shipped", "Avg hours", "On time"),
)


def print_summary(found, *, chart: bool = True) -> None:
    """The table (nothing when no order matched); on a terminal, by a period, and unless `chart`
    is False, a chart of orders and revenue over time after it."""
    if not found.groups:
        return
    SUMMARY(found)
    width = terminal_width()
    if chart and width is not None and found.by in PERIODS:
        drawn = chart_text(found, width)
        if drawn:
            sys.stdout.write("\n" + drawn)


# -- the chart -------------------------------------------------------------------------------------

CHART_HEIGHT = 8  # rows of each plot
CHART_LEAST_WIDTH = 50  # a terminal narrower than this gets no chart
_Y_AXIS = 13  # the columns plotille's y axis takes: ten for a tick label, then " | "


def _periods(first: date, last: date, by: str) -> list[date]:
    """Every period start from `first` to `last`: the periods without orders too."""
    found, at = [], first
    while at <= last:
        found.append(at)
        if by == "month":
            at = date(at.year + at.month // 12, at.month % 12 + 1, 1)
        else:
            at += timedelta(days=7 if by == "week" else 1)
    return found


def _tick(value: float) -> str:
    """A tick label of at most ten characters: 0.5, 1,234, 12.3k, 4.5M, 1.2G."""
    if abs(value) < 10_000:
        return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= limit:
            return f"{value / limit:,.1f}{suffix}"


def _plot(x: list[datetime], y: list[float], label: str, width: int) -> str:
    import plotille

    axis = "UTC"
    figure = plotille.Figure()
    figure.width = width - _Y_AXIS - len(f"|-> ({axis})")
    figure.height = CHART_HEIGHT
    figure.with_colors = False  # a plot of one line needs none, and plotille's first (white) vanishes on light themes
    figure.origin = False
    figure.linesep = "\n"
    figure.x_label, figure.y_label = axis, label
    figure.set_x_display_timezone(timezone.utc)
    figure.set_x_limits(min_=x[0], max_=x[-1])
    figure.set_y_limits(min_=0, max_=max(max(y) * 1.1, 1))  # a line along the top edge would not show
    # A tick falls anywhere in a period: it is labelled with its day (and year, if they differ).
    day = "%y-%m-%d" if x[0].year != x[-1].year else "%m-%d"
    figure.x_ticks_fkt = lambda at, _next: at.strftime(day)
    figure.y_ticks_fkt = lambda at, _next: _tick(at)
    figure.plot(x, y)
    return figure.show() + "\n"


def chart_text(found, width: int) -> str:
    """Orders placed, then gross revenue of each currency, per period over the whole range (a
    period without orders as 0), as plots `width` columns wide; '' for fewer than two periods
    or a terminal too narrow. Only dates, numbers and currency codes are drawn."""
    starts = sorted({date.fromisoformat(f.group) for f in found.groups})
    if len(starts) < 2 or width < CHART_LEAST_WIDTH:
        return ""
    periods = _periods(starts[0], starts[-1], found.by)
    x = [datetime(p.year, p.month, p.day, tzinfo=timezone.utc) for p in periods]
    index = {p.isoformat(): n for n, p in enumerate(periods)}
    orders = [0] * len(periods)
    gross: dict[str, list[float]] = {}
    for f in found.groups:
        orders[index[f.group]] += f.orders
        # Floats only to place points on the plot; the money itself is summed in minor units.
        gross.setdefault(f.currency, [0.0] * len(periods))[index[f.group]] = float(f.gross.amount)
    per = {"day": "per day", "week": "per week (from Monday)", "month": "per month"}[found.by]
    parts = [f"Orders placed {per}\n", _plot(x, orders, "orders", width)]
    for currency, amounts in sorted(gross.items()):
        parts += [f"\nRevenue, gross, {currency} {per}\n", _plot(x, amounts, currency, width)]
    return "".join(parts)
