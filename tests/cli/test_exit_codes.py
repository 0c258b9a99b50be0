"""One bad invocation of every command: each exits with the code docs/exit-codes.md gives and
says so in one line on stderr, `ordercli: ...`, with nothing on stdout.

The rule for 2 and 5 (docs/exit-codes.md): 2 when the command line itself is wrong (unknown
command or option, a missing argument or option, a value outside an option's choices, or a
value that says what to act on and cannot be read: an order number, a count, a duration, a
date); 5 when the data a command records or reads is refused. A usage error ends by saying
where help is.
"""

import sys

import pytest

from tests.cli.test_conventions import COMMANDS  # every command (not the groups), by its path
from tests.helpers import CUSTOMER, table_count

STATUSES = "open, ready_to_ship, partially_shipped, partially_closed, closed, canceled, returned, failed, abandoned"

# command -> (arguments after --db, exit code, the line on stderr)
CASES = {
    "create": (["create", *CUSTOMER, "--line", "FEE:1@1:Fee", "--channel", "fax"], 2,
               "--channel 'fax' is not one of web, mobile, phone, store, marketplace, other "
               "(see ordercli create --help)"),
    "show": (["show", "abc"], 2, "ORDER 'abc' is not an order number (see ordercli show --help)"),
    "history": (["history", "42"], 3, "order 42 does not exist"),
    "list": (["list", "--status", "bogus"], 2, f"--status 'bogus' is not one of {STATUSES} (see ordercli list --help)"),
    "verify": (["verify", "1"], 2, "missing option --by (see ordercli verify --help)"),
    "status": (["status", "--to", "canceled"], 2,
               "give order numbers, '-' to read them from stdin, or --from-file (see ordercli status --help)"),
    "expire": (["expire", "--older-than", "1s"], 2,
               "--older-than 1s is under an hour: a typo? --force if you mean it (see ordercli expire --help)"),
    "available": (["available", "CHAI", "0"], 2, "QTY '0' is less than 1 (see ordercli available --help)"),
    "product add": (["product", "add", "X", "--price", "1"], 2,
                    "missing required fields: --name (see ordercli product add --help)"),
    "product update": (["product", "update", "NOPE", "--price", "1"], 3, "product NOPE does not exist"),
    "product list": (["product", "list", "--kind", "food"], 2,
                     "--kind 'food' is not one of physical, digital, service (see ordercli product list --help)"),
    "product show": (["product", "show", "NOPE"], 3, "product NOPE does not exist"),
    "product import": (["product", "import", "missing.csv"], 5, "cannot read missing.csv: No such file or directory"),
    "stock receive": (["stock", "receive"], 2, "missing argument SKU (see ordercli stock receive --help)"),
    "stock adjust": (["stock", "adjust", "CHAI", "-1"], 2, "missing option --reason (see ordercli stock adjust --help)"),
    "stock transfer": (["stock", "transfer", "CHAI", "1", "--from", "main"], 2,
                       "missing option --to (see ordercli stock transfer --help)"),
    "stock list": (["stock", "list", "--below", "-1"], 2, "--below '-1' is less than 0 (see ordercli stock list --help)"),
    "stock history": (["stock", "history", "NOPE"], 3, "product NOPE does not exist"),
    "stock check": (["stock", "check", "extra"], 2,
                    "got unexpected extra argument(s) (extra) (see ordercli stock check --help)"),
    "location add": (["location", "add", "depot", "--kind", "garage"], 2,
                     "--kind 'garage' is not one of warehouse, store (see ordercli location add --help)"),
    "location list": (["location", "list", "--colour"], 2,
                      "no such option --colour; did you mean --actor? (see ordercli location list --help)"),
    "location set-default": (["location", "set-default", "nowhere"], 3, "location nowhere does not exist"),
    "promo add": (["promo", "add", "P1", "--percent", "abc"], 5,
                  "--percent 'abc' is not a number (write it with the digits 0-9 and a '.')"),
    "promo list": (["promo", "list", "x"], 2, "got unexpected extra argument(s) (x) (see ordercli promo list --help)"),
    "db info": (["db", "info", "--db="], 2, "--db is empty: give a SQLite file path or a database URL, or leave it "
                                             "out for the default database (see ordercli db info --help)"),
    "db upgrade": (["db", "upgrade", "--actor", "\x1b[2J"], 5,
                   "--actor (or ORDERCLI_ACTOR) contains a control character (U+001B)"),
    "db copy": (["db", "copy"], 2, "missing option --to (see ordercli db copy --help)"),
    "db backup": (["db", "backup", "-"], 2, "FILE must be a file path: a backup is a SQLite database, not sent to "
                                            "stdout (see ordercli db backup --help)"),
    "shipping-charge": (["shipping-charge", "abc", "4.90"], 2,
                        "ORDER 'abc' is not an order number (see ordercli shipping-charge --help)"),
    "ship": (["ship", "--carrier", "DHL"], 2,
             "give order numbers, '-' to read them from stdin, --from-file or --manifest (see ordercli ship --help)"),
    "delete-shipment": (["delete-shipment", "abc", "--yes"], 2,
                        "SHIPMENT 'abc' is not a shipment number (see ordercli delete-shipment --help)"),
    "shipments": (["shipments", "--stage", "lost"], 2, "--stage 'lost' is not one of picked, packed, handed_over, "
                                                       "delivered, returned_to_sender (see ordercli shipments --help)"),
    "shipment show": (["shipment", "show", "17"], 3, "shipment 17 does not exist"),
    "return": (["return", "17", "--reason", "too big"], 3, "order 17 does not exist"),
    "returns": (["returns", "--stage", "lost"], 2, "--stage 'lost' is not one of requested, received, inspected, "
                                                   "refunded, credited, canceled (see ordercli returns --help)"),
    "exchange": (["exchange", "17", "--return", "CHAI:1", "--for", "CHAI", "--reason", "defect"], 2,
                 "say how many CHAI go out instead: --for CHAI:QTY (see ordercli exchange --help)"),
    "return-slip": (["return-slip", "17"], 3, "return 17 does not exist"),
    "rma show": (["rma", "show", "17"], 3, "return 17 does not exist"),
    "rma receive": (["rma", "receive", "abc"], 2, "RETURN 'abc' is not a return number (see ordercli rma receive --help)"),
    "rma inspect": (["rma", "inspect", "17", "--restock", "CHAI@"], 2,
                    "'CHAI@': name the location after @ (SKU:QTY@LOCATION) (see ordercli rma inspect --help)"),
    "rma refund": (["rma", "refund", "17", "--as", "cash"], 2, "--as 'cash' is not one of refund, credit "
                                                               "(see ordercli rma refund --help)"),
    "appointment book": (["appointment", "book", "17", "--at", "2099-01-01T09:00", "--duration", "1h", "--with",
                          "tom"], 3, "order 17 does not exist"),
    "appointment reschedule": (["appointment", "reschedule", "17", "--at", "2099-01-01T09:00"], 3,
                               "appointment 17 does not exist"),
    "appointment cancel": (["appointment", "cancel", "abc", "--reason", "x"], 2,
                           "APPOINTMENT 'abc' is not an appointment number (see ordercli appointment cancel --help)"),
    "appointment complete": (["appointment", "complete", "17", "--signed-by", "X"], 3, "appointment 17 does not exist"),
    "appointment list": (["appointment", "list", "--day", "someday"], 2,
                         "--day 'someday' is not a day (examples: 2026-12-03, today, tomorrow) "
                         "(see ordercli appointment list --help)"),
    "appointment show": (["appointment", "show", "9"], 3, "appointment 9 does not exist"),
    "appointment export": (["appointment", "export"], 2,
                           "say the format: --ics (iCalendar) (see ordercli appointment export --help)"),
    "appointment resource add": (["appointment", "resource", "add", "x", "--kind", "robot"], 2,
                                 "--kind 'robot' is not one of technician, van, room, other "
                                 "(see ordercli appointment resource add --help)"),
    "appointment resource list": (["appointment", "resource", "list", "--csv"], 2,
                                  "no such option --csv (see ordercli appointment resource list --help)"),
    "rma cancel": (["rma", "cancel", "17"], 2, "say why the return is canceled: --reason TEXT "
                                               "(see ordercli rma cancel --help)"),
    "shipment pack": (["shipment", "pack", "17", "--weight", "heavy"], 2,
                      "--weight 'heavy' is not a weight in kg (2.5) (see ordercli shipment pack --help)"),
    "shipment hand-over": (["shipment", "hand-over"], 2,
                           "missing argument SHIPMENT (see ordercli shipment hand-over --help)"),
    "shipment collect": (["shipment", "collect", "17"], 2,
                         "missing option --signed-by (see ordercli shipment collect --help)"),
    "shipment deliver": (["shipment", "deliver", "17", "--signed-by", "Maria Anders"], 3, "shipment 17 does not exist"),
    "shipment failed": (["shipment", "failed", "17"], 2, "missing option --reason (see ordercli shipment failed --help)"),
    "shipment returned": (["shipment", "returned", "17", "--reason", "address unknown"], 3,
                          "shipment 17 does not exist"),
    "shipment edit": (["shipment", "edit", "17"], 2, "give --carrier or --tracking (see ordercli shipment edit --help)"),
    "carrier add": (["carrier", "add", "UPS", "--tracking-url", "javascript:alert(1)"], 5,
                    "the tracking URL must be an http(s) URL (--tracking-url)"),
    "carrier list": (["carrier", "list", "--all"], 2, "no such option --all (see ordercli carrier list --help)"),
    "invoice": (["invoice"], 2, "give order numbers, or --status (with --since) to invoice many, or --number to render "
                                "again (see ordercli invoice --help)"),
    "credit-note": (["credit-note", "INV-2026-000042", "--shipping"], 2,
                    "--shipping goes with --line (a whole invoice is credited with its shipping charge) "
                    "(see ordercli credit-note --help)"),
    "packing-slip": (["packing-slip", "1042", "--shipment", "17"], 2,
                     "give an ORDER or --shipment SHIPMENT (one of them) (see ordercli packing-slip --help)"),
    "label": (["label", "17", "--size", "a4"], 2, "--size 'a4' is not one of 4x6, a6 (see ordercli label --help)"),
    "pick-list": (["pick-list", "--status", "bogus"], 2,
                  f"--status 'bogus' is not one of {STATUSES} (see ordercli pick-list --help)"),
    "profile set": (["profile", "set", "--invoice-policy", "later"], 2,
                    "--invoice-policy 'later' is not one of fulfilled, ordered (see ordercli profile set --help)"),
    "export": (["export", "--format", "xml"], 2,
               "--format 'xml' is not one of lines, orders, shipments, shopify (see ordercli export --help)"),
    "import": (["import", "missing.csv"], 5, "cannot read missing.csv: No such file or directory"),
    "summary": (["summary", "--by", "year"], 2,
                "--by 'year' is not one of day, week, month, channel, status, method (see ordercli summary --help)"),
    "profile show": (["profile", "show", "extra"], 2,
                     "got unexpected extra argument(s) (extra) (see ordercli profile show --help)"),
}

