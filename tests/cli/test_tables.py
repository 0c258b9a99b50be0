"""Tables for people: user data printed as text (never as markup), laid out to fit a terminal
of 40, 80 or 120 columns (key columns whole, free text cut with an ellipsis, columns left out
in each table's `drop` order), tab-separated without a terminal, and empty results said on
stderr. Also the script-facing formats of the kit: --ids into `status -`, --no-headers."""

import json
import re
import subprocess
import sys

import pytest

from ordercli.cli import (appointments, documents, fulfillment, locations, output, products, promos, render, returns,
                          stock, summary)
from ordercli.cli.output import Table, key, number, text
from tests.helpers import CUSTOMER, force_status

# Text that Rich would read as markup (and fail on, or restyle), in every field people type.
NAME = "[bold red]Evil[/] Corp [/x]"
PRODUCT = "Cable [/] 2m [link=x]"
REASON = "oops [/] wrong"
NOTE = "ring [b]twice[/b]"
ACTOR = "[red]ann[/red]"
ADDRESS = "[/] Str. 1"
DESCRIPTION = "Fee [/b] extra"
LONG_NAME = "Maria Anders-Schmidt von Hohenzollern und Weiß"
CARRIER = "[b]Post[/b] [/]"
TRACKING = "[link=x]JJD0099"


def ok(outcome):
    assert outcome.exit_code == 0, outcome
    return outcome


@pytest.fixture
def shop(cli, tmp_path, monkeypatch):
    """Markup-looking names, notes, reasons and actors everywhere; orders in long statuses with
    large totals on two channels; a long customer name; both orders invoiced (as ordered), their
    PDFs in the test's own folder, the working directory."""
    monkeypatch.chdir(tmp_path)
    ok(cli("location", "add", "main", "--address", ADDRESS, "--city", "Berlin", "--country", "DE"))
    ok(cli("location", "add", "north-store", "--kind", "store"))
    ok(cli("product", "add", "CABLE-2M", "--name", PRODUCT, "--price", "1234.50", "--tax-rate", "19"))
    ok(cli("product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital"))
    ok(cli("stock", "receive", "CABLE-2M", "40", "--note", "PO [4711]"))
    ok(cli("stock", "adjust", "CABLE-2M", "-1", "--at", "main", "--reason", "[/] damaged"))
    ok(cli("promo", "add", "WELCOME10", "--percent", "10"))
    first = ok(cli("create", "--name", NAME, "--email", "evil@example.com", "--address", ADDRESS, "--city", "[i]Berlin",
                   "--country", "DE", "--channel", "marketplace", "--ref", "AMZ-123-4567-890", "--note", NOTE,
                   "--line", "CABLE-2M:2", "--line", f"FEE:1@2.50:{DESCRIPTION}", "--promo", "WELCOME10"))
    second = ok(cli("create", *CUSTOMER[2:], "--name", LONG_NAME, "--channel", "phone", "--line", "CABLE-2M:1"))
    ok(cli("verify", "1", "--by", "[b]anna", "--note", "[/] confirmed"))
    ok(cli("--actor", ACTOR, "status", "1", "--to", "ready_to_ship", "--reason", REASON))
    force_status(cli, 2, "partially_shipped")
    ok(cli("carrier", "add", CARRIER, "--tracking-url", "https://track.example/?n={tracking}"))
    ok(cli("ship", "1", "--line", "CABLE-2M:1", "--stage", "packed", "--carrier", CARRIER, "--tracking", TRACKING))
    assert (first.stdout.strip(), second.stdout.strip()) == ("1", "2")
    ok(cli("profile", "set", "--name", NAME, "--address", ADDRESS, "--city", "Berlin", "--country", "DE", "--tax-id",
           "DE123456789", "--invoice-policy", "ordered"))
    ok(cli("invoice", "1", "2"))
    # a third order, shipped and partly coming back, for a reason people typed
    third = ok(cli("create", "--name", NAME, "--email", "evil@example.com", "--address", ADDRESS, "--city", "Berlin",
                   "--country", "DE", "--line", "CABLE-2M:2"))
    assert third.stdout.strip() == "3"
    ok(cli("verify", "3", "--by", "anna"))
    ok(cli("status", "3", "--to", "ready_to_ship"))
    ok(cli("ship", "3"))
    ok(cli("return", "3", "--line", "CABLE-2M:1", "--reason", REASON))
    ok(cli("appointment", "resource", "add", "van-1", "--kind", "van", "--note", NOTE))
    ok(cli("appointment", "book", "3", "--at", "2099-06-14T09:00", "--duration", "2h", "--with", "van-1", "--where",
           ADDRESS, "--note", NOTE, "--tz", "UTC"))
    return cli


