"""`ordercli export`: every layout read back with Python's csv module, the filters, incremental
exports for cron (a cursor that moves only after a successful run, and loses no change made
while a run is going), safe files (atomic, umask, a full disk), and `list` that no longer cuts
a script's list short. On both backends.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys

import pytest

from ordercli.io.export_formats import LINES, ORDERS, SHIPMENTS, SHOPIFY
from tests.helpers import CUSTOMER, query

HOSTILE = 'Zoë "the, quick" Ørsted\nsecond line 🚀'


@pytest.fixture
def shop(cli):
    for args in (["location", "add", "main"],
                 ["product", "add", "CHAI", "--name", "Chai, 10 boxes", "--price", "18.00", "--tax-rate", "7"],
                 ["product", "add", "MUG", "--name", "=HYPERLINK(\"http://x\")", "--price", "8.00", "--tax-rate",
                  "19"],
                 ["stock", "receive", "CHAI", "100"], ["stock", "receive", "MUG", "100"],
                 ["promo", "add", "WELCOME10", "--percent", "10"], ["carrier", "add", "DHL"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def order(cli, *lines: str, extra: tuple[str, ...] = (), ready: bool = False) -> int:
    args = [*CUSTOMER]
    for line in lines:
        args += ["--line", line]
    made = cli("create", *args, *extra)
    assert made.exit_code == 0, made
    number = int(made.stdout)
    if ready:
        assert cli("verify", str(number), "--by", "anna").exit_code == 0
        assert cli("status", str(number), "--to", "ready_to_ship").exit_code == 0
    return number


def exported(cli, *args: str) -> tuple[list[str], list[dict]]:
    outcome = cli(*args)
    assert outcome.exit_code == 0, outcome
    reader = csv.reader(io.StringIO(outcome.stdout, newline=""))
    header = next(reader)
    return header, [dict(zip(header, row)) for row in reader]


def test_lines_read_back_exactly_with_a_row_per_line(shop):
    number = order(shop, "CHAI:2", "MUG:1", extra=("--promo", "WELCOME10", "--note", HOSTILE, "--shipping", "4.90",
                                                   "--shipping-tax-rate", "19"))
    header, rows = exported(shop, "export")
    assert tuple(header) == LINES
    assert [(r["order"], r["line"], r["sku"]) for r in rows] == [(str(number), "1", "CHAI"), (str(number), "2", "MUG")]
    first = rows[0]
    assert first["note"] == HOSTILE and first["customer_name"] == "Maria Anders"
    assert rows[1]["description"] == "'=HYPERLINK(\"http://x\")"  # a formula is neutralised
    shown = shop.json("show", str(number))
    assert first["total"] == shown["totals"]["total"]["amount"] and first["currency"] == "EUR"
    assert (first["unit_price"], first["quantity"], first["tax_rate"], first["shipping"]) == ("18.00", "2", "7", "4.90")
    assert first["placed_at"] == shown["placed_at"] and first["placed_at"].endswith("Z")
    lines = {line["sku"]: line for line in shown["lines"]}
    for row in rows:
        assert row["line_net"] == lines[row["sku"]]["net"]["amount"]
        assert row["line_total"] == lines[row["sku"]]["total"]["amount"]


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "'=1+1", "''@x", "-20% clearance", "+49 30", "plain 'quote'",
                                  'say "hi", then\r\nleave', "O'Brien", "🚀=rocket"])
def test_customer_text_is_guarded_and_reads_back_exactly(shop, text):
    from ordercli.io.csv import safe_cell, unguard_cell

    number = order(shop, "CHAI:1", extra=("--note", text))
    [row] = exported(shop, "export")[1]
    assert row["note"] == safe_cell(text.replace("\r\n", "\n")) and unguard_cell(row["note"]) == text.replace("\r\n", "\n")
    [same] = exported(shop, "export", "--format", "shopify")[1]
    assert same["Notes"] == row["note"] and row["order"] == str(number)


def test_orders_shipments_and_shopify_layouts(shop):
    number = order(shop, "CHAI:3", "MUG:1", extra=("--promo", "WELCOME10"), ready=True)
    assert shop("ship", str(number), "--line", "CHAI:2", "--carrier", "DHL", "--tracking", "JJD1",
                "--weight", "2.5").exit_code == 0
    header, orders = exported(shop, "export", "--format", "orders")
    assert tuple(header) == ORDERS
    [row] = orders
    assert (row["line_count"], row["units"], row["units_shipped"], row["status"]) == ("2", "4", "2",
                                                                                      "partially_shipped")
    header, shipments = exported(shop, "export", "--format", "shipments")
    assert tuple(header) == SHIPMENTS
    [line] = shipments
    assert (line["carrier"], line["tracking"], line["sku"], line["quantity"], line["weight_kg"]) == (
        "DHL", "JJD1", "CHAI", "2", "2.500")
    header, shopify = exported(shop, "export", "--format", "shopify")
    assert tuple(header) == SHOPIFY
    first, second = shopify
    assert (first["Name"], second["Name"]) == (f"#{number}", f"#{number}")
    assert first["Total"] == row["total"] and second["Total"] == ""  # order columns on the first row only
    assert (first["Discount Code"], first["Lineitem sku"], second["Lineitem sku"]) == ("WELCOME10", "CHAI", "MUG")
    assert (first["Lineitem fulfillment status"], second["Lineitem fulfillment status"]) == ("partial", "pending")


def test_filters_select_the_orders(shop):
    web = order(shop, "CHAI:1", extra=("--channel", "web"))
    phone = order(shop, "CHAI:1", extra=("--channel", "phone"), ready=True)
    assert shop("ship", str(phone)).exit_code == 0
    assert {r["order"] for r in exported(shop, "export", "--channel", "web")[1]} == {str(web)}
    assert {r["order"] for r in exported(shop, "export", "--fulfilled")[1]} == {str(phone)}
    assert {r["order"] for r in exported(shop, "export", "--status", "open")[1]} == {str(web)}
    assert exported(shop, "export", "--since", "tomorrow")[1] == []
    assert len(exported(shop, "export", "--updated-since", "today")[1]) == 2


def test_excel_gets_a_bom_and_crlf(shop, tmp_path):
    order(shop, "CHAI:1")
    target = tmp_path / "excel.csv"
    assert shop("export", "--excel", "--out", str(target)).exit_code == 0
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbforder,") and data.count(b"\r\n") == 2 and b"\n" not in data.replace(b"\r\n", b"")
    plain = tmp_path / "plain.csv"
    assert shop("export", "--out", str(plain)).exit_code == 0
    assert not plain.read_bytes().startswith(b"\xef") and b"\r\n" not in plain.read_bytes()


def test_an_export_is_never_cut_short_and_list_gives_scripts_everything(shop):
    for _ in range(105):
        assert shop("create", *CUSTOMER, "--line", "FEE:1@1.00:Fee").exit_code == 0
    assert len(exported(shop, "export")[1]) == 105
    listed = shop("list", "--csv")
    assert listed.exit_code == 0 and len(listed.stdout.strip().splitlines()) == 106 and listed.stderr == ""
    assert len(shop.json("list", "--json")) == 105
    table = shop("list")
    assert "showing 100 of 105 orders; --limit 0 shows all" in table.stderr  # people: a page, and it says so
    limited = shop("list", "--csv", "--limit", "10")
    assert len(limited.stdout.strip().splitlines()) == 11 and "showing 10 of 105" in limited.stderr


# -- incremental exports ---------------------------------------------------------------------------


def test_since_last_exports_each_new_or_changed_order_once(shop, tmp_path):
    first = order(shop, "CHAI:1")
    second = order(shop, "CHAI:1")
    target = tmp_path / "nightly.csv"
    run = shop("export", "--since-last", "nightly", "--out", str(target))
    assert run.exit_code == 0 and "cursor nightly moved" in run.stderr
    assert {r["order"] for r in csv.DictReader(target.open(newline=""))} == {str(first), str(second)}
    again = shop("export", "--since-last", "nightly", "--out", str(target))
    assert "nothing new" in again.stderr and list(csv.DictReader(target.open(newline=""))) == []
    assert shop("verify", str(first), "--by", "anna").exit_code == 0  # a change
    third = order(shop, "MUG:1")  # a new order
    assert shop("export", "--since-last", "nightly", "--out", str(target)).exit_code == 0
    assert {r["order"] for r in csv.DictReader(target.open(newline=""))} == {str(first), str(third)}
    # another cursor has its own position
    assert len(exported(shop, "export", "--since-last", "monthly")[1]) == 3


def test_a_failed_run_does_not_move_the_cursor(shop, tmp_path):
    number = order(shop, "CHAI:1")
    failed = shop("export", "--since-last", "nightly", "--out", str(tmp_path / "missing" / "x.csv"))
    assert failed.exit_code == 5 and "does not exist" in failed.stderr
    assert query(shop, "SELECT count(*) AS n FROM export_cursors")[0].n == 0
    assert {r["order"] for r in exported(shop, "export", "--since-last", "nightly")[1]} == {str(number)}


def test_a_change_made_while_an_export_runs_is_in_the_next_run(shop):
    """The export's snapshot is taken after its end point: a change committed during the run is
    after that point, so the next run exports it (and this one may or may not show it)."""
    from ordercli.services.export import ExportFilter, commit_cursor, export_orders
    from ordercli.services.views import Stamp
    from datetime import datetime, timezone

    first = order(shop, "CHAI:1")
    second = order(shop, "CHAI:1")

    class ChangingSink(io.BytesIO):
        changed = False

        def write(self, data):
            if not self.changed:
                self.changed = True
                assert shop("verify", str(second), "--by", "anna").exit_code == 0  # another process's change
            return super().write(data)

    database = shop.database()
    sink = ChangingSink()
    run = export_orders(database, "orders", ExportFilter(since_last="nightly"), sink)
    commit_cursor(database, run, Stamp("test", "export", datetime.now(timezone.utc)))
    database.dispose()
    assert {r["order"] for r in csv.DictReader(io.StringIO(sink.getvalue().decode()))} == {str(first), str(second)}
    assert {r["order"] for r in exported(shop, "export", "--since-last", "nightly", "--format", "orders")[1]} == {
        str(second)}


# -- safe files -------------------------------------------------------------------------------------


def test_the_file_appears_whole_with_the_umask_permissions_and_a_failure_keeps_the_old_one(shop, tmp_path,
                                                                                          monkeypatch):
    order(shop, "CHAI:1")
    target = tmp_path / "orders.csv"
    old = os.umask(0o022)
    try:
        assert shop("export", "--out", str(target)).exit_code == 0
    finally:
        os.umask(old)
    assert (target.stat().st_mode & 0o777) == 0o644
    before = target.read_bytes()
    import ordercli.services.export as service

    def broken(rows, size):
        yield from ()
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(service, "_chunks", broken)
    outcome = shop("export", "--out", str(target))
    assert outcome.exit_code == 6 and "No space left on device" in outcome.stderr
    assert target.read_bytes() == before and [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_a_full_disk_leaves_the_previous_file(shop, tmp_path, backend):
    """A real full file system: a 16 KiB tmpfs in a mount namespace of the command's own."""
    unshare = shutil.which("unshare")
    if unshare is None or os.geteuid() != 0:
        pytest.skip("needs unshare and root to mount a private small file system")
    for _ in range(40):
        assert shop("create", *CUSTOMER, "--note", "x" * 900, "--line", "FEE:1@1.00:Fee").exit_code == 0
    mount = tmp_path / "mnt"
    mount.mkdir()
    script = ('mount -t tmpfs -o size=16k ordercli-test "$1" || exit 97; echo old > "$1/orders.csv"; shift; '
              '"$@"; code=$?; cat "$0/orders.csv" 2>/dev/null; ls -a "$0"; exit $code')
    done = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", script.replace("$0", "$MNT"),
                           "sh", str(mount), sys.executable, "-m", "ordercli", "--db", shop.target, "export",
                           "--out", str(mount / "orders.csv")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MNT": str(mount)})
    if done.returncode == 97:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 6, done
    assert "No space left on device" in done.stderr
    assert done.stdout.splitlines()[0] == "old" and ".part" not in done.stdout