# The cases the issue found, besides the one a command above.
MORE = {
    "import, unknown format": (["import", "orders.csv", "--format", "woo"], 2,
                               "--format 'woo' is not one of ordercli, shopify (see ordercli import --help)"),
    "import, --rejects alone": (["import", "orders.csv", "--rejects", "rejected.csv"], 2,
                                "--rejects goes with --skip-invalid (see ordercli import --help)"),
    "import, empty stdin": (["import", "-"], 5, "the file is empty: it holds no orders"),
    "unknown command": (["frobnicate"], 2, "no such command 'frobnicate' (see ordercli --help)"),
    "verify, unknown method": (["verify", "1", "--by", "anna", "--method", "fax"], 2,
                               "--method 'fax' is not one of phone, email, in-person, automatic "
                               "(see ordercli verify --help)"),
    "status, unknown status": (["status", "1", "--to", "shipped"], 2,
                               f"--to 'shipped' is not one of {STATUSES} (see ordercli status --help)"),
    "list, unreadable date": (["list", "--since", "soon"], 2,
                              "--since 'soon' is not a time (examples: 2026-11-28, 2026-11-28T14:30, "
                              "2026-11-28T14:30+01:00, today, yesterday, 2h, 1h30m) (see ordercli list --help)"),
    "list, not a count": (["list", "--limit", "x"], 2, "--limit 'x' is not a whole number (see ordercli list --help)"),
    "expire, unreadable duration": (["expire", "--older-than", "soon"], 2,
                                    "--older-than 'soon' is not a duration (examples: 30m, 2h, 3d, 1w) "
                                    "(see ordercli expire --help)"),
    "create, fields left out": (["create", "--city", "Berlin"], 2,
                                "missing required fields: --name, --email or --phone, --address, --country, --line "
                                "(see ordercli create --help)"),
    "create, bad email (data)": (["create", *CUSTOMER, "--line", "FEE:1@1:Fee", "--email", "maria"], 5,
                                 "email 'maria' is not valid: An email address must have an @-sign."),
    "ship, a manifest and order numbers": (["ship", "1", "--manifest", "evening.csv"], 2,
                                           "--manifest carries the orders, SKUs, locations, carriers and tracking "
                                           "numbers: give them there, not as arguments (see ordercli ship --help)"),
    "ship, an unreadable manifest": (["ship", "--manifest", "missing.csv"], 5,
                                     "cannot read missing.csv: No such file or directory"),
    "shipments, unreadable duration": (["shipments", "--not-delivered-after", "soon"], 2,
                                       "--not-delivered-after 'soon' is not a duration (examples: 30m, 2h, 3d, 1w) "
                                       "(see ordercli shipments --help)"),
    "shipments, unknown carrier": (["shipments", "--carrier", "Pigeon"], 3,
                                   "carrier 'Pigeon' does not exist (add it: ordercli carrier add NAME)"),
    "invoice, unknown order": (["invoice", "1042", "--out", "-"], 3, "order 1042 does not exist"),
    "credit-note, unknown invoice": (["credit-note", "INV-2026-000042", "--out", "-"], 3,
                                     "no invoice 'INV-2026-000042'"),
    "label, unknown shipment": (["label", "17", "--out", "-"], 3, "shipment 17 does not exist"),
    "profile set, a logo that is no file": (["profile", "set", "--logo", "/dev/null"], 5,
                                            "--logo '/dev/null' is not a regular file"),
    "profile set, nothing to set": (["profile", "set"], 2,
                                    "give at least one option to set (see ordercli profile set --help)"),
    "profile set, a prefix with a space": (["profile", "set", "--invoice-prefix", "INV X"], 5,
                                           "--invoice-prefix may not contain ' ': it is part of file names"),
    "profile set, padding out of range": (["profile", "set", "--padding", "0"], 5,
                                          "--padding must be between 1 and 12"),
    "credit-note, a line without its quantity": (["credit-note", "INV-2026-000042", "--line", "CHAI"], 2,
                                                 "--line 'CHAI' is not SKU:QTY (e.g. ABC-1:2) "
                                                 "(see ordercli credit-note --help)"),
    "label, a shipment that is no number": (["label", "abc"], 2,
                                            "SHIPMENT 'abc' is not a shipment number (see ordercli label --help)"),
    "pick-list, unknown location": (["pick-list", "--at", "nowhere"], 3, "location nowhere does not exist"),
    "appointment book, zero duration": (["appointment", "book", "17", "--at", "2099-01-01T09:00", "--duration", "0m",
                                         "--with", "tom"], 5,
                                        "'0m' is no time at all: an appointment lasts a while (examples: 30m, 2h, 1h30m)"),
    "appointment list, unknown zone": (["appointment", "list", "--tz", "Mars/Base"], 5,
                                       "--tz 'Mars/Base' is not a time zone (examples: Europe/Berlin, America/New_York, "
                                       "UTC)"),
    "return, not a number": (["return", "abc", "--reason", "x"], 2,
                             "ORDER 'abc' is not an order number (see ordercli return --help)"),
}