# Every command that prints a table for people, and the tables it prints, in order.
TABLES = {
    ("list",): [render.SUMMARIES],
    ("show", "1"): [render.LINES, render.ORDER_SHIPMENTS, render.HISTORY],
    ("ship", "1", "--dry-run"): [fulfillment.SHIPPED],
    ("shipments",): [fulfillment.SHIPMENTS],
    ("shipment", "show", "1"): [render.SHIPMENT_LINES],
    ("carrier", "list"): [fulfillment.CARRIERS],
    ("history", "1"): [render.HISTORY],
    ("product", "list"): [products.LISTING],
    ("product", "show", "CABLE-2M"): [render.LEVELS],
    ("available", "CABLE-2M"): [render.LEVELS],
    ("stock", "list"): [stock.STOCK],
    ("stock", "history", "CABLE-2M"): [stock.MOVEMENTS],
    ("location", "list"): [locations.LOCATIONS],
    ("promo", "list"): [promos.PROMOS],
    ("invoice", "1", "2"): [documents.DOCUMENTS],
    ("packing-slip", "1"): [documents.SLIPS],
    ("pick-list", "--status", "ready_to_ship", "--status", "partially_shipped"): [documents.PICKS],
    ("summary", "--no-chart"): [summary.SUMMARY],
    ("show", "3"): [render.LINES, render.ORDER_SHIPMENTS, render.ORDER_RETURNS, render.ORDER_APPOINTMENTS,
                    render.HISTORY],
    ("appointment", "resource", "list"): [appointments.RESOURCES],
    ("appointment", "list", "--all"): [appointments.AGENDA],
    ("returns",): [returns.RETURNS],
    ("rma", "show", "1"): [returns.RETURN_LINES],
    ("return-slip", "1"): [documents.RETURN_SLIPS],
}


# Tables printed on stderr to a person answering questions, exercised where they are asked.
ASKED = {id(render.PREVIEW_LINES): "tests/cli/test_create_interactive.py"}


def test_every_table_of_the_command_line_is_exercised_here():
    declared = {id(value) for module in (render, products, stock, locations, promos, fulfillment, documents, summary,
                                         returns, appointments)
                for value in vars(module).values() if isinstance(value, Table)}
    assert declared == {id(table) for tables in TABLES.values() for table in tables} | set(ASKED)


def test_user_data_is_printed_as_text_never_as_markup(shop):
    """On a terminal and without one: exit 0, and what people typed, to the letter."""
    wanted = {
        ("list",): [NAME],
        ("show", "1"): [NAME, ADDRESS, "[i]Berlin", NOTE, PRODUCT, DESCRIPTION, "[b]anna", "[/] confirmed", ACTOR,
                        REASON],
        ("history", "1"): [ACTOR, REASON],
        ("product", "list"): [PRODUCT],
        ("product", "show", "CABLE-2M"): [PRODUCT],
        ("stock", "list"): [PRODUCT],
        ("stock", "history", "CABLE-2M"): ["[/] damaged", "PO [4711]"],
        ("location", "list"): [ADDRESS],
        ("shipments",): [CARRIER, TRACKING],
        ("shipment", "show", "1"): [CARRIER, TRACKING, PRODUCT],
        ("carrier", "list"): [CARRIER],
        ("returns",): [REASON],
        ("rma", "show", "1"): [REASON, PRODUCT],
        ("show", "3"): [NAME, REASON, ADDRESS],
        ("appointment", "list", "--all"): [NAME, ADDRESS],
        ("appointment", "show", "1"): [NAME, ADDRESS, NOTE],
        ("appointment", "resource", "list"): [NOTE],
        ("pick-list", "--status", "ready_to_ship", "--status", "partially_shipped"): [PRODUCT],
    }
    for args, texts in wanted.items():
        for env in ({}, {"ORDERCLI_FORCE_TTY": "400"}):
            outcome = ok(shop(*args, env=env))
            for typed in texts:
                assert typed in outcome.stdout, (args, env, typed)


def test_a_sku_cannot_hold_brackets_and_messages_quote_what_was_typed_literally(shop):
    refused = shop("product", "add", "[b]X", "--name", "X", "--price", "1")
    assert refused.exit_code == 5 and "SKU '[b]X' is not valid" in refused.stderr
    missing = shop("history", "9")
    assert missing.exit_code == 3 and missing.stderr == "ordercli: order 9 does not exist\n"


