"""`list`, `show`, `history`: filters, sorting, the table, JSON and CSV read back."""

import csv
import io
import json

import pytest

from tests.helpers import CUSTOMER, force_status


@pytest.fixture
def shop(cli):
    """Three orders from two customers on two channels."""
    orders = [
        (CUSTOMER, ["--channel", "web", "--ref", "W-1", "--line", "A:1@10.00:Alpha"]),
        (["--name", "Ana Trujillo", "--email", "ana@example.mx", "--address", "Avda. de la Constitución 2222",
          "--city", "México D.F.", "--postal-code", "05021", "--country", "MX"],
         ["--channel", "phone", "--line", "B:3@5.00:Bravo", "--note", "=HYPERLINK(\"http://x\")", "--currency", "MXN"]),
        (CUSTOMER, ["--channel", "web", "--ref", "W-2", "--line", "C:1@99.99:Charlie"]),
    ]
    for customer, rest in orders:
        outcome = cli("create", *customer, *rest)
        assert outcome.exit_code == 0, outcome
    force_status(cli, 3, "canceled")
    return cli


def numbers(rows):
    return [r["number"] for r in rows]


def test_list_shows_newest_first_and_filters(shop):
    assert numbers(shop.json("list")) == [3, 2, 1]
    assert numbers(shop.json("list", "--status", "open")) == [2, 1]
    assert numbers(shop.json("list", "--status", "open", "--status", "canceled", "--channel", "web")) == [3, 1]
    assert numbers(shop.json("list", "--customer", "TRUJILLO")) == [2]
    assert numbers(shop.json("list", "--customer", "+4930")) == [3, 1]
    assert numbers(shop.json("list", "--search", "w-2")) == [3]
    assert numbers(shop.json("list", "--search", "bravo")) == [2]
    assert numbers(shop.json("list", "--search", "2")) == [3, 2]  # W-2, and order number 2
    assert numbers(shop.json("list", "--search", "100%")) == []  # LIKE wildcards are taken literally
    assert numbers(shop.json("list", "--since", "1d", "--until", "2999-01-01")) == [3, 2, 1]
    assert numbers(shop.json("list", "--until", "2020-01-01")) == []


def test_list_sorts_and_limits(shop):
    assert numbers(shop.json("list", "--sort", "number")) == [1, 2, 3]
    assert numbers(shop.json("list", "--sort", "-total")) == [3, 2, 1]
    assert numbers(shop.json("list", "--sort", "customer", "--limit", "1")) == [2]
    limited = shop("list", "--limit", "2")
    assert "showing 2 of 3 orders; --limit 0 shows all" in limited.stderr
    bad = shop("list", "--sort", "colour")
    assert bad.exit_code == 2 and "--sort 'colour' is not one of number, placed" in bad.stderr


def test_list_json_has_the_documented_shape(shop):
    row = shop.json("list", "--sort", "number")[1]
    assert row == {
        "number": 2, "status": "open", "channel": "phone", "channel_ref": None, "currency": "MXN",
        "placed_at": row["placed_at"],
        "customer": {"id": 2, "name": "Ana Trujillo", "email": "ana@example.mx", "phone": None},
        "verified": False, "line_count": 1,
        "totals": {"subtotal": {"amount": "15.00", "currency": "MXN"}, "discount": {"amount": "0.00", "currency": "MXN"},
                   "tax": {"amount": "0.00", "currency": "MXN"}, "total": {"amount": "15.00", "currency": "MXN"},
                   "shipping": {"amount": "0.00", "currency": "MXN"}},
        "return_count": 0,
    }
    assert row["placed_at"].endswith("Z")
    shown = shop.json("show", "2")
    assert {key: shown[key] for key in row if key in shown} == {key: row[key] for key in row if key in shown}