def test_every_command_has_a_bad_invocation_here():
    assert sorted(CASES) == sorted(path for path, _ in COMMANDS), "add a case for each new command, remove one for each gone"


@pytest.mark.parametrize("args, code, message", [*CASES.values(), *MORE.values()], ids=[*CASES, *MORE])
def test_a_bad_invocation_exits_with_its_code_and_one_line(cli, args, code, message):
    outcome = cli(*args)
    assert (outcome.exit_code, outcome.stderr, outcome.stdout) == (code, f"ordercli: {message}\n", ""), outcome


def test_a_logo_file_that_is_no_image_is_named_as_typed(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "logo.txt").write_text("just some text\n", encoding="utf-8")
    outcome = cli("profile", "set", "--logo", "logo.txt")
    assert (outcome.exit_code, outcome.stderr, outcome.stdout) == (
        5, "ordercli: --logo 'logo.txt': the logo is not a PNG, JPEG or SVG image\n", "")
    assert cli.json("profile", "show")["logo_sha256"] is None


def test_the_entries_of_a_status_batch_are_data(cli):
    # `status --to canceled` with no numbers at all is a usage error (above). The numbers of a
    # batch, from the command line, stdin or a file, are its entries, each judged (and skipped
    # with --skip-invalid): one that is not a number is invalid data, and so is an empty stdin.
    empty = cli("status", "-", "--to", "canceled", input="\n")
    assert (empty.exit_code, empty.stderr) == (5, "ordercli: no order numbers given\n")
    for args, stdin in ((["abc"], None), (["-"], "abc\n")):
        bad = cli("status", *args, "--to", "canceled", input=stdin)
        assert (bad.exit_code, bad.stderr.splitlines()[0]) == (5, "ordercli: 'abc' is not an order number"), bad


pexpect = pytest.importorskip("pexpect")


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_interrupting_a_prompt_exits_130_and_writes_nothing(sqlite_cli, key):
    assert sqlite_cli("db", "upgrade").exit_code == 0
    child = pexpect.spawn(sys.executable, ["-m", "ordercli", "--db", sqlite_cli.target, "create", "--city", "Berlin",
                                           "--email", "maria@example.com"],
                          env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, encoding="utf-8", timeout=60)
    child.expect("name")
    child.send(key)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130, child.before
    assert "ordercli: interrupted; nothing was changed" in child.before
    assert "Aborted" not in child.before
    assert table_count(sqlite_cli, "orders") == 0
