"""`create` at a terminal takes an order field by field: each answer is checked as it is typed
and asked again with the reason, the channel and the lines are asked for, the order is shown
with its totals and placed only on yes; Ctrl-C or Ctrl-D leaves nothing behind."""

import sys

import pytest

from tests.helpers import query, table_count

pexpect = pytest.importorskip("pexpect")

# Given on the command line, so that only the channel and the lines are asked for.
CUSTOMER_GIVEN = ["--name", "Maria Anders", "--email", "maria@example.com", "--address", "Obere Str. 57",
                  "--city", "Berlin", "--country", "DE"]


@pytest.fixture
def shop(cli):
    """CHAI, taxed at 7 %, with 10 units in stock."""
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00",
                                               "--tax-rate", "7"], ["stock", "receive", "CHAI", "10"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def create_on_terminal(cli, *args: str, stdout=None):
    """`ordercli create ARGS` with stdin and stderr on a terminal 80 columns wide; stdout too,
    unless it goes to the file `stdout` (as in `n=$(ordercli create)`)."""
    command = [sys.executable, "-m", "ordercli", "--db", cli.target, "create", *args]
    if stdout is not None:
        command = ["bash", "-c", 'out=$1; shift; exec "$@" > "$out"', "bash", str(stdout), *command]
    return pexpect.spawn(command[0], command[1:], env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, encoding="utf-8",
                         timeout=60, dimensions=(40, 80))


def answer(child, question: str, text: str) -> None:
    child.expect_exact(question)
    child.sendline(text)


def finished(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def nothing_written(cli) -> bool:
    return ([table_count(cli, t) for t in ("orders", "order_lines", "order_history", "customers", "stock_movements")]
            == [0, 0, 0, 0, 1]  # the stock received, nothing more
            and query(cli, "SELECT reserved FROM stock_levels")[0].reserved == 0)


def test_an_order_taken_by_phone_is_checked_as_typed_shown_and_placed_on_yes(shop, tmp_path):
    child = create_on_terminal(shop, stdout=tmp_path / "stdout")
    answer(child, "Customer name: ", "")
    child.expect_exact("an answer is needed here")
    answer(child, "Customer name: ", "Maria Anders")
    answer(child, "Street address: ", "Obere Str. 57")
    answer(child, "Postal code (empty if none): ", "12209")
    answer(child, "City: ", "Berlin")
    answer(child, "Country (ISO code such as DE, or name): ", "Germany")
    answer(child, "Email (empty if none): ", "maria@")
    child.expect_exact("email 'maria@' is not valid")
    answer(child, "Email (empty if none): ", "maria@example.com")
    answer(child, "Phone (empty if none): ", "030 12")
    child.expect_exact("phone '030 12' is not a valid number for DE")
    answer(child, "Phone (empty if none): ", "030-0074321")
    question = "Channel (web, mobile, phone, store, marketplace, other) [phone]: "
    answer(child, question, "fax")
    child.expect_exact("channel 'fax' is not one of web, mobile, phone, store, marketplace, other")
    answer(child, question, "")  # the default
    for line, reason in (("CHAI", "must look like SKU:QTY[@PRICE][:DESCRIPTION]"),
                         ("TEA:2", "line 1: unknown SKU TEA (an ad-hoc line needs a description and a price)"),
                         ("CHAI:x", "line 1: quantity 'x' is not a whole number"),
                         ("CHAI:12", "insufficient stock for CHAI: requested 12, available 10")):
        answer(child, "Line 1 (SKU:QTY[@PRICE][:DESC]): ", line)
        child.expect_exact(reason)
    answer(child, "Line 1 (SKU:QTY[@PRICE][:DESC]): ", "CHAI:2")
    child.expect_exact("CHAI Chai: 2 x 18.00 EUR")
    answer(child, "Line 2 (SKU:QTY[@PRICE][:DESC], Enter to finish): ", "")
    for shown in ("Customer  Maria Anders <maria@example.com> +49300074321",
                  "Bill to   Obere Str. 57, 12209 Berlin, DE", "Channel   phone",
                  "Subtotal  36.00 EUR", "Tax  2.52 EUR", "Total  38.52 EUR"):
        child.expect_exact(shown)
    assert nothing_written(shop)  # not before the answer
    answer(child, "create this order? [y/N] ", "y")
    assert finished(child) == 0, child.before
    assert "created order 1 (open, 1 line(s), total 38.52 EUR)" in child.before
    assert (tmp_path / "stdout").read_text() == "1\n"  # questions, summary and messages went to stderr
    order = query(shop, "SELECT channel, customer_name, customer_email, customer_phone, total_minor FROM orders")
    assert [tuple(o) for o in order] == [("phone", "Maria Anders", "maria@example.com", "+49300074321", 3852)]
    assert query(shop, "SELECT reserved FROM stock_levels")[0].reserved == 2


@pytest.mark.parametrize("reply", ["n", ""])
def test_no_at_the_confirmation_places_nothing(shop, reply):
    child = create_on_terminal(shop, *CUSTOMER_GIVEN)
    answer(child, "[phone]: ", "store")
    answer(child, "Line 1 (SKU:QTY[@PRICE][:DESC]): ", "CHAI:1")
    answer(child, "Line 2 (SKU:QTY[@PRICE][:DESC], Enter to finish): ", "")
    child.expect_exact("Channel   store")
    answer(child, "create this order? [y/N] ", reply)
    assert finished(child) == 4, child.before
    assert "ordercli: nothing changed: you answered no" in child.before
    assert nothing_written(shop)


@pytest.mark.parametrize("stop", ["Ctrl-C at a line", "Ctrl-D at a line", "Ctrl-C at the confirmation"])
def test_ctrl_c_or_ctrl_d_at_any_question_exits_130_and_places_nothing(shop, stop):
    child = create_on_terminal(shop, *CUSTOMER_GIVEN)
    answer(child, "[phone]: ", "")
    answer(child, "Line 1 (SKU:QTY[@PRICE][:DESC]): ", "CHAI:1")
    if stop == "Ctrl-C at the confirmation":
        answer(child, "Line 2 (SKU:QTY[@PRICE][:DESC], Enter to finish): ", "")
        child.expect_exact("create this order? [y/N] ")
        child.sendintr()
    else:
        child.expect_exact("Line 2 (SKU:QTY[@PRICE][:DESC], Enter to finish): ")
        child.sendintr() if stop.startswith("Ctrl-C") else child.sendeof()
    assert finished(child) == 130, child.before
    assert "ordercli: interrupted; nothing was changed" in child.before
    assert "Aborted" not in child.before and "Traceback" not in child.before
    assert nothing_written(shop)


def test_what_the_command_line_gives_is_checked_before_anything_is_asked(shop):
    child = create_on_terminal(shop, "--email", "maria@", "--line", "CHAI:1")
    assert finished(child) == 5, child.before
    assert "ordercli: email 'maria@' is not valid" in child.before
    assert "Customer name" not in child.before


def test_without_a_terminal_nothing_is_asked_and_missing_fields_are_a_usage_error(shop):
    outcome = shop("create", "--name", "Maria Anders")
    assert (outcome.exit_code, outcome.stdout) == (2, "")
    assert outcome.stderr == ("ordercli: missing required fields: --email or --phone, --address, --city, --country, "
                              "--line (see ordercli create --help)\n")
