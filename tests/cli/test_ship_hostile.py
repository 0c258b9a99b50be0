"""Hostile input to the fulfillment commands (ship, shipment ..., delete-shipment, shipments,
carrier): huge numbers, odd --line values, control characters, broken manifests, a read-only
database and a lock held elsewhere. Every case exits with its documented code (README: 2
usage, 3 not found, 4 refused, 5 invalid data, 6 database), says what is wrong on stderr in
a line starting `ordercli:` (a batch adds one line summing up), prints no raw control
character, and changes nothing. The cases share one database per backend; the snapshot
around each case proves it unchanged.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, migrated_location
from tests.helpers import CUSTOMER, Cli, query

TABLES = ("orders", "order_lines", "order_history", "stock_levels", "stock_movements", "shipments", "shipment_lines",
          "carriers")


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]  # {n}: a ready order, {sid}: a packed shipment of another, FILE: the manifest
    code: int
    says: str
    input: str | None = None
    file: bytes | None = None
    lines: int = 1  # lines on stderr: a batch that refuses adds its summary


@dataclass
class Shop:
    cli: Cli
    ready: int  # an order ready to ship: CHAI x3, MUG x1
    sid: int  # a packed shipment (of another order)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shop(request, tmp_path_factory) -> Shop:
    """Locations main and berlin (a store), CHAI and MUG in stock, a carrier DHL, a ready order
    and a packed shipment of a second one."""
    if request.param == "postgresql" and not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL")
    folder = tmp_path_factory.mktemp("ship-hostile")
    with migrated_location(request.param, folder, request) as target:
        cli = Cli(target, folder)
        for args in (["location", "add", "main"], ["location", "add", "berlin", "--kind", "store"],
                     ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                     ["product", "add", "MUG", "--name", "Mug", "--price", "8.00"],
                     ["stock", "receive", "CHAI", "50"], ["stock", "receive", "MUG", "50"], ["carrier", "add", "DHL"]):
            outcome = cli(*args)
            assert outcome.exit_code == 0, outcome
        numbers = []
        for _ in range(2):
            outcome = cli("create", *CUSTOMER, "--line", "CHAI:3", "--line", "MUG:1")
            assert outcome.exit_code == 0, outcome
            numbers.append(int(outcome.stdout))
            assert cli("verify", str(numbers[-1]), "--by", "anna").exit_code == 0
            assert cli("status", str(numbers[-1]), "--to", "ready_to_ship").exit_code == 0
        [result] = cli.json("ship", str(numbers[1]), "--stage", "packed")
        yield Shop(cli, numbers[0], result["shipments"][0])


def snapshot(cli: Cli) -> dict[str, list[tuple]]:
    return {table: [tuple(r) for r in query(cli, f"SELECT * FROM {table} ORDER BY 1")] for table in TABLES}


def manifest(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode()


HUNDRED_THOUSAND_ROWS = b"order,carrier\n" + b"".join(b"%d,DHL\n" % n for n in range(10_000, 110_000))

CASES = [
    # -- huge numbers ---------------------------------------------------------------------------------
    Case("a 20-digit quantity", ("ship", "{n}", "--line", "CHAI:99999999999999999999"), 2,
         "--line quantity '99999999999999999999' of CHAI is more than 1,000,000"),
    Case("a quantity past the order", ("ship", "{n}", "--line", "CHAI:1000000"), 4,
         "cannot ship 1000000 of CHAI on order {n}: 3 left to ship", lines=2),
    Case("a 20-digit order number", ("ship", "99999999999999999999"), 5,
         "'99999999999999999999' is not an order number", lines=2),
    Case("an order number past 32 bits", ("ship", "3000000000"), 3, "order 3000000000 does not exist", lines=2),
    Case("an 18-digit order number", ("ship", "999999999999999999"), 3, "order 999999999999999999 does not exist",
         lines=2),
    Case("a 20-digit parcel count", ("ship", "{n}", "--parcels", "99999999999999999999"), 2,
         "--parcels '99999999999999999999' is more than 10000"),
    Case("a weight of 1e400 kg", ("ship", "{n}", "--weight", "1e400"), 2, "is not a weight in kg"),
    Case("a 20-digit shipment number", ("shipment", "show", "99999999999999999999"), 2,
         "SHIPMENT '99999999999999999999' is not a shipment number"),
    Case("an 18-digit shipment number", ("shipment", "show", "999999999999999999"), 3,
         "shipment 999999999999999999 does not exist"),
    Case("a shipment number past 32 bits, hand-over", ("shipment", "hand-over", "3000000000"), 3,
         "shipment 3000000000 does not exist"),
    Case("an 18-digit shipment number, delete", ("delete-shipment", "999999999999999999", "--yes"), 3,
         "shipment 999999999999999999 does not exist"),
    Case("a 20-digit limit", ("shipments", "--limit", "99999999999999999999"), 2,
         "--limit '99999999999999999999' is more than 1000000000"),
    # -- --line oddities ------------------------------------------------------------------------------
    Case("--line CHAI:", ("ship", "{n}", "--line", "CHAI:"), 2, "quantity '' of CHAI is not a whole number of units"),
    Case("--line :3", ("ship", "{n}", "--line", ":3"), 2, "--line ':3' is not SKU or SKU:QTY"),
    Case("--line CHAI:3:4", ("ship", "{n}", "--line", "CHAI:3:4"), 2, "--line 'CHAI:3:4' is not SKU or SKU:QTY"),
    Case("--line blank", ("ship", "{n}", "--line", " "), 2, "--line '' is not SKU or SKU:QTY"),
    Case("an Arabic-Indic quantity", ("ship", "{n}", "--line", "CHAI:\u0663"), 2,
         "quantity '\u0663' of CHAI is not a whole number of units"),
    Case("a fullwidth quantity", ("ship", "{n}", "--line", "CHAI:\uff13"), 2,
         "quantity '\uff13' of CHAI is not a whole number of units"),
    Case("a quantity with an escape", ("ship", "{n}", "--line", "CHAI:1\x1b[2J"), 2,
         "quantity '1\\x1b[2J' of CHAI is not a whole number of units"),
    Case("a zero-width space in the SKU", ("ship", "{n}", "--line", "CHAI\u200b:1"), 2,
         "--line SKU 'CHAI\\u200b' is not valid"),
    Case("a zero-width space before the SKU", ("ship", "{n}", "--line", "\u200bCHAI"), 2,
         "--line SKU '\\u200bCHAI' is not valid"),
    Case("a Cyrillic A in the SKU", ("ship", "{n}", "--line", "CH\u0410I:1"), 2, "--line SKU 'CH\u0410I' is not valid"),
    Case("a bidi override in the SKU", ("ship", "{n}", "--line", "\u202eIAHC:1"), 2, "is not valid"),
    # -- control characters in what is written down ---------------------------------------------------
    Case("--tracking with an escape", ("ship", "{n}", "--tracking", "T1\x1b[2J"), 5,
         "--tracking contains a control character (U+001B)"),
    Case("--tracking with a NUL", ("ship", "{n}", "--tracking", "T1\x00"), 5,
         "--tracking contains a control character (U+0000)"),
    Case("--reason with an escape", ("ship", "{n}", "--reason", "late\x1b]8;;http://x\x07"), 5,
         "--reason contains a control character (U+001B)"),
    Case("--signed-by with a line break", ("ship", "{n}", "--signed-by", "Ana\nEve"), 5,
         "--signed-by must be one line: it contains a line break (U+000A)"),
    Case("--salesperson with a bidi override", ("ship", "{n}", "--salesperson", "Tom\u202e"), 5,
         "--salesperson contains a bidirectional control character (U+202E)"),
    Case("--issued invisible only", ("ship", "{n}", "--issued", "\u200b"), 5,
         "--issued contains an invisible formatting character (U+200B)"),
    Case("hand-over --tracking with a carriage return", ("shipment", "hand-over", "{sid}", "--tracking", "T\r1"), 5,
         "--tracking must be one line: it contains a line break (U+000D)"),
    Case("edit --tracking with an escape", ("shipment", "edit", "{sid}", "--tracking", "\x1b[2J"), 5,
         "--tracking contains a control character (U+001B)"),
    Case("deliver --signed-by with a bell", ("shipment", "deliver", "{sid}", "--signed-by", "Ana\x07"), 5,
         "--signed-by contains a control character (U+0007)"),
    Case("collect --signed-by with an escape", ("shipment", "collect", "{sid}", "--signed-by", "\x1b[31mAna"), 5,
         "--signed-by contains a control character (U+001B)"),
    Case("deliver --note with a lone surrogate", ("shipment", "deliver", "{sid}", "--note", "x\udce9"), 5,
         "--note contains a lone surrogate (U+DCE9)"),
    Case("failed --reason with a NUL", ("shipment", "failed", "{sid}", "--reason", "x\x00"), 5,
         "--reason contains a control character (U+0000)"),
    Case("returned --reason with an escape", ("shipment", "returned", "{sid}", "--reason", "x\x1b"), 5,
         "--reason contains a control character (U+001B)"),
    Case("delete-shipment --reason with an escape", ("delete-shipment", "{sid}", "--yes", "--reason", "x\x1b[2J"), 5,
         "--reason contains a control character (U+001B)"),
    Case("delete-shipment --reason of 100,000 characters", ("delete-shipment", "{sid}", "--yes", "--reason",
                                                            "x" * 100_000), 5,
         "--reason is longer than 500 characters"),
    Case("a carrier name with an escape", ("carrier", "add", "UPS\x1b[2J"), 5,
         "NAME contains a control character (U+001B)"),
    Case("a carrier name invisible only", ("carrier", "add", "\u2800"), 5, "NAME has no visible characters"),
    Case("a carrier filter with an escape", ("shipments", "--carrier", "DHL\x1b[2J"), 3,
         "carrier 'DHL\\x1b[2J' does not exist"),
    Case("a location with an escape", ("ship", "{n}", "--from", "main\x1b[2J"), 5,
         "location name 'main\\x1b[2J' is not valid", lines=2),
    # -- manifests --------------------------------------------------------------------------------------
    Case("a column twice", ("ship", "--manifest", "FILE"), 5, "named twice: order",
         file=manifest("order,carrier,Order", "{n},DHL,{n}")),
    Case("a NUL in a cell", ("ship", "--manifest", "FILE"), 5, "row 2: SKU 'CH\\x00AI' is not valid",
         file=manifest("order,sku", "{n},CH\x00AI"), lines=2),
    Case("a NUL in the header", ("ship", "--manifest", "FILE"), 5, "unknown: 'order\\x00'",
         file=manifest("order\x00", "{n}")),
    Case("an escape in the tracking column", ("ship", "--manifest", "FILE"), 5,
         "row 2: tracking contains a control character (U+001B)", file=manifest("order,tracking", "{n},T\x1b[2J"),
         lines=2),
    Case("a line break in a quoted tracking cell", ("ship", "--manifest", "FILE"), 5,
         "row 2: tracking must be one line", file=manifest("order,tracking", '{n},"T1\nT2"'), lines=2),
    Case("a carrier cell of 65 characters", ("ship", "--manifest", "FILE"), 5, "row 2: carrier is longer than 64",
         file=manifest("order,carrier", "{n}," + "D" * 65), lines=2),
    Case("CHAI:3:4 in the sku column", ("ship", "--manifest", "FILE"), 5, "row 2: 'CHAI:3:4' is not SKU or SKU:QTY",
         file=manifest("order,sku", "{n},CHAI:3:4"), lines=2),
    Case("Latin-1", ("ship", "--manifest", "FILE"), 5, "is not UTF-8 text",
         file="order,tracking\n{n},M\xfcller\n".encode("latin-1")),
    Case("UTF-16", ("ship", "--manifest", "FILE"), 5, "is not UTF-8 text", file="order\n{n}\n".encode("utf-16")),
    Case("Latin-1 on stdin", ("ship", "--manifest", "-"), 5, "stdin is not UTF-8 text",
         input="order,tracking\n{n},M\xfcller\n".encode("latin-1")),
    Case("an empty file", ("ship", "--manifest", "FILE"), 5, "the manifest is empty", file=b""),
    Case("an empty stdin", ("ship", "--manifest", "-"), 5, "the manifest is empty", input=b""),
    Case("a header only", ("ship", "--manifest", "FILE"), 5, "the manifest names no orders", file=b"order\r\n"),
    Case("a cell past the csv module's limit", ("ship", "--manifest", "FILE"), 5,
         "the manifest cannot be read after line 2: field larger than field limit",
         file=b"order,tracking\n{n}," + b"x" * 200_000 + b"\n"),
    Case("100,000 rows, the last one bad", ("ship", "--manifest", "FILE"), 5,
         "row 100002: 'abc' is not an order number", file=HUNDRED_THOUSAND_ROWS + b"abc,DHL\n", lines=2),
    Case("a folder", ("ship", "--manifest", "."), 5, "cannot read .: Is a directory"),
    Case("a file that is not there", ("ship", "--manifest", "no-such.csv"), 5,
         "cannot read no-such.csv: No such file or directory"),
    # -- order numbers on stdin -------------------------------------------------------------------------
    Case("a NUL between numbers on stdin", ("ship", "-"), 5, "'1\\x002' is not an order number", input=b"1\x002\n",
         lines=2),
    Case("Latin-1 on stdin", ("ship", "-"), 5, "stdin is not UTF-8 text", input=b"{n}\n\xe9\n"),
    Case("nothing on stdin", ("ship", "-"), 5, "no order numbers given", input=b"\n\n"),
]


def _fill(value, shop: Shop):
    if isinstance(value, bytes):
        return value.replace(b"{n}", str(shop.ready).encode()).replace(b"{sid}", str(shop.sid).encode())
    return value.replace("{n}", str(shop.ready)).replace("{sid}", str(shop.sid))


def run(shop: Shop, case: Case):
    args = [_fill(a, shop) for a in case.args]
    if case.file is not None:
        path = shop.cli.tmp_path / "manifest.csv"
        path.write_bytes(_fill(case.file, shop))
        args = [str(path) if a == "FILE" else a for a in args]
    stdin = _fill(case.input, shop) if case.input is not None else None
    return shop.cli(*args, input=stdin)


def raw_controls(text: str) -> list[str]:
    """Control and format characters in what was printed (a terminal would act on them)."""
    return [f"U+{ord(c):04X}" for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input_to_the_fulfillment_commands_is_refused_and_changes_nothing(shop, case):
    before = snapshot(shop.cli)
    outcome = run(shop, case)
    lines = outcome.stderr.splitlines()
    assert outcome.exit_code == case.code, outcome
    assert _fill(case.says, shop) in lines[0] and lines[0].startswith("ordercli: "), outcome
    assert len(lines) == case.lines, outcome
    assert "Traceback" not in outcome.stderr and not raw_controls(outcome.stderr), outcome
    assert snapshot(shop.cli) == before


def test_a_manifest_with_a_byte_order_mark_crlf_and_odd_header_case_is_read(shop):
    before = snapshot(shop.cli)
    data = (f"\ufeffOrder , SKU,quantity,Carrier\r\n{shop.ready},chai,2,dhl\r\n{shop.ready},MUG,,dhl\r\n\r\n"
            .encode("utf-8"))
    path = shop.cli.tmp_path / "evening.csv"
    path.write_bytes(data)
    outcome = shop.cli("ship", "--manifest", str(path), "--dry-run", "--json")
    assert outcome.exit_code == 0, outcome
    assert "dry run: 1 order(s) would ship; nothing changed" in outcome.stderr
    assert snapshot(shop.cli) == before


# -- stdin closed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [("ship", "-"), ("ship", "--manifest", "-"), ("status", "-", "--to", "canceled")],
                         ids=["ship -", "ship --manifest -", "status -"])
def test_stdin_closed_is_invalid_data(shop, args):
    before = snapshot(shop.cli)
    # fd 0 closed in the child before ordercli starts (`ordercli ship - <&-`)
    proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", shop.cli.target, *args], capture_output=True,
                          text=True, timeout=120, preexec_fn=lambda: os.close(0),
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 5, proc
    assert proc.stderr.startswith("ordercli: ") and "Traceback" not in proc.stderr, proc
    assert snapshot(shop.cli) == before


# -- a lock held elsewhere: exit 6 after the busy timeout ------------------------------------------------

FAST = {"ORDERCLI_BUSY_TIMEOUT": "0.3"}
BUSY = ("ordercli: the database is busy: another process held its lock for more than 0.3 s; "
        "nothing was changed, try again")
LOCKED_WRITES = {
    "ship": ("ship", "{n}"),
    "ship -": ("ship", "-"),
    "ship --manifest": ("ship", "--manifest", "FILE"),
    "shipment hand-over": ("shipment", "hand-over", "{sid}"),
    "delete-shipment": ("delete-shipment", "{sid}", "--yes"),
}


@contextmanager
def lock_held_elsewhere(shop: Shop):
    """Another program holds the lock a write needs: SQLite's write lock, or on PostgreSQL the
    rows of both orders the commands change."""
    target = shop.cli.target
    if target.startswith("postgresql"):
        import psycopg

        holder = psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://", 1))
        holder.execute("SELECT id FROM orders WHERE id IN (SELECT order_id FROM shipments) OR id = %s FOR UPDATE",
                       (shop.ready,))
        try:
            yield
        finally:
            holder.rollback()
            holder.close()
        return
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize("command", LOCKED_WRITES, ids=list(LOCKED_WRITES))
def test_a_write_waiting_past_the_busy_timeout_exits_6_and_changes_nothing(shop, command):
    before = snapshot(shop.cli)
    path = shop.cli.tmp_path / "locked.csv"
    path.write_text(f"order\n{shop.ready}\n")
    args = [str(path) if a == "FILE" else _fill(a, shop) for a in LOCKED_WRITES[command]]
    with lock_held_elsewhere(shop):
        outcome = shop.cli(*args, input=f"{shop.ready}\n", env=FAST)
    assert (outcome.exit_code, outcome.stderr) == (6, BUSY + "\n"), outcome
    assert snapshot(shop.cli) == before
    # the same reads work while a write waits elsewhere
    with lock_held_elsewhere(shop):
        for reading in (["shipments", "--json"], ["shipment", "show", str(shop.sid)]):
            outcome = shop.cli(*reading, env=FAST)
            assert outcome.exit_code == 0 and outcome.stderr == "", outcome


# -- a read-only database: the listings work, the writes say why they cannot (exit 6) --------------------


def _read_only_tools():
    from tests.integration import test_database_access as access

    return access


READS = [["shipments"], ["shipments", "--json"], ["shipment", "show", "{sid}"], ["shipment", "show", "{sid}", "--json"],
         ["carrier", "list"], ["show", "{n}"]]
WRITES = [["ship", "{n}"], ["ship", "--manifest", "FILE"],
          ["shipment", "hand-over", "{sid}"], ["delete-shipment", "{sid}", "--yes"], ["carrier", "add", "UPS"]]


@pytest.fixture
def closed_shop(tmp_path) -> Shop:
    """A folder holding a closed SQLite database (no -wal, no -shm): a ready order, a packed
    shipment of another."""
    folder = tmp_path / "shop"
    folder.mkdir()
    cli = Cli(str(folder / "orders.db"), tmp_path)
    for args in (["location", "add", "main"], ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00"],
                 ["stock", "receive", "CHAI", "10"], ["carrier", "add", "DHL"]):
        assert cli(*args).exit_code == 0
    numbers = []
    for _ in range(2):
        numbers.append(int(cli("create", *CUSTOMER, "--line", "CHAI:1").stdout))
        assert cli("verify", str(numbers[-1]), "--by", "anna").exit_code == 0
        assert cli("status", str(numbers[-1]), "--to", "ready_to_ship").exit_code == 0
    [result] = cli.json("ship", str(numbers[1]), "--stage", "packed")
    assert sorted(p.name for p in folder.iterdir()) == ["orders.db"]
    (tmp_path / "evening.csv").write_text(f"order\n{numbers[0]}\n")
    return Shop(cli, numbers[0], result["shipments"][0])


def _args(shop: Shop, args: list[str]) -> list[str]:
    return [str(shop.cli.tmp_path / "evening.csv") if a == "FILE" else _fill(a, shop) for a in args]


@pytest.mark.skipif(_read_only_tools().READ_ONLY_MOUNT is not None, reason=str(_read_only_tools().READ_ONLY_MOUNT))
def test_on_a_read_only_file_system_shipments_are_listed_and_shipping_exits_6(closed_shop):
    access = _read_only_tools()
    folder = closed_shop.cli.tmp_path / "shop"
    before = access.digest(folder)
    for args in READS:
        outcome = access.on_read_only_mount(folder, *_args(closed_shop, args))
        assert outcome.exit_code == 0 and outcome.stderr == "", (args, outcome)
    assert f'"number": {closed_shop.sid}' in access.on_read_only_mount(
        folder, "shipment", "show", str(closed_shop.sid), "--json").stdout
    for args in WRITES:
        outcome = access.on_read_only_mount(folder, *_args(closed_shop, args))
        assert (outcome.exit_code, outcome.stderr) == (6, f"ordercli: cannot write to the database {folder}/orders.db: "
                                                          "it is on a read-only file system; nothing was changed\n"), (
            args, outcome)
    assert access.digest(folder) == before


@pytest.mark.skipif(_read_only_tools().AS_NOBODY is not None, reason=str(_read_only_tools().AS_NOBODY))
def test_a_read_only_database_file_lists_shipments_and_shipping_exits_6(closed_shop):
    access = _read_only_tools()
    base = Path(tempfile.mkdtemp(prefix="ordercli-ro-"))  # a folder the user nobody can reach
    try:
        os.chmod(base, 0o755)
        folder = base / "shop"
        shutil.copytree(closed_shop.cli.tmp_path / "shop", folder)
        manifest_file = base / "evening.csv"
        shutil.copy(closed_shop.cli.tmp_path / "evening.csv", manifest_file)
        for path in (folder, *folder.iterdir(), manifest_file):
            os.chown(path, access.NOBODY, access.NOBODY)
        target = folder / "orders.db"
        os.chmod(target, 0o444)
        before = access.digest(folder)["orders.db"]  # a reader leaves an empty -wal and a -shm beside it
        for args in READS:
            outcome = access.as_nobody(target, *_args(closed_shop, args))
            assert outcome.exit_code == 0 and outcome.stderr == "", (args, outcome)
        for args in WRITES:
            args = [str(manifest_file) if a == "FILE" else a for a in args]
            outcome = access.as_nobody(target, *_args(closed_shop, args))
            assert (outcome.exit_code, outcome.stderr) == (6, f"ordercli: cannot write to the database {target}: the "
                                                              "database file is read-only; nothing was changed\n"), (
                args, outcome)
        assert access.digest(folder)["orders.db"] == before
    finally:
        shutil.rmtree(base)