def test_list_csv_reads_back_and_is_safe_for_spreadsheets(shop):
    outcome = shop("list", "--csv", "--sort", "number")
    assert outcome.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(outcome.stdout, newline="")))
    assert [r["number"] for r in rows] == ["1", "2", "3"]
    assert (rows[1]["customer_name"], rows[1]["customer_email"], rows[1]["total"], rows[1]["currency"]) == (
        "Ana Trujillo", "ana@example.mx", "15.00", "MXN")
    assert (rows[0]["customer_id"], rows[0]["customer_phone"], rows[0]["line_count"]) == ("1", "+49300074321", "1")
    assert rows[2]["status"] == "canceled"
    bare = shop("list", "--csv", "--no-headers", "--sort", "number")
    assert bare.stdout.splitlines() == outcome.stdout.splitlines()[1:]


def test_a_formula_in_customer_text_is_neutralized_in_csv(cli):
    outcome = cli("create", "--name", "=cmd|' /C calc'!A0", "--email", "x@example.com", "--address", "a",
                  "--city", "b", "--country", "DE", "--line", "F:1@1:Fee")
    assert outcome.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(cli("list", "--csv").stdout, newline="")))
    assert rows[0]["customer_name"] == "'=cmd|' /C calc'!A0"


def test_list_table_is_tab_separated_without_a_terminal(shop):
    """As `gh` does: no header, no padding, one row a line, every column, nothing cut."""
    outcome = shop("list")
    rows = [line.split("\t") for line in outcome.stdout.splitlines()]
    assert [row[0] for row in rows] == ["3", "2", "1"]
    assert rows[1][2:] == ["open", "phone", "", "Ana Trujillo", "1", "15.00 MXN", "no"]
    assert "\x1b[" not in outcome.stdout


def test_json_and_csv_together_is_a_usage_error(shop):
    assert shop("list", "--json", "--csv").exit_code == 2


def test_show_for_people(shop):
    outcome = shop("show", "2")
    assert outcome.exit_code == 0
    text = outcome.stdout
    assert "Order     2  open  (phone)" in text
    assert "Ana Trujillo <ana@example.mx>" in text
    assert "Avda. de la Constitución 2222, 05021 México D.F., MX" in text
    assert "Bravo" in text and "15.00 MXN" in text
    assert "History" in text


def test_show_and_history_of_a_missing_order_exit_3(shop):
    for command in ("show", "history"):
        outcome = shop(command, "42")
        assert outcome.exit_code == 3
        assert outcome.stderr.strip() == "ordercli: order 42 does not exist"
    bad = shop("show", "forty-two")
    assert bad.exit_code == 2 and "ORDER 'forty-two' is not an order number" in bad.stderr


def test_history_json(shop):
    history = shop.json("history", "1")
    assert history == [{"at": history[0]["at"], "actor": history[0]["actor"], "command": "create", "event": "created",
                        "from": None, "to": "open", "reason": "web order W-1"}]


def test_a_closed_pipe_is_not_an_error(shop):
    """`ordercli list --json | head` stops quietly: no traceback, exit 0."""
    from ordercli.db.sql import execute

    database = shop.database()
    with database.write() as connection:  # 600 copies of order 1: more output than a pipe holds
        for _ in range(600):
            execute(connection, "INSERT INTO orders (status, channel, currency, customer_id, customer_name, billing_address_id, "
                                "shipping_address_id, subtotal_minor, discount_minor, tax_minor, total_minor, placed_at, "
                                "updated_at) SELECT status, channel, currency, customer_id, customer_name, billing_address_id, "
                                "shipping_address_id, subtotal_minor, discount_minor, tax_minor, total_minor, placed_at, "
                                "updated_at FROM orders WHERE id = 1")
    database.dispose()
    import subprocess
    import sys

    proc = subprocess.run(
        f"{sys.executable} -m ordercli --db '{shop.target}' list --limit 0 --json | head -c 10",
        shell=True, capture_output=True, text=True)
    assert proc.stdout == "[\n  {\n    "
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert len(json.loads(shop("list", "--limit", "0", "--json").stdout)) == 603