def test_bad_invocations_change_nothing(shop, tmp_path):
    order(shop, "CHAI:1")
    cases = [
        (["export", "--format", "xml"], 2, "--format 'xml' is not one of lines, orders, shipments, shopify"),
        (["export", "--since-last", "bad name"], 5, "--since-last 'bad name': a cursor's name"),
        (["export", "--out", str(tmp_path)], 2, "a directory; give the CSV file's name"),
        (["export", "--fulfilled", "--status", "open"], 2, "--fulfilled means"),
    ]
    for args, code, message in cases:
        outcome = shop(*args)
        assert outcome.exit_code == code, outcome
        assert message in outcome.stderr and len(outcome.stderr.strip().splitlines()) == 1
    assert query(shop, "SELECT count(*) AS n FROM export_cursors")[0].n == 0


def test_product_list_csv_imports_back_without_gaining_an_apostrophe(shop, tmp_path):
    assert shop("product", "add", "CLEAR", "--name", "-20% clearance mug", "--price", "4.00").exit_code == 0
    listed = shop("product", "list", "--csv")
    assert "'-20% clearance mug" in listed.stdout  # neutralised for spreadsheets
    path = tmp_path / "products.csv"
    path.write_text(listed.stdout, encoding="utf-8")
    assert shop("product", "update", "CLEAR", "--name", "changed").exit_code == 0
    assert shop("product", "import", str(path)).exit_code == 0
    assert shop.json("product", "show", "CLEAR")["name"] == "-20% clearance mug"


