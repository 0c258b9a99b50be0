"""`ordercli summary`: its sums equal those of the exported orders to the cent, per currency and
per period; what is not in revenue is counted apart; hand-overs on time and their average;
delivery methods; weeks from Monday and days in UTC; the chart only on a terminal; the table
at 80 and 40 columns; bad invocations. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.helpers import CUSTOMER, arranging, force_status, query

NOT_IN_REVENUE = ("canceled", "abandoned", "failed", "returned")


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


def summary(cli, *args) -> dict:
    return json.loads(ok(cli("summary", *args, "--json")).stdout)


def _write(cli, sql: str, params: dict) -> None:
    """Arrange a test: one statement in a write transaction of its own."""
    from ordercli.db.sql import execute

    with arranging(cli) as (database, _), database.write() as connection:
        execute(connection, sql, params)


def place_at(cli, number: int, at: datetime) -> None:
    """Arrange a test: the order was placed at `at` (UTC)."""
    _write(cli, "UPDATE orders SET placed_at = :at WHERE id = :n", {"at": at, "n": number})


def create(cli, *args: str) -> int:
    return int(ok(cli("create", *CUSTOMER, *args)).stdout)


def exported_orders(cli) -> list[dict[str, str]]:
    """Every order as the rows of `ordercli export --format orders` give them, by their column
    names (order, status, placed_at, currency, subtotal, discount, shipping, tax, total)."""
    import csv
    import io

    return list(csv.DictReader(io.StringIO(ok(cli("export", "--format", "orders")).stdout, newline="")))


def _period(placed_at: str, by: str) -> str:
    day = date.fromisoformat(placed_at[:10])
    if by == "week":
        day -= timedelta(days=day.weekday())
    elif by == "month":
        day = day.replace(day=1)
    return day.isoformat()


def expected_groups(rows: list[dict[str, str]], by: str | None) -> dict:
    """What `summary` must say, worked out from exported rows: per (group, currency) the orders,
    those not in revenue by status, and net (subtotal - discount + shipping), tax and gross
    (total) of the others."""
    found: dict = defaultdict(lambda: {"orders": 0, "apart": dict.fromkeys(NOT_IN_REVENUE, 0),
                                       "net": Decimal(0), "tax": Decimal(0), "gross": Decimal(0)})
    for row in rows:
        group = None if by is None else row["status"] if by == "status" else _period(row["placed_at"], by)
        figures = found[(group, row["currency"])]
        figures["orders"] += 1
        if row["status"] in NOT_IN_REVENUE:
            figures["apart"][row["status"]] += 1
            continue
        figures["net"] += Decimal(row["subtotal"]) - Decimal(row["discount"]) + Decimal(row["shipping"])
        figures["tax"] += Decimal(row["tax"])
        figures["gross"] += Decimal(row["total"])
    return dict(found)


def reported(items: list[dict]) -> dict:
    """The same figures as `summary --json` gives them, amounts as Decimals (exact)."""
    found = {}
    for item in items:
        revenue = item["revenue"]
        assert {m["currency"] for m in revenue.values()} == {item["currency"]}  # never another currency
        found[(item["group"], item["currency"])] = {
            "orders": item["orders"], "apart": item["not_in_revenue"],
            **{name: Decimal(revenue[name]["amount"]) for name in ("net", "tax", "gross")}}
        assert item["in_revenue"] == item["orders"] - sum(item["not_in_revenue"].values())
    return found


# -- the sums ---------------------------------------------------------------------------------------

# (currency, options) of the orders the shop takes, in turn: odd prices, three tax rates, a
# percent promo shared over lines, shipping charges with their own tax, and currencies of 0, 2
# and 3 decimals.
ORDERS = [
    ("EUR", ("--line", "CHAI:3")),
    ("EUR", ("--line", "CHAI:1", "--line", "TEA:2", "--promo", "WELCOME10", "--shipping", "4.90")),
    ("EUR", ("--line", "TEA:7", "--shipping", "3.95", "--shipping-tax-rate", "7")),
    ("USD", ("--line", "GADGET:3@19.99:Gadget", "--shipping", "5.00", "--shipping-tax-rate", "8.88")),
    ("JPY", ("--line", "KIT:2@1501:Kit", "--shipping", "500", "--shipping-tax-rate", "10")),
    ("KWD", ("--line", "SVC:1@12.345:Service", "--shipping", "1.250", "--shipping-tax-rate", "5")),
    ("EUR", ("--line", "CHAI:2", "--line", "TEA:1", "--line", "FEE:1@0.99:Small fee", "--promo", "WELCOME10")),
    ("USD", ("--line", "GADGET:1@0.05:Sticker", "--promo", "WELCOME10", "--shipping", "0.99",
             "--shipping-tax-rate", "19")),
]
# By order number: orders 4, 12 and 20 are in USD, 5 in JPY, 9 and 21 in EUR.
STATUSES = {4: "canceled", 20: "canceled", 12: "failed", 5: "abandoned", 9: "returned", 21: "closed"}
FIRST_PLACED = datetime(2026, 10, 20, 5, 0, tzinfo=timezone.utc)  # a Tuesday; 24 orders reach November


@pytest.fixture
def shop(cli):
    """24 orders in four currencies, placed every 19 hours and 7 minutes from FIRST_PLACED (three
    months, four ISO weeks), some of them canceled, abandoned, failed or returned."""
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.37", "--tax-rate", "19"))
    ok(cli("product", "add", "TEA", "--name", "Green tea", "--price", "4.35", "--tax-rate", "7"))
    for sku in ("CHAI", "TEA"):
        ok(cli("stock", "receive", sku, "1000"))
    ok(cli("promo", "add", "WELCOME10", "--percent", "10"))
    for n in range(24):
        currency, options = ORDERS[n % len(ORDERS)]
        number = create(cli, "--currency", currency, *options)
        place_at(cli, number, FIRST_PLACED + n * timedelta(hours=19, minutes=7))
        if number in STATUSES:
            force_status(cli, number, STATUSES[number])
    return cli


@pytest.mark.parametrize("by", ["day", "week", "month", "status"])
def test_the_sums_equal_those_of_the_exported_orders_to_the_cent_per_currency_and_group(shop, by):
    rows = exported_orders(shop)
    assert len(rows) == 24 and {r["currency"] for r in rows} == {"EUR", "USD", "JPY", "KWD"}
    found = summary(shop, "--by", by)
    assert reported(found["groups"]) == expected_groups(rows, by)
    assert reported(found["overall"]) == expected_groups(rows, None)
    assert [t["currency"] for t in found["overall"]] == ["EUR", "JPY", "KWD", "USD"]


def test_a_time_range_takes_the_orders_list_takes(shop):
    since, until = "2026-10-25", "2026-11-03"  # --until a date: through the end of that day
    rows = exported_orders(shop)
    listed = {str(r["number"]) for r in json.loads(ok(shop("list", "--since", since, "--until", until, "--limit",
                                                            "0", "--json")).stdout)}
    assert 0 < len(listed) < len(rows)
    found = summary(shop, "--since", since, "--until", until, "--by", "week")
    assert (found["since"], found["until"]) == ("2026-10-25T00:00:00Z", "2026-11-04T00:00:00Z")
    assert reported(found["overall"]) == expected_groups([r for r in rows if r["order"] in listed], None)


def test_canceled_abandoned_failed_and_returned_orders_are_counted_apart_and_in_no_money_figure(shop):
    by_status = {(g["group"], g["currency"]): g for g in summary(shop, "--by", "status")["groups"]}
    canceled = by_status[("canceled", "USD")]
    assert (canceled["orders"], canceled["in_revenue"], canceled["not_in_revenue"]["canceled"]) == (2, 0, 2)
    assert {m["amount"] for m in canceled["revenue"].values()} == {"0.00"}
    totals = {t["currency"]: t for t in summary(shop)["overall"]}
    assert totals["EUR"]["not_in_revenue"] == {"canceled": 0, "abandoned": 0, "failed": 0, "returned": 1}
    assert totals["USD"]["not_in_revenue"] == {"canceled": 2, "abandoned": 0, "failed": 1, "returned": 0}
    assert totals["JPY"]["not_in_revenue"] == {"canceled": 0, "abandoned": 1, "failed": 0, "returned": 0}
    assert sum(t["orders"] for t in totals.values()) == 24
    assert totals["KWD"]["not_in_revenue"] == dict.fromkeys(NOT_IN_REVENUE, 0)
    assert sum(t["in_revenue"] for t in totals.values()) == 24 - 5


def test_money_of_each_currency_is_its_own_row_in_the_table(shop):
    lines = ok(shop("summary", "--by", "month")).stdout.splitlines()
    totals = [line.split("\t") for line in lines if line.startswith("total\t")]
    assert [row[5].split()[-1] for row in totals] == ["EUR", "JPY", "KWD", "USD"]  # Gross, with its currency
    assert all(row[5].split()[0].replace(",", "").replace(".", "").isdigit() for row in totals)


# -- by delivery method -----------------------------------------------------------------------------


def test_by_method_counts_an_order_in_each_of_its_methods_and_puts_shipping_charges_apart(cli):
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.37", "--tax-rate", "19"))
    ok(cli("stock", "receive", "CHAI", "10"))
    both = create(cli, "--line", "CHAI:2", "--line", "FEE:1@2.50:Fee", "--shipping", "4.90")
    shipped_only = create(cli, "--line", "CHAI:1")
    canceled = create(cli, "--line", "FEE:1@9.99:Fee")
    force_status(cli, canceled, "canceled")
    groups = {g["group"]: g for g in summary(cli, "--by", "method")["groups"]}
    assert list(groups) == ["ship", "service", "shipping"]
    assert [groups[m]["orders"] for m in groups] == [2, 2, 1]
    assert groups["service"]["not_in_revenue"]["canceled"] == 1
    assert groups["shipping"]["fulfillment"] is None

    def lines_of(number: int, method: str) -> tuple[Decimal, Decimal]:
        lines = [line for line in cli.json("show", str(number))["lines"] if line["delivery_method"] == method]
        return (sum(Decimal(line["net"]["amount"]) for line in lines),
                sum(Decimal(line["tax"]["amount"]) for line in lines))

    for method, orders in (("ship", (both, shipped_only)), ("service", (both,))):
        net, tax = (sum(parts) for parts in zip(*(lines_of(n, method) for n in orders)))
        revenue = groups[method]["revenue"]
        assert (Decimal(revenue["net"]["amount"]), Decimal(revenue["tax"]["amount"])) == (net, tax)
        assert Decimal(revenue["gross"]["amount"]) == net + tax
    order = cli.json("show", str(both))
    shipping = groups["shipping"]["revenue"]
    charge = order["shipping_charge"]
    assert (shipping["net"]["amount"], shipping["tax"]["amount"]) == ("4.90", "0.93")
    assert (charge["amount"]["amount"], charge["tax"]["amount"]) == ("4.90", "0.93")
    # The methods and the shipping charges add up to the revenue of the orders, which is theirs.
    total = summary(cli, "--by", "method")["overall"][0]
    for name in ("net", "tax", "gross"):
        assert sum(Decimal(g["revenue"][name]["amount"]) for g in groups.values()) == \
            Decimal(total["revenue"][name]["amount"])
    assert reported([total]) == {(None, "EUR"): expected_groups(exported_orders(cli), None)[(None, "EUR")]}
    assert (total["orders"], total["in_revenue"]) == (3, 2)  # each order once


# -- hand-overs -------------------------------------------------------------------------------------

PLACED = datetime(2026, 11, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def shipped(cli):
    """Seven orders placed at PLACED, each of one unit of CHAI, and shipped so:
    1: in two shipments, handed over after 30 h and (the first) after 10 h;
    2: handed over 48 h and 0.999999 s after placement (whole seconds: 48 h);
    3: handed over 48 h and 1 s after;
    4: handed over after 1 h, the shipment then deleted;
    5: handed over after 1 h, the shipment then returned to sender;
    6: not shipped;
    7: handed over after 1 h, the order then returned (not in revenue)."""
    ok(cli("location", "add", "main"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "10.00", "--tax-rate", "19"))
    ok(cli("stock", "receive", "CHAI", "100"))
    for n in range(1, 8):
        assert create(cli, "--line", "CHAI:2" if n == 1 else "CHAI:1") == n
        ok(cli("verify", str(n), "--by", "anna"))
        if n != 6:
            ok(cli("status", str(n), "--to", "ready_to_ship"))
    ok(cli("ship", "1", "--line", "CHAI:1"))
    ok(cli("ship", "1", "2", "3", "4", "5", "7"))
    for n in range(1, 8):
        place_at(cli, n, PLACED)
    after = {1: [timedelta(hours=30), timedelta(hours=10)], 2: [timedelta(hours=48, microseconds=999_999)],
             3: [timedelta(hours=48, seconds=1)], 4: [timedelta(hours=1)], 5: [timedelta(hours=1)],
             7: [timedelta(hours=1)]}
    for number, times in after.items():
        ids = [r.id for r in query(cli, "SELECT id FROM shipments WHERE order_id = :n ORDER BY id", {"n": number})]
        for shipment, elapsed in zip(ids, times, strict=True):
            _write(cli, "UPDATE shipments SET handed_over_at = :at WHERE id = :id",
                   {"at": PLACED + elapsed, "id": shipment})
    _write(cli, "UPDATE shipments SET deleted_at = :at WHERE order_id = 4", {"at": PLACED + timedelta(hours=2)})
    _write(cli, "UPDATE shipments SET stage = 'returned_to_sender', returned_at = :at WHERE order_id = 5",
           {"at": PLACED + timedelta(hours=2)})
    force_status(cli, 7, "returned")
    return cli


def test_on_time_counts_first_hand_overs_within_the_window_and_the_average_is_in_hours(shipped):
    found = summary(shipped)
    assert found["on_time_seconds"] == 2 * 24 * 3600
    (group,) = found["groups"]
    assert group["group"] == "2026-11-02" and group["orders"] == 7 and group["in_revenue"] == 6
    # Handed over: 1 (10 h), 2 (48 h) and 3 (48 h 1 s); 4 and 5 do not count, 6 never left, 7 is returned.
    # The average: (36000 + 172800 + 172801) s / 3 = 35.33 h.
    assert group["fulfillment"] == {"handed_over": 3, "on_time": 2, "average_hours_to_hand_over": "35.3"}
    assert found["overall"][0]["fulfillment"] == group["fulfillment"]
    assert summary(shipped, "--on-time", "1d")["groups"][0]["fulfillment"]["on_time"] == 1
    assert summary(shipped, "--on-time", "48h1s")["groups"][0]["fulfillment"]["on_time"] == 3
    assert summary(shipped, "--on-time", "5h")["groups"][0]["fulfillment"]["on_time"] == 0


def test_the_table_says_how_many_left_on_time_and_after_how_long(shipped):
    (row, total) = [line.split("\t") for line in ok(shipped("summary", "--by", "week")).stdout.splitlines()]
    assert row == ["2026-11-02", "7", "1", "70.00 EUR", "13.30 EUR", "83.30 EUR", "3", "67%", "35.3"]
    assert total == ["total", *row[1:]]


def test_by_method_hand_overs_are_those_of_shipments_that_carried_the_method(shipped):
    groups = summary(shipped, "--by", "method")["groups"]
    assert [(g["group"], g["fulfillment"]) for g in groups] == [
        ("ship", {"handed_over": 3, "on_time": 2, "average_hours_to_hand_over": "35.3"})]


# -- periods ----------------------------------------------------------------------------------------


def test_weeks_start_on_monday_and_days_end_at_midnight_utc(cli):
    sunday_night = datetime(2026, 11, 1, 23, 59, 59, 999_999, tzinfo=timezone.utc)
    placed = [sunday_night, sunday_night + timedelta(microseconds=1), datetime(2026, 11, 30, 23, 0, tzinfo=timezone.utc),
              datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc)]
    for at in placed:
        place_at(cli, create(cli, "--line", "FEE:1@10.00:Fee"), at)

    def groups(by: str) -> list[tuple[str, int]]:
        return [(g["group"], g["orders"]) for g in summary(cli, "--by", by)["groups"]]

    assert groups("day") == [("2026-11-01", 1), ("2026-11-02", 1), ("2026-11-30", 1), ("2026-12-01", 1)]
    assert groups("week") == [("2026-10-26", 1), ("2026-11-02", 1), ("2026-11-30", 2)]
    assert groups("month") == [("2026-11-01", 3), ("2026-12-01", 1)]


def test_channels_come_in_the_order_they_are_offered(cli):
    for channel in ("store", "web", "phone", "web"):
        create(cli, "--line", "FEE:1@1.00:Fee", "--channel", channel)
    assert [(g["group"], g["orders"]) for g in summary(cli, "--by", "channel")["groups"]] == [
        ("web", 2), ("phone", 1), ("store", 1)]


# -- output -----------------------------------------------------------------------------------------


def test_nothing_placed_prints_empty_figures_and_says_so(cli):
    outcome = ok(cli("summary", "--json"))
    assert json.loads(outcome.stdout) == {"by": "day", "since": None, "until": None, "on_time_seconds": 172800,
                                          "groups": [], "overall": []}
    assert outcome.stderr == "no orders match\n"
    for env in ({}, {"ORDERCLI_FORCE_TTY": "80"}):
        table = ok(cli("summary", env=env))
        assert (table.stdout, table.stderr) == ("", "no orders match\n")


def _ordered_on_two_days(cli) -> None:
    ok(cli("product", "add", "CHAI", "--name", "[bold red]Chai[/]", "--price", "18.37", "--tax-rate", "19"))
    name = "[red]Evil[/] Corp"
    for day in (2, 5):
        number = int(ok(cli("create", *CUSTOMER[2:], "--name", name, "--line", "CHAI:1", "--backorder")).stdout)
        place_at(cli, number, datetime(2026, 11, day, 9, tzinfo=timezone.utc))


def test_a_terminal_gets_a_chart_of_orders_and_revenue_after_the_table(cli):
    _ordered_on_two_days(cli)
    shown = ok(cli("summary", env={"ORDERCLI_FORCE_TTY": "80"})).stdout
    assert "Orders placed per day\n" in shown and "Revenue, gross, EUR per day\n" in shown
    assert "(orders)" in shown and "(EUR)" in shown and "11-02" in shown
    assert max(len(line) for line in shown.splitlines()) <= 80
    assert "Evil" not in shown and "Chai" not in shown  # nothing people typed is in a summary
    assert "\x1b" not in shown  # no colour: one line a plot needs none
    wide = ok(cli("summary", "--by", "week", env={"ORDERCLI_FORCE_TTY": "120"})).stdout
    assert "per week (from Monday)" not in wide  # both days are in one week: nothing to draw over time
    assert max(len(line) for line in ok(cli("summary", env={"ORDERCLI_FORCE_TTY": "120"})).stdout.splitlines()) <= 120


@pytest.mark.parametrize("args, env", [
    ((), {}),  # a pipe
    (("--json",), {"ORDERCLI_FORCE_TTY": "80"}),
    (("--no-chart",), {"ORDERCLI_FORCE_TTY": "80"}),
    (("--by", "channel"), {"ORDERCLI_FORCE_TTY": "80"}),
    (("--by", "day"), {"ORDERCLI_FORCE_TTY": "40"}),  # too narrow for a chart
])
def test_no_chart_in_a_pipe_in_json_with_no_chart_for_groups_or_on_a_narrow_terminal(cli, args, env):
    _ordered_on_two_days(cli)
    shown = ok(cli("summary", *args, env=env)).stdout
    assert "Orders placed" not in shown and "⠀" not in shown


def test_a_real_pipe_gets_tab_separated_rows_and_no_chart(cli):
    _ordered_on_two_days(cli)
    outcome = ok(cli.run("summary"))
    assert outcome.stdout.splitlines() == [
        "2026-11-02\t1\t0\t18.37 EUR\t3.49 EUR\t21.86 EUR\t0\t\t",
        "2026-11-05\t1\t0\t18.37 EUR\t3.49 EUR\t21.86 EUR\t0\t\t",
        "total\t2\t0\t36.74 EUR\t6.98 EUR\t43.72 EUR\t0\t\t",
    ]


def _titles(shown: str) -> list[str]:
    lines = shown.splitlines()
    rule = next(n for n, line in enumerate(lines) if line and set(line) <= {"─", " "})
    return lines[rule - 1].split()


def test_the_table_leaves_out_tax_net_excluded_and_shipped_first_and_keeps_orders_and_gross(cli):
    _ordered_on_two_days(cli)

    def titles(width: int) -> list[str]:
        shown = ok(cli("summary", "--no-chart", env={"ORDERCLI_FORCE_TTY": str(width)})).stdout
        assert max(len(line) for line in shown.splitlines()) <= width
        return _titles(shown)

    every = ["Group", "Orders", "Excluded", "Net", "Tax", "Gross", "Shipped", "On time", "Avg hours"]
    assert titles(120) == " ".join(every).split()
    assert titles(80) == " ".join(t for t in every if t != "Tax").split()
    assert titles(70) == " ".join(t for t in every if t not in ("Tax", "Net")).split()
    assert titles(40) == ["Group", "Orders", "Gross", "On", "time"]
    assert titles(30) == ["Group", "Orders", "Gross"]


# -- the command line -------------------------------------------------------------------------------


@pytest.mark.parametrize("args, line", [
    (["--by", "year"], "--by 'year' is not one of day, week, month, channel, status, method "
                       "(see ordercli summary --help)"),
    (["--on-time", "soon"], "--on-time 'soon' is not a duration (examples: 30m, 2h, 3d, 1w) "
                            "(see ordercli summary --help)"),
    (["--since", "2026-11-05", "--until", "2026-11-01"],
     "--since 2026-11-05 00:00 UTC is not before --until 2026-11-02 00:00 UTC: no order can be placed in between "
     "(see ordercli summary --help)"),
    (["--csv"], "no such option --csv (see ordercli summary --help)"),
])
def test_a_bad_invocation_is_a_usage_error_in_one_line(cli, args, line):
    outcome = cli("summary", *args)
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (2, "", f"ordercli: {line}\n")


def test_the_groupings_offered_are_those_the_service_knows():
    from ordercli.cli.summary import BY_CHOICES, PERIODS
    from ordercli.db.dialect import PERIODS as DIALECT_PERIODS
    from ordercli.services.summary import GROUPINGS

    assert BY_CHOICES == GROUPINGS and PERIODS == DIALECT_PERIODS