def _tab_tables(stdout: str) -> list[list[list[str]]]:
    """The tables of an output without a terminal: runs of tab-separated lines."""
    found, current = [], []
    for line in stdout.splitlines() + [""]:
        if "\t" in line:
            current.append(line.split("\t"))
        elif current:
            found.append(current)
            current = []
    return found


def _terminal_tables(stdout: str, sizes: list[int]) -> list[tuple[list[str], list[list[str]]]]:
    """The tables of an output on a terminal: (titles, rows of cells), each found by the rule
    under its header, whose dashes give the columns' places; `sizes`: rows per table."""
    lines = stdout.splitlines()
    rules = [n for n, line in enumerate(lines) if line and set(line) <= {"─", " "}]
    assert len(rules) == len(sizes), stdout
    found = []
    for at, size in zip(rules, sizes):
        spans = [m.span() for m in re.finditer("─+", lines[at])]

        def cells(line: str) -> list[str]:
            return [line[start:end].strip() for start, end in spans]

        found.append((cells(lines[at - 1]), [cells(line) for line in lines[at + 1:at + 1 + size]]))
    return found


@pytest.mark.parametrize("width", [40, 80, 120])
def test_tables_fit_a_terminal_without_splitting_a_key_value(shop, width):
    for args, tables in TABLES.items():
        plain = _tab_tables(ok(shop(*args)).stdout)
        shown = ok(shop(*args, env={"ORDERCLI_FORCE_TTY": str(width)})).stdout
        # facts wrap between words; a link (a tracking page) stays whole, to be clicked or copied
        assert max(len(line) for line in shown.splitlines() if "://" not in line) <= width, (args, shown)
        laid_out = _terminal_tables(shown, [len(rows) for rows in plain])
        for table, rows, (titles, cells) in zip(tables, plain, laid_out):
            everything = [c.title for c in table.columns]
            left_out = {title for title in everything if title not in titles}
            assert left_out == set(table.drop[:len(left_out)]), args  # the first ones of its drop order
            for row, line in zip(rows, cells):  # one line a row: nothing wrapped
                for title, cell in zip(titles, line):
                    column = table.columns[everything.index(title)]
                    whole = row[everything.index(title)]
                    if column.key or cell == whole:
                        assert cell == whole, (args, title)
                    else:
                        assert cell.endswith("…") and whole.startswith(cell[:-1]), (args, title, cell)


def test_the_list_leaves_out_columns_in_its_documented_order(shop):
    def titles(width: int) -> list[str]:
        shown = ok(shop("list", env={"ORDERCLI_FORCE_TTY": str(width)})).stdout
        return _terminal_tables(shown, [2])[0][0]

    assert titles(120) == ["Number", "Placed (UTC)", "Status", "Channel", "Ref", "Customer", "Lines", "Total",
                           "Verified"]
    assert titles(80) == ["Number", "Placed (UTC)", "Status", "Customer", "Total"]
    assert titles(40) == ["Number", "Status", "Customer"]
    narrow = ok(shop("list", env={"ORDERCLI_FORCE_TTY": "40"})).stdout
    assert "partially_shipped" in narrow and "ready_to_ship" in narrow and "Maria Anders…" in narrow


def test_the_invoice_table_leaves_out_the_file_then_the_method_then_the_state(shop):
    def titles(width: int) -> list[str]:
        shown = ok(shop("invoice", "1", "2", env={"ORDERCLI_FORCE_TTY": str(width)})).stdout
        return _terminal_tables(shown, [3])[0][0]

    assert titles(120) == ["Number", "Order", "Method", "Total", "State", "File"]
    assert titles(60) == ["Number", "Order", "Method", "Total", "State"]
    assert titles(50) == ["Number", "Order", "Total", "State"]
    assert titles(40) == ["Number", "Order", "Total"]


def test_without_a_terminal_a_table_is_tab_separated_values_for_cut_and_awk(shop):
    outcome = ok(shop.run("list"))
    assert [line.split("\t")[2] for line in outcome.stdout.splitlines()] == [
        "closed (1 return)", "partially_shipped", "ready_to_ship"]
    awk = subprocess.run(f"{sys.executable} -m ordercli --db '{shop.target}' list | awk -F'\\t' '{{print $6}}'",
                         shell=True, capture_output=True, text=True, check=True)
    assert awk.stdout == f"{NAME}\n{LONG_NAME}\n{NAME}\n"