def test_the_readme_documents_each_layouts_columns_as_exported(shop):
    """The README's headers are the headers `export` writes, layout by layout."""
    import re

    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exports and their columns"):readme.index("## Scripts and cron")]
    blocks = ["".join(block.split("\n")) for block in re.findall(r"```text\n(.*?)```", section, re.DOTALL)]
    order(shop, "CHAI:1")
    headers = {layout: shop("export", "--format", layout).stdout.splitlines()[0]
               for layout in ("lines", "orders", "shipments", "shopify")}
    lines, orders_tail, shipments, shopify = blocks
    assert lines == headers["lines"] and shipments == headers["shipments"] and shopify == headers["shopify"]
    assert headers["orders"] == ",".join(ORDERS) and headers["orders"].endswith(orders_tail)


def test_an_exported_order_imports_elsewhere_with_its_dates_and_totals(shop, tmp_path):
    """export -> import into another database -> export: the same orders, totals and dates."""
    from tests.helpers import Cli

    number = order(shop, "CHAI:2", "MUG:1", extra=("--promo", "WELCOME10", "--shipping", "4.90"), ready=True)
    assert shop("ship", str(number)).exit_code == 0
    order(shop, "CHAI:1")  # an open one too
    source = tmp_path / "orders.csv"
    assert shop("export", "--out", str(source)).exit_code == 0
    other = Cli(str(tmp_path / "other.db"), tmp_path)
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai, 10 boxes", "--price", "18.00",
                                                "--tax-rate", "7"], ["stock", "receive", "CHAI", "10"]):
        assert other(*args).exit_code == 0
    imported = other("import", str(source))
    assert imported.exit_code == 0, imported
    before = {r["order"]: r for r in csv.DictReader(source.open(newline=""))}
    after = exported(other, "export")[1]
    kept = ("status", "placed_at", "customer_name", "subtotal", "discount", "shipping", "tax", "total", "fulfilled_at")
    by_ref = {}
    for row in after:
        by_ref.setdefault(row["channel_ref"], row)
    for number_text, row in before.items():
        again = by_ref[f"order {number_text}"]
        assert {k: again[k] for k in kept} == {k: row[k] for k in kept}, number_text
    assert before[str(number)]["fulfilled_at"].endswith("Z")
