"""Hostile input through every command that takes input: each case exits with its documented
code, says one line on stderr, and leaves every table exactly as it was.

The table: each command (by its options, or a file, or stdin) crossed with hostile text
(escape sequences, line breaks, bidi overrides, invisible-only text, lone surrogates, a
pasted 100,000 characters), hostile numbers (digits of other scripts, 5,000 digits) and
hostile files (deep nesting, a key twice, not UTF-8). The cases of one command share one
database, which the snapshot after each case proves unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

from tests.helpers import CUSTOMER, Cli, arranging

TABLES = ("addresses", "customers", "products", "locations", "stock_levels", "stock_movements", "promo_codes",
          "orders", "order_lines", "order_history")


@dataclass(frozen=True)
class Case:
    name: str
    args: tuple[str, ...]
    says: str
    code: int = 5
    lines: int = 1  # lines on stderr; `product import` adds "nothing imported: N problem(s)"
    input: bytes | None = None  # stdin
    file: bytes | None = None  # written to a file whose path replaces FILE in args
    env: dict = field(default_factory=dict)


TEXT = [  # (kind, value, what the error says)
    ("escape sequence", "Eve\x1b[2J", "contains a control character (U+001B)"),
    ("line break", "Eve\nAdam", "must be one line: it contains a line break (U+000A)"),
    ("bidi override", "Eve\u202eexe.txt", "contains a bidirectional control character (U+202E)"),
    ("bidi isolate", "Eve\u2066x\u2069", "contains a bidirectional control character (U+2066)"),
    ("zero-width space only", "\u200b", "contains an invisible formatting character (U+200B)"),
    ("hangul filler only", "\u3164", "has no visible characters"),
    ("lone surrogate", "Eve\udce9", "contains a lone surrogate (U+DCE9)"),
    ("100,000 characters", "x" * 100_000, "is longer than"),
]

NUMBERS = [  # (kind, digits)
    ("arabic-indic digit", "\u0663"),
    ("fullwidth digit", "\uff13"),
    ("5,000 digits", "1" * 5000),
]

ORDER = {
    "customer": {"name": "Maria Anders", "email": "maria@example.com"},
    "billing_address": {"line1": "Obere Str. 57", "city": "Berlin", "country": "DE"},
    "lines": [{"sku": "T1", "quantity": 1}],
}


def _create(flag: str, value: str) -> tuple[str, ...]:
    args = [*CUSTOMER, "--line", "T1:1"]
    if flag in args:
        args[args.index(flag) + 1] = value
    else:
        args += [flag, value]
    return ("create", *args)


def _order_json(path: tuple, value) -> bytes:
    document = json.loads(json.dumps(ORDER))
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document).encode("utf-8")


def _catalogue(name: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([("sku", "name", "price"), ("T2", name, "2.00")])
    return out.getvalue().encode("utf-8", errors="surrogatepass")  # a surrogate makes bytes that are not UTF-8


TEXT_COMMANDS = {  # command -> how a hostile text gets in
    "create --name": lambda v: Case("", _create("--name", v), ""),
    "create --address": lambda v: Case("", _create("--address", v), ""),
    "create --city": lambda v: Case("", _create("--city", v), ""),
    "create --ref": lambda v: Case("", _create("--ref", v), ""),
    "create --ship-name": lambda v: Case("", _create("--ship-name", v) + ("--ship-address", "Hafenweg 3",
                                                                         "--ship-city", "Hamburg",
                                                                         "--ship-country", "DE"), ""),
    "create --line description": lambda v: Case("", _create("--line", f"FEE:1@2.50:{v}"), ""),
    "create --note": lambda v: Case("", _create("--note", v), ""),
    "create --from-file FILE": lambda v: Case("", ("create", "--from-file", "FILE"), "",
                                              file=_order_json(("billing_address", "line1"), v)),
    "create --from-file -": lambda v: Case("", ("create", "--from-file", "-"), "",
                                           input=_order_json(("customer", "name"), v)),
    "verify --by": lambda v: Case("", ("verify", "1", "--by", v), ""),
    "verify --note": lambda v: Case("", ("verify", "1", "--by", "anna", "--note", v), ""),
    "status --reason": lambda v: Case("", ("status", "1", "--to", "canceled", "--reason", v), ""),
    "stock receive --note": lambda v: Case("", ("stock", "receive", "T1", "1", "--note", v), ""),
    "stock adjust --reason": lambda v: Case("", ("stock", "adjust", "T1", "-1", "--reason", v), ""),
    "stock transfer --note": lambda v: Case("", ("stock", "transfer", "T1", "1", "--from", "main", "--to", "north",
                                                 "--note", v), ""),
    "product add --name": lambda v: Case("", ("product", "add", "T2", "--name", v, "--price", "2.00"), ""),
    "product update --name": lambda v: Case("", ("product", "update", "T1", "--name", v), ""),
    "product import -": lambda v: Case("", ("product", "import", "-"), "", input=_catalogue(v), lines=2),
    "location add --address": lambda v: Case("", ("location", "add", "south", "--address", v, "--city", "Berlin",
                                                  "--country", "DE"), ""),
    "--actor": lambda v: Case("", ("--actor", v, "status", "1", "--to", "canceled"), ""),
    "ORDERCLI_ACTOR": lambda v: Case("", ("stock", "receive", "T1", "1"), "", env={"ORDERCLI_ACTOR": v}),
}


def _text_cases(command: str) -> list[Case]:
    cases = []
    for kind, value, says in TEXT:
        case = TEXT_COMMANDS[command](value)
        lines = case.lines
        if command == "product import -" and kind == "lone surrogate":
            says, lines = "stdin is not UTF-8 text", 1  # a surrogate cannot be written as UTF-8 bytes
        if command == "create --note" and kind == "line break":
            continue  # the order note is the one text that may span lines
        cases.append(Case(f"{command}: {kind}", case.args, says, case.code, lines, case.input, case.file, case.env))
    return cases


NUMBER_COMMANDS = {  # command -> (how hostile digits get in, what the error says)
    "create --line quantity": (lambda n: _create("--line", f"T1:{n}"), "quantity"),
    "create --line price": (lambda n: _create("--line", f"FEE:1@{n}.00:Fee"), "price"),
    "stock receive": (lambda n: ("stock", "receive", "T1", n), "quantity"),
    "stock adjust": (lambda n: ("stock", "adjust", "T1", f"+{n}", "--reason", "count"), "adjustment"),
    "stock transfer": (lambda n: ("stock", "transfer", "T1", n, "--from", "main", "--to", "north"), "quantity"),
    "product add --price": (lambda n: ("product", "add", "T2", "--name", "Tea", "--price", f"{n}.50"), "price"),
    "product add --tax-rate": (lambda n: ("product", "add", "T2", "--name", "Tea", "--price", "1",
                                          "--tax-rate", n), "tax rate"),
    "product update --price": (lambda n: ("product", "update", "T1", "--price", n), "price"),
    "promo add --percent": (lambda n: ("promo", "add", "P2", "--percent", n), "--percent"),
    "promo add --amount": (lambda n: ("promo", "add", "P2", "--amount", f"{n}.00"), "--amount"),
    "promo add --max-uses": (lambda n: ("promo", "add", "P2", "--percent", "5", "--max-uses", n), "--max-uses"),
    "expire --older-than": (lambda n: ("expire", "--older-than", f"{n}h"), ""),
    "status ORDER": (lambda n: ("--quiet", "status", n, "--to", "canceled"), "is not an order number"),
}


# Values that say what to act on are read with the command line: one that cannot be read is a
# usage error (exit 2), not invalid data (docs/exit-codes.md).
READ_WITH_THE_COMMAND_LINE = {"expire --older-than"}


def _number_cases(command: str) -> list[Case]:
    build, says = NUMBER_COMMANDS[command]
    code = 2 if command in READ_WITH_THE_COMMAND_LINE else 5
    return [Case(f"{command}: {kind}", build(digits), says, code) for kind, digits in NUMBERS]


def _deep(levels: int) -> bytes:
    return b'{"customer": ' + b"[" * levels + b"]" * levels + b"}"


LATIN1_ORDER = _order_json(("customer", "name"), "Jos\u00e9").replace(b"Jos\\u00e9", "Jos\xe9".encode("latin-1"))

FILE_CASES = {
    "create --from-file": [
        Case("deep nesting, file", ("create", "--from-file", "FILE"), "nested too deeply", file=_deep(100_000)),
        Case("deep nesting, stdin", ("create", "--from-file", "-"), "nested too deeply", input=_deep(100_000)),
        Case("a key twice, file", ("create", "--from-file", "FILE"),
             'the order file has the key "lines" twice in one object',
             file=_order_json(("note",), "x")[:-1] + b', "lines": []}'),
        Case("a key twice after a BOM, stdin", ("create", "--from-file", "-"),
             'the order file has the key "name" twice in one object',
             input=b"\xef\xbb\xbf" + _order_json(("customer", "name"), "Ana").replace(b'"Ana"', b'"Ana", "name": "Eve"')),
        Case("a 5,000-digit JSON quantity", ("create", "--from-file", "-"), "quantity '1111",
             input=_order_json(("lines", 0, "quantity"), 7).replace(b'"quantity": 7', b'"quantity": ' + b"1" * 5000)),
        Case("an Arabic-Indic quantity", ("create", "--from-file", "-"), "quantity '\u0663' is not a whole number",
             input=_order_json(("lines", 0, "quantity"), "\u0663")),
        Case("a lone surrogate escaped in JSON", ("create", "--from-file", "-"), "lone surrogate (U+D800)",
             input=_order_json(("note",), "x").replace(b'"x"', b'"\\ud800"')),
        Case("Latin-1, file", ("create", "--from-file", "FILE"), "is not UTF-8 text", file=LATIN1_ORDER),
        Case("Latin-1, stdin", ("create", "--from-file", "-"), "stdin is not UTF-8 text", input=LATIN1_ORDER),
        Case("a phone with an extension", _create("--phone", "+49 30 0074321 ext 5"),
             "has an extension (ext 5): ordercli stores numbers without extensions; put it in the note"),
        Case("a phone in letters", _create("--phone", "030 0074321 (office)"), "may contain only the digits 0-9"),
        Case("a note with a lone carriage return", _create("--note", "call\rback"), "may break lines only with"),
    ],
    "product import": [
        Case("a column twice, stdin", ("product", "import", "-"), "columns named twice: price",
             input=b"sku,name,price,price\r\nT2,Tea,1.00,2.00\r\n"),
        Case("a column twice, file", ("product", "import", "FILE"), "columns named twice: name",
             file=b"\xef\xbb\xbfsku,name,Name,price\r\nT2,Tea,Tee,1.00\r\n"),
        Case("Latin-1, stdin", ("product", "import", "-"), "stdin is not UTF-8 text",
             input="sku,name,price\r\nT2,Caf\xe9,1.00\r\n".encode("latin-1")),
        Case("Latin-1 after the first rows, file", ("product", "import", "FILE"), "is not UTF-8 text",
             file=b"sku,name,price\r\n" + b"T2,Tea,1.00\r\n" * 2000 + b"T3,Caf\xe9,1.00\r\n"),
        Case("a cell beyond the csv module's limit", ("product", "import", "-"), "the CSV cannot be read after line 1: field larger than field limit",
             input=b"sku,name,price\r\nT2,\"" + b"x" * 200_000 + b"\",1.00\r\n"),
        Case("an Arabic-Indic price", ("product", "import", "-"), "price '\u0663.00' is not a number",
             input="sku,name,price\r\nT2,Tea,\u0663.00\r\n".encode(), lines=2),
    ],
    "status -": [
        Case("Latin-1 order numbers", ("--quiet", "status", "-", "--to", "canceled"), "stdin is not UTF-8 text",
             input=b"1\n\xe9\n"),
        Case("Latin-1 order numbers, file", ("--quiet", "status", "--from-file", "FILE", "--to", "canceled"),
             "is not UTF-8 text", file=b"1\n\xe9\n"),
        Case("an Arabic-Indic order number", ("--quiet", "status", "-", "--to", "canceled"),
             "'\u0661' is not an order number", input="\u0661\n".encode()),
    ],
    "product update": [
        Case("an empty name", ("product", "update", "T1", "--name", ""),
             "--name given empty: give a value or leave the option out"),
        Case("a blank price", ("product", "update", "T1", "--price", " "),
             "--price given empty: give a value or leave the option out"),
    ],
    "the OS user name": [
        Case("an escape sequence in USER", ("stock", "receive", "T1", "1"),
             "the OS user name contains a control character (U+001B); name the actor with --actor",
             env={"ORDERCLI_ACTOR": None, "LOGNAME": "eve\x1b[2J", "USER": "eve\x1b[2J"}),
    ],
}

GROUPS = {
    **{f"text: {command}": _text_cases(command) for command in TEXT_COMMANDS},
    **{f"number: {command}": _number_cases(command) for command in NUMBER_COMMANDS},
    **{f"file: {command}": cases for command, cases in FILE_CASES.items()},
}


@pytest.fixture
def shop(cli) -> Cli:
    """Two locations, product T1 with 10 at main, and order 1 (open) for one T1 (made by the
    services the commands call: what is tested here is what comes after)."""
    from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
    from ordercli.services.catalog import add_product, validate_product
    from ordercli.services.inventory.movements import receive
    from ordercli.services.locations import add_location
    from ordercli.services.orders import create_order

    with arranging(cli) as (database, stamp):
        add_location(database, "main", "warehouse", AddressRequest(), stamp)
        add_location(database, "north", "warehouse", AddressRequest(), stamp)
        add_product(database, validate_product("T1", name="Tea", price="4.00", kind="physical"), stamp)
        receive(database, "T1", "10", None, None, stamp)
        order = create_order(database, OrderRequest(
            name="Maria Anders", email="maria@example.com", phone="030-0074321",
            billing=AddressRequest(line1="Obere Str. 57", city="Berlin", postal_code="12209", country="DE"),
            lines=[LineRequest("T1", 1)]), stamp)
    assert order.order.number == 1
    return cli


def snapshot(cli: Cli) -> dict[str, list[tuple]]:
    from ordercli.db.sql import rows

    database = cli.database()
    try:
        with database.read() as connection:
            return {table: [tuple(r) for r in rows(connection, f"SELECT * FROM {table} ORDER BY 1")] for table in TABLES}
    finally:
        database.dispose()


def run(cli: Cli, case: Case):
    args = case.args
    if case.file is not None:
        path = cli.tmp_path / "hostile-input"
        path.write_bytes(case.file)
        args = tuple(str(path) if a == "FILE" else a for a in args)
    return cli(*args, input=case.input, env=case.env)


def what_is_wrong(outcome, case: Case) -> list[str]:
    lines = outcome.stderr.splitlines()
    wrong = []
    if outcome.exit_code != case.code:
        wrong.append(f"exit {outcome.exit_code}, not {case.code}")
    if len(lines) != case.lines:
        wrong.append(f"{len(lines)} lines on stderr, not {case.lines}")
    if not all(line.startswith("ordercli: ") for line in lines):
        wrong.append("a stderr line without 'ordercli: '")
    if case.says not in outcome.stderr:
        wrong.append(f"stderr does not say {case.says!r}")
    if "Traceback" in outcome.stderr or outcome.stdout:
        wrong.append("a traceback or output on stdout")
    return wrong


@pytest.mark.parametrize("group", list(GROUPS))
def test_hostile_input_exits_5_with_one_line_and_changes_nothing(shop, group):
    before = snapshot(shop)
    assert before["orders"] and before["stock_movements"]  # there is something to change
    failures = []
    for case in GROUPS[group]:
        outcome = run(shop, case)
        wrong = what_is_wrong(outcome, case)
        if snapshot(shop) != before:
            wrong.append("the database changed")
        if wrong:
            failures.append(f"{case.name}: {'; '.join(wrong)}\n    {outcome!r}"[:3000])
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("args, data", [
    (("product", "import", "-"), "sku,name,price\r\nT2,Caf\xe9,1.00\r\n".encode("latin-1")),
    (("create", "--from-file", "-"), LATIN1_ORDER),
    (("status", "-", "--to", "canceled"), b"1\n\xe9\n"),
], ids=["product import", "create", "status"])
def test_stdin_that_is_not_utf8_is_refused_by_a_real_process_in_utf8_mode(shop, args, data):
    # Python's UTF-8 mode (on by default under the C locale, as in many containers) reads stdin
    # with surrogateescape: undecodable bytes became lone surrogates that crashed on the way
    # into the database (exit 1), or were written there.
    before = snapshot(shop)
    process = subprocess.run([sys.executable, "-m", "ordercli", "--db", shop.target, "--quiet", *args], input=data,
                             capture_output=True, timeout=120,
                             env={**os.environ, "LC_ALL": "C", "PYTHONUTF8": "1", "NO_COLOR": "1"})
    assert (process.returncode, process.stderr, process.stdout) == (5, b"ordercli: stdin is not UTF-8 text\n", b"")
    assert snapshot(shop) == before


# -- what must still work ----------------------------------------------------------------------------


def test_files_and_stdin_with_a_byte_order_mark_are_read(shop):
    order = b"\xef\xbb\xbf" + _order_json(("note",), "call before noon\nring twice")
    created = shop("create", "--from-file", "-", "--json", input=order)
    assert created.exit_code == 0, created
    assert json.loads(created.stdout)["note"] == "call before noon\nring twice"
    path = shop.tmp_path / "catalogue.csv"
    path.write_bytes(b"\xef\xbb\xbfsku,name,price\r\nT2,Green tea,3.00\r\n")
    assert shop("product", "import", str(path)).exit_code == 0
    piped = shop("product", "import", "-", input=b"\xef\xbb\xbfsku,name,price\r\nT3,White tea,5.00\r\n")
    assert piped.exit_code == 0, piped
    assert [(p["sku"], p["name"]) for p in shop.json("product", "list")] == [
        ("T1", "Tea"), ("T2", "Green tea"), ("T3", "White tea")]
    moved = shop("status", "-", "--to", "canceled", input=b"\xef\xbb\xbf1\r\n2\r\n")
    assert moved.exit_code == 0, moved
    assert [o["status"] for o in shop.json("list")] == ["canceled", "canceled"]


def test_names_in_any_script_and_emoji_with_joiners_are_kept(shop):
    name = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb"
    order = shop.json("create", "--from-file", "-", input=_order_json(("customer", "name"), name))
    assert order["customer"]["name"] == name


def test_an_actor_from_the_option_or_the_environment_is_written_as_given(shop):
    assert shop("--actor", "  Zo\u00eb  ", "status", "1", "--to", "canceled").exit_code == 0
    assert shop("stock", "receive", "T1", "1", env={"ORDERCLI_ACTOR": "bot-7"}).exit_code == 0
    assert shop.json("history", "1")[-1]["actor"] == "Zo\u00eb"
    assert shop.json("stock", "history", "T1")[-1]["actor"] == "bot-7"


def test_an_update_that_changes_nothing_says_so(shop):
    before = snapshot(shop)
    same = shop("product", "update", "T1", "--name", "Tea", "--price", "4.00", "--active")
    assert (same.exit_code, same.stderr) == (0, "product T1 unchanged: it already has those values\n")
    assert snapshot(shop) == before  # not even updated_at
    changed = shop("product", "update", "T1", "--name", "Black tea")
    assert (changed.exit_code, changed.stderr) == (0, "updated product T1\n")
    assert shop.json("product", "show", "T1")["name"] == "Black tea"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [["list", "--json"], ["show", "1"], ["returns", "--csv"]])
def test_output_to_a_full_disk_is_one_line_and_exit_6(shop, args):
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", shop.target, *args], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (6, "ordercli: cannot write the output: No space left on device\n")