def test_a_terminal_gets_a_bold_header_unless_no_color_is_set():
    import io

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    table = Table((key("SKU"), number("Qty")), lambda rows: rows)
    for environ, bold in (({}, True), ({"NO_COLOR": "1"}, False)):
        stream = Terminal()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(sys, "stdout", stream)
            patch.delenv("NO_COLOR", raising=False)
            for name, value in environ.items():
                patch.setenv(name, value)
            table([("CHAI", 2)])
        assert stream.getvalue().startswith("\x1b[1mSKU") is bold


def test_wide_characters_are_measured_in_terminal_cells():
    from rich.cells import cell_len

    table = Table((key("SKU"), text("Name"), number("Qty")), lambda rows: rows)
    cells = [["TEA", "李小龍の緑茶と烏龍茶の詰め合わせ", "2"], ["CHAI", "Chai", "10"]]
    lines = table.lines(cells, 24)
    assert lines[2:] == ["TEA   李小龍の緑茶…    2", "CHAI  Chai            10"]
    assert [cell_len(line) for line in lines] == [24, 24, 24, 24]


def test_a_table_names_only_columns_it_has_in_its_drop_order():
    with pytest.raises(ValueError, match="Colour"):
        Table((key("SKU"),), lambda rows: rows, drop=("Colour",))


@pytest.mark.parametrize("args, message", [
    (("list", "--status", "returned"), "no orders match"),
    (("product", "list", "--search", "nothing-like-it"), "no products match"),
    (("stock", "list", "--below", "0"), "no stock matches"),
])
def test_an_empty_result_says_so_on_stderr_and_exits_0(shop, args, message):
    for extra in ((), ("--json",)):
        outcome = ok(shop(*args, *extra))
        assert outcome.stdout == ("[]\n" if extra else "")
        assert outcome.stderr == f"{message}\n"
    assert ok(shop("--quiet", *args)).stderr == ""


@pytest.mark.parametrize("selection", [("--status", "closed"), ("--at", "north-store")])
def test_an_empty_pick_list_says_so_on_stderr_and_exits_0(shop, selection):
    said = "nothing to pick: no order in the selection holds stock to ship\n"
    table = ok(shop("pick-list", *selection))
    assert (table.stdout, table.stderr) == ("", said)
    document = ok(shop("pick-list", *selection, "--json"))
    assert ((picks := json.loads(document.stdout))["orders"], picks["by_location"], document.stderr) == ([], [], said)
    assert ok(shop("--quiet", "pick-list", *selection)).stderr == ""


def test_listed_ids_pipe_into_a_batch_status_change(shop):
    """`ordercli list --status open --ids | ordercli status - --to canceled`, as real processes."""
    for _ in range(2):
        ok(shop("create", *CUSTOMER, "--line", "FEE:1@1.00:Fee"))
    ids = ok(shop.run("list", "--status", "open", "--ids"))
    assert ids.stdout == "5\n4\n"
    base = f"{sys.executable} -m ordercli --db '{shop.target}'"
    piped = subprocess.run(f"{base} list --status open --ids | {base} status - --to canceled --reason 'closing day'",
                           shell=True, capture_output=True, text=True)
    assert piped.returncode == 0, piped.stderr
    assert "moved 2 order(s) to canceled" in piped.stderr
    assert [o["status"] for o in shop.json("list", "--sort", "number")] == [
        "ready_to_ship", "partially_shipped", "closed", "canceled", "canceled"]


def test_no_headers_goes_with_csv_only(shop):
    for args in (("list", "--no-headers"), ("list", "--json", "--no-headers")):
        outcome = shop(*args)
        assert outcome.exit_code == 2 and outcome.stderr.startswith("ordercli: --no-headers goes with --csv")
    bare = ok(shop("stock", "list", "--csv", "--no-headers")).stdout.splitlines()
    assert bare[0].startswith("CABLE-2M,") and len(bare) == 2


def test_labelled_values_keep_to_one_line_each():
    import io
    from contextlib import redirect_stdout

    stream = io.StringIO()
    with redirect_stdout(stream):
        output.print_facts([("Order", 1), ("Note", "two\nlines\tand a tab\x1b[31m\u2028"), ("GTIN", None)])
    assert stream.getvalue() == "Order  1\nNote   two lines and a tab [31m\nGTIN\n"
