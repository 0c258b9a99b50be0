"""The --json contract: each command's JSON has exactly these keys, in this order, with values
of these types, nested objects and array items too, and it validates against the JSON Schema
shipped in the package; --jsonl prints the same objects, one a line. A shape may only grow; any
change to one fails here first (and then belongs in docs/json.md and the schema)."""

import hashlib
import json
import re
from functools import cache
from importlib.resources import files

import pytest
import typer

from ordercli.cli.app import app
from tests.helpers import CUSTOMER

# -- how a shape is written down -----------------------------------------------------------------
# A type: the value is exactly of it (a bool is not an int). A pattern: a string it matches.
# A dict: an object with exactly these keys, in this order. [item]: an array of such items; []: an
# array that is always empty. A tuple: any one of its shapes (None: null).

TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
DECIMAL = re.compile(r"-?[0-9]+(\.[0-9]+)?")
TEXT = (str, None)
CHECKSUM = re.compile("[0-9a-f]{64}")

MONEY = {"amount": DECIMAL, "currency": re.compile("[A-Z]{3}")}
ADDRESS = {"name": TEXT, "line1": str, "line2": TEXT, "city": str, "region": TEXT, "postal_code": TEXT,
           "country": re.compile("[A-Z]{2}")}
LEVEL = {"location": str, "on_hand": int, "reserved": int, "available": int}
STOCK = {"on_hand": int, "reserved": int, "available": int, "locations": [LEVEL]}
CUSTOMER_SHAPE = {"id": int, "name": str, "email": TEXT, "phone": TEXT}
TOTALS = {"subtotal": MONEY, "discount": MONEY, "tax": MONEY, "total": MONEY, "shipping": MONEY}
HISTORY_ENTRY = {"at": TIME, "actor": str, "command": str, "event": str, "from": TEXT, "to": TEXT, "reason": TEXT}
SHIPMENT = {
    "number": int, "order": int, "method": str, "location": TEXT, "stage": str, "carrier": TEXT, "tracking": TEXT,
    "tracking_url": TEXT, "parcels": (int, None), "weight_kg": (DECIMAL, None), "issued": TEXT, "signed_by": TEXT,
    "delivery_note": TEXT, "failed_attempts": int, "reason": TEXT, "created_at": TIME,
    "stages": [{"stage": str, "at": TIME, "by": str}],
    "lines": [{"line": int, "sku": str, "description": str, "location": TEXT, "quantity": int}],
    "deleted": ({"at": TIME, "by": str, "reason": TEXT}, None),
}
LOCAL_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}")
APPOINTMENT = {
    "number": int, "order": int, "order_status": str, "line": (int, None), "sku": TEXT, "resource": str,
    "resource_kind": str, "stage": str, "starts_at": TIME, "ends_at": TIME, "starts_local": LOCAL_TIME,
    "ends_local": LOCAL_TIME, "time_zone": str, "duration_minutes": int, "place": TEXT, "note": TEXT,
    "customer": CUSTOMER_SHAPE, "sequence": int, "created_at": TIME, "created_by": str, "updated_at": TIME,
    "completed": ({"at": TIME, "by": str, "signed_by": str}, None),
    "canceled": ({"at": TIME, "by": str, "reason": str}, None),
}
RESOURCE = {"name": str, "kind": str, "note": TEXT, "created_at": TIME, "booked_count": int}
RETURN = {
    "number": int, "order": int, "order_status": str, "kind": str, "stage": str, "reason": str,
    "lines": [{"line": int, "sku": str, "description": str, "quantity": int, "restocked": int, "written_off": int,
               "location": TEXT}],
    "refund": MONEY, "refund_shipping": bool, "window_override": TEXT, "replacement_order": (int, None),
    "credit_notes": [str], "requested_at": TIME, "stages": [{"stage": str, "at": TIME, "by": str}],
    "settled_as": TEXT, "reference": TEXT, "cancel_reason": TEXT,
}
ORDER = {
    "number": int, "status": str, "channel": str, "channel_ref": TEXT, "currency": str,
    "placed_at": TIME, "updated_at": TIME,
    "customer": CUSTOMER_SHAPE,
    "billing_address": ADDRESS, "shipping_address": ADDRESS,
    "promo_code": TEXT, "note": TEXT,
    "verification": ({"at": TIME, "by": str, "method": str, "note": TEXT}, None),
    "lines": [{
        "line": int, "sku": str, "description": str, "kind": str, "quantity": int, "unit_price": MONEY,
        "discount": MONEY, "order_discount": MONEY, "tax_rate": DECIMAL, "net": MONEY, "tax": MONEY,
        "total": MONEY, "delivery_method": str, "promised": [{"location": str, "quantity": int}], "waiting": int,
        "shipped": int, "returned": int,
    }],
    "totals": TOTALS,
    "history": [HISTORY_ENTRY],
    "shipments": [SHIPMENT],
    "shipping_charge": {"amount": MONEY, "tax_rate": DECIMAL, "tax": MONEY},
    "returns": [RETURN],
    "appointments": [APPOINTMENT],
}
CREATED_ORDER = {**ORDER, "existing": bool}
ORDER_SUMMARY = {
    "number": int, "status": str, "channel": str, "channel_ref": TEXT, "currency": str, "placed_at": TIME,
    "customer": CUSTOMER_SHAPE, "verified": bool, "line_count": int, "totals": TOTALS, "return_count": int,
}
EXCHANGE = {"return": RETURN, "replacement": ORDER, "difference": MONEY}
RETURN_SLIP = {"return_number": int, "order": int, "kind": str, "units": int, "file": TEXT}
STATUS_OUTCOME = {"number": (int, None), "input": str, "from": TEXT, "to": str, "ok": bool, "changed": bool,
                  "error": TEXT, "code": int}
EXPIRY = {"dry_run": bool,
          "abandoned": [{"number": int, "placed_at": TIME, "customer": CUSTOMER_SHAPE, "total": MONEY,
                         "changed": bool}],
          "released_units": int}
PRODUCT = {"sku": str, "name": str, "price": MONEY, "tax_rate": DECIMAL, "kind": str, "gtin": TEXT, "active": bool,
           "created_at": TIME, "updated_at": TIME, "stock": (STOCK, None)}
STOCK_CHANGE = {"sku": str, "location": str, "on_hand": int, "reserved": int, "available": int,
                "backorders_promised": int}
MOVEMENT = {"at": TIME, "kind": str, "location": str, "on_hand": int, "reserved": int, "order": (int, None),
            "actor": str, "command": str, "reason": TEXT}
LOCATION = {"name": str, "kind": str, "default": bool, "address": (ADDRESS, None), "on_hand": int, "reserved": int,
            "available": int}
PROMO = {"code": str, "percent": (DECIMAL, None), "amount": (MONEY, None), "valid_from": (TIME, None),
         "valid_until": (TIME, None), "max_uses": (int, None), "uses": int, "created_at": TIME}
SHIP_OUTCOME = {"number": (int, None), "input": str, "ok": bool, "shipped": bool, "shipments": [int], "from": TEXT,
                "to": TEXT, "error": TEXT, "code": int}
CARRIER = {"name": str, "tracking_url": TEXT, "shipment_count": int}
DOCUMENT = {"number": str, "kind": str, "order": int, "method": str, "title": str, "issued_at": TIME, "new": bool,
            "credits": TEXT, "total": MONEY, "tax": MONEY, "file": TEXT}
PACKING_SLIP = {"shipment_number": int, "order": int, "method": str, "units": int, "file": TEXT}
LABEL = {"shipment_number": int, "order": int, "parcels": int, "barcode": str, "size": str, "file": TEXT}
PICK_LIST = {"created_at": TIME, "orders": [int],
             "by_location": [{"location": str, "items": [{"sku": str, "description": str, "quantity": int,
                                                          "orders": [{"order": int, "quantity": int}]}]}]}
PROFILE = {"name": TEXT, "address": (ADDRESS, None), "tax_id": TEXT, "email": TEXT, "phone": TEXT, "bank": TEXT,
           "logo_sha256": (CHECKSUM, None), "invoice_prefix": str, "credit_prefix": str, "yearly_reset": bool,
           "padding": int, "next_invoice_number": str, "next_credit_note_number": str, "locale": str,
           "payment_terms": TEXT, "payment_days": (int, None), "footer": TEXT, "invoice_policy": str,
           "fallback_font": TEXT, "label_size": str, "updated_at": (TIME, None), "updated_by": TEXT,
           "return_days": (int, None)}

# Every command that prints JSON, and the shape it prints.
SUMMARY_FIGURES = {
    "group": TEXT, "currency": re.compile("[A-Z]{3}"), "orders": int, "in_revenue": int,
    "not_in_revenue": {"canceled": int, "abandoned": int, "failed": int, "returned": int},
    "revenue": {"net": MONEY, "tax": MONEY, "gross": MONEY},
    "fulfillment": ({"handed_over": int, "on_time": int, "average_hours_to_hand_over": (DECIMAL, None)}, None),
}
SUMMARY = {"by": str, "since": (TIME, None), "until": (TIME, None), "on_time_seconds": int,
           "groups": [SUMMARY_FIGURES], "overall": [SUMMARY_FIGURES]}

IMPORTED = {"number": (int, None), "source": str, "rows": [int], "channel": str, "channel_ref": str, "status": str,
            "lines": int, "shipment_number": (int, None)}
IMPORT = {"format": str, "file_kind": str, "dry_run": bool, "applied": bool, "rows": int, "imported": [IMPORTED],
          "existing": [IMPORTED], "rejected": [{"source": TEXT, "rows": [int],
                                                "problems": [{"row": int, "message": str, "code": int}]}],
          "rejects_file": TEXT, "promised_units": int, "waiting_units": int, "new_customers": int,
          "new_promo_codes": [str], "notes": [str]}

SHAPE_OF = {
    "import": IMPORT,
    "summary": SUMMARY,
    "create": CREATED_ORDER,
    "show": ORDER,
    "verify": ORDER,
    "shipping-charge": ORDER,
    "history": [HISTORY_ENTRY],
    "list": [ORDER_SUMMARY],
    "status": [STATUS_OUTCOME],
    "expire": EXPIRY,
    "product add": PRODUCT,
    "product update": PRODUCT,
    "product show": PRODUCT,
    "product list": [PRODUCT],
    "stock receive": STOCK_CHANGE,
    "stock adjust": STOCK_CHANGE,
    "stock transfer": {"from": STOCK_CHANGE, "to": STOCK_CHANGE},
    "stock list": [{"sku": str, "name": str, "stock": STOCK}],
    "stock history": [MOVEMENT],
    "stock check": [{"sku": str, "location": str, "on_hand": int, "ledger_on_hand": int, "reserved": int,
                     "ledger_reserved": int}],
    "available": {"sku": str, "kind": str, "requested": int, "available": (int, None), "can_promise": bool,
                  "locations": [LEVEL]},
    "location add": LOCATION,
    "location list": [LOCATION],
    "promo add": PROMO,
    "promo list": [PROMO],
    "db info": {"location": str, "backend": str, "schema": (str, None), "latest_schema": str, "up_to_date": bool,
                "size_bytes": (int, None), "orders": (int, None), "server": TEXT, "role": TEXT,
                "tables": [{"table": str, "rows": int}]},
    "db copy": {"source": str, "target": str, "schema": str, "rows": int, "match": bool,
                "tables": [{"table": str, "rows": int, "checksum": CHECKSUM, "copied_rows": int,
                            "copied_checksum": CHECKSUM, "match": bool}]},
    "ship": [SHIP_OUTCOME],
    "delete-shipment": {"shipment": SHIPMENT, "deleted": bool, "from": str, "to": str, "restocked_at": TEXT,
                        "written_off": bool},
    "shipments": [SHIPMENT],
    "shipment show": SHIPMENT,
    "shipment pack": SHIPMENT,
    "shipment hand-over": SHIPMENT,
    "shipment collect": SHIPMENT,
    "shipment deliver": SHIPMENT,
    "shipment failed": SHIPMENT,
    "shipment returned": SHIPMENT,
    "shipment edit": SHIPMENT,
    "carrier add": CARRIER,
    "carrier list": [CARRIER],
    "invoice": [DOCUMENT],
    "credit-note": [DOCUMENT],
    "packing-slip": [PACKING_SLIP],
    "label": LABEL,
    "pick-list": PICK_LIST,
    "profile set": PROFILE,
    "profile show": PROFILE,
    "return": RETURN,
    "returns": [RETURN],
    "exchange": EXCHANGE,
    "return-slip": RETURN_SLIP,
    "rma show": RETURN,
    "rma receive": RETURN,
    "rma inspect": RETURN,
    "rma refund": RETURN,
    "rma cancel": RETURN,
    "appointment resource add": RESOURCE,
    "appointment resource list": [RESOURCE],
    "appointment book": APPOINTMENT,
    "appointment reschedule": APPOINTMENT,
    "appointment cancel": APPOINTMENT,
    "appointment complete": APPOINTMENT,
    "appointment list": [APPOINTMENT],
    "appointment show": {**APPOINTMENT, "history": [HISTORY_ENTRY]},
}


def _problems(value, shape, at, seen) -> list[str]:
    if isinstance(shape, tuple):
        tries = [_problems(value, alternative, at, seen) for alternative in shape]
        return [] if [] in tries else [f"{at}: {value!r} has none of the shapes allowed: {tries}"]
    if shape is None:
        return [] if value is None else [f"{at}: {value!r} is not null"]
    if isinstance(shape, re.Pattern):
        return [] if type(value) is str and shape.fullmatch(value) else [f"{at}: {value!r} is not {shape.pattern}"]
    if isinstance(shape, type):
        return [] if type(value) is shape else [f"{at}: {value!r} is not a {shape.__name__}"]
    if isinstance(shape, dict):
        if type(value) is not dict:
            return [f"{at}: {value!r} is not an object"]
        if list(value) != list(shape):
            return [f"{at}: keys {list(value)}, the contract says {list(shape)}"]
        seen.add(id(shape))
        return [p for key in shape for p in _problems(value[key], shape[key], f"{at}.{key}", seen)]
    if type(value) is not list:
        return [f"{at}: {value!r} is not an array"]
    if not shape:
        return [] if value == [] else [f"{at}: {value!r} should always be empty"]
    if value:
        seen.add(id(shape))
    return [p for i, item in enumerate(value) for p in _problems(item, shape[0], f"{at}[{i}]", seen)]


def _parts(shape):
    """The objects and non-empty arrays within a shape: each must be met by some document."""
    if isinstance(shape, tuple):
        for alternative in shape:
            yield from _parts(alternative)
    elif isinstance(shape, dict):
        yield shape
        for value in shape.values():
            yield from _parts(value)
    elif isinstance(shape, list) and shape:
        yield shape
        yield from _parts(shape[0])


@cache
def schema() -> dict:
    """The JSON Schema shipped in the package."""
    return json.loads(files("ordercli").joinpath("schemas/output.schema.json").read_text(encoding="utf-8"))


def schema_problems(command: str, document) -> list[str]:
    """Where `document` breaks the shipped schema's definition of `command`'s output."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator({**schema(), "$ref": f"#/$defs/ordercli {command}"})
    return [f"{command}: {'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def assert_shapes(*outputs) -> None:
    """Each (command, document) has the shape of that command's JSON and validates against the
    shipped schema, and together the documents show every part of those shapes (each nested
    object, each array's items), so no part of a shape goes unchecked."""
    seen: set[int] = set()
    problems = [p for command, document in outputs for p in _problems(document, SHAPE_OF[command], command, seen)]
    problems += [p for command, document in outputs for p in schema_problems(command, document)]
    assert problems == []
    unseen = [part for command, _ in outputs for part in _parts(SHAPE_OF[command]) if id(part) not in seen]
    assert unseen == [], f"the documents do not show these parts of the shapes: {unseen}"


def json_of(outcome, code: int = 0):
    assert outcome.exit_code == code, outcome
    return json.loads(outcome.stdout)


@pytest.fixture
def shop(cli):
    """Two locations (berlin with an address), CHAI with stock at both, a digital EBOOK, a promo code."""
    for args in (["location", "add", "main"],
                 ["location", "add", "berlin", "--kind", "store", "--address", "Unter den Linden 1", "--city", "Berlin",
                  "--postal-code", "10117", "--country", "DE"],
                 ["product", "add", "CHAI", "--name", "Chai", "--price", "18.00", "--tax-rate", "7",
                  "--gtin", "4006381333931"],
                 ["product", "add", "EBOOK", "--name", "Tea e-book", "--price", "5.00", "--kind", "digital"],
                 ["stock", "receive", "CHAI", "10"],
                 ["stock", "receive", "CHAI", "4", "--at", "berlin"],
                 ["promo", "add", "WELCOME10", "--percent", "10"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def place_order(cli) -> int:
    outcome = cli("create", *CUSTOMER, "--line", "CHAI:2", "--line", "GIFT:1@2.50:Gift wrapping", "--promo", "WELCOME10",
                  "--channel", "web", "--note", "ring twice")
    assert outcome.exit_code == 0, outcome
    return int(outcome.stdout)


def make_ready(cli, number: int) -> None:
    """Verify an order and mark it ready to ship."""
    for args in (["verify", str(number), "--by", "anna"], ["status", str(number), "--to", "ready_to_ship"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome


def ready_order(cli, *lines: str, extra: tuple[str, ...] = ()) -> int:
    """An order of these lines, placed, verified and ready to ship."""
    outcome = cli("create", *CUSTOMER, *[arg for line in lines for arg in ("--line", line)], *extra)
    assert outcome.exit_code == 0, outcome
    make_ready(cli, int(outcome.stdout))
    return int(outcome.stdout)


def ship(cli, *args: str) -> int:
    """Ship one order; the number of the one shipment made."""
    [outcome] = json_of(cli("ship", *args, "--json"))
    [shipment] = outcome["shipments"]
    return shipment


def following(number: str) -> str:
    """The number after this one in its series: INV-2026-000041 -> INV-2026-000042."""
    head, sequence = number.rsplit("-", 1)
    return f"{head}-{int(sequence) + 1:0{len(sequence)}d}"


def test_every_command_that_prints_json_has_a_contract():
    found = set()

    def walk(group, path):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            elif any("--json" in param.opts for param in command.params):
                found.add(" ".join([*path, name]))

    walk(typer.main.get_command(app), [])
    assert found == set(SHAPE_OF)


def test_an_order(shop, tmp_path):
    created = json_of(shop("create", *CUSTOMER, "--line", "CHAI:2", "--line", "GIFT:1@2.50:Gift wrapping",
                           "--promo", "WELCOME10", "--ref", "W-1", "--channel", "web", "--json"))
    number = str(created["number"])
    verified = json_of(shop("verify", number, "--by", "anna", "--note", "address confirmed", "--json"))
    assert shop("status", number, "--to", "ready_to_ship").exit_code == 0
    # a shipment deleted and one handed over: the order shows both
    wrong = ship(shop, number, "--line", "CHAI:1", "--stage", "picked")
    assert shop("delete-shipment", str(wrong), "--reason", "wrong box", "--yes").exit_code == 0
    ship(shop, number, "--line", "CHAI:1")
    assert shop("profile", "set", "--name", "Northwind", "--address", "Obere Str. 57", "--city", "Berlin",
                "--country", "DE", "--tax-id", "DE123456789").exit_code == 0
    assert shop("invoice", number, "--out", str(tmp_path)).exit_code == 0
    rma = json_of(shop("return", number, "--line", "CHAI:1", "--reason", "too sweet", "--json"))["number"]
    assert shop("rma", "receive", str(rma)).exit_code == 0
    assert shop("appointment", "resource", "add", "tom", "--kind", "technician").exit_code == 0
    for args in (["--line", "GIFT", "--at", "2099-06-14T09:00"], ["--at", "2099-06-15T09:00"]):
        assert shop("appointment", "book", number, *args, "--duration", "1h", "--with", "tom").exit_code == 0
    assert shop("appointment", "complete", "1", "--signed-by", "M. Anders").exit_code == 0
    assert shop("appointment", "cancel", "2", "--reason", "not needed").exit_code == 0
    shown = json_of(shop("show", number, "--json"))
    assert (created["verification"], shown["verification"]["by"]) == (None, "anna")
    assert (created["shipments"], [s["deleted"] is None for s in shown["shipments"]]) == ([], [False, True])
    assert [(line["sku"], line["shipped"]) for line in shown["lines"]] == [("CHAI", 1), ("GIFT", 1)]
    other = json_of(shop("create", *CUSTOMER, "--line", "CHAI:1", "--shipping", "4.90", "--json"))["number"]
    charged = json_of(shop("shipping-charge", str(other), "5.90", "--json"))
    assert charged["shipping_charge"]["amount"]["amount"] == "5.90"
    assert_shapes(("create", created), ("verify", verified), ("show", shown), ("shipping-charge", charged))


def test_history_and_the_list_of_orders(shop):
    number = place_order(shop)
    verified = shop("verify", str(number), "--by", "anna")
    assert verified.exit_code == 0, verified
    assert_shapes(("history", json_of(shop("history", str(number), "--json"))))
    assert_shapes(("list", json_of(shop("list", "--json"))))


def test_a_status_change_and_expiry(shop):
    from datetime import datetime, timedelta, timezone

    from ordercli.db.sql import execute

    first, second = place_order(shop), place_order(shop)
    assert_shapes(("status", json_of(shop("status", "-", "--to", "canceled", "--skip-invalid", "--json",
                                          input=f"{first}\n99\nabc\n"), code=3)))
    database = shop.database()
    with database.write() as connection:
        execute(connection, "UPDATE orders SET placed_at = :at WHERE id = :n",
                {"at": datetime.now(timezone.utc) - timedelta(hours=3), "n": second})
    database.dispose()
    would = json_of(shop("expire", "--older-than", "2h", "--dry-run", "--json"))
    done = json_of(shop("expire", "--older-than", "2h", "--json"))
    assert (would["dry_run"], done["dry_run"]) == (True, False)
    assert_shapes(("expire", would), ("expire", done))


def test_products(shop):
    added = json_of(shop("product", "add", "TEA", "--name", "Tea", "--price", "4.00", "--json"))
    updated = json_of(shop("product", "update", "TEA", "--inactive", "--json"))
    assert_shapes(("product add", added), ("product update", updated),
                  ("product show", json_of(shop("product", "show", "CHAI", "--json"))),
                  ("product show", json_of(shop("product", "show", "EBOOK", "--json"))))
    assert_shapes(("product list", json_of(shop("product", "list", "--json"))))


def test_stock_movements(shop):
    assert_shapes(("stock receive", json_of(shop("stock", "receive", "CHAI", "5", "--json"))),
                  ("stock adjust", json_of(shop("stock", "adjust", "CHAI", "-1", "--reason", "damaged", "--json"))),
                  ("stock transfer", json_of(shop("stock", "transfer", "CHAI", "2", "--from", "main", "--to", "berlin",
                                                  "--json"))))


def test_stock_listings_and_availability(shop):
    place_order(shop)
    assert_shapes(("stock list", json_of(shop("stock", "list", "--json"))))
    assert_shapes(("stock history", json_of(shop("stock", "history", "CHAI", "--json"))))
    digital = json_of(shop("available", "EBOOK", "--json"))
    assert (digital["available"], digital["locations"]) == (None, [])
    assert_shapes(("available", json_of(shop("available", "CHAI", "3", "--json"))), ("available", digital))


def test_a_stock_check_that_finds_a_difference(shop):
    from ordercli.db.sql import execute

    assert json_of(shop("stock", "check", "--json")) == []
    database = shop.database()
    with database.write() as connection:
        execute(connection, "UPDATE stock_levels SET on_hand = on_hand + 1", {})
    database.dispose()
    assert_shapes(("stock check", json_of(shop("stock", "check", "--json"), code=4)))


def test_locations_promo_codes_and_the_database(shop):
    assert_shapes(("location add", json_of(shop("location", "add", "hamburg", "--address", "Hafenweg 3", "--city",
                                                "Hamburg", "--country", "DE", "--json"))))
    assert_shapes(("location list", json_of(shop("location", "list", "--json"))))
    assert_shapes(("promo add", json_of(shop("promo", "add", "FIVE", "--amount", "5.00", "--valid-from", "2026-01-01",
                                             "--valid-until", "2026-12-31", "--max-uses", "10", "--json"))))
    assert_shapes(("promo list", json_of(shop("promo", "list", "--json"))))
    assert_shapes(("db info", json_of(shop("db", "info", "--json"))))


def test_a_database_copy(shop, tmp_path):
    assert_shapes(("db copy", json_of(shop("db", "copy", "--to", str(tmp_path / "copy.db"), "--json"))))


def test_shipping_and_every_stage_of_a_shipment(shop):
    carrier = json_of(shop("carrier", "add", "DHL", "--tracking-url", "https://track.example/dhl?n={tracking}",
                           "--json"))
    number = ready_order(shop, "CHAI:4", "EBOOK:1")
    # a batch with an unknown order and an entry that is no order number: the first failure's code
    batch = json_of(shop("ship", "-", "--line", "CHAI:1", "--stage", "picked", "--skip-invalid", "--json",
                         input=f"{number}\n99999\nabc\n"), code=3)
    assert [(o["number"], o["ok"], o["code"]) for o in batch] == [(number, True, 0), (99999, False, 3), (None, False, 5)]
    [first] = batch[0]["shipments"]
    packed = json_of(shop("shipment", "pack", str(first), "--parcels", "1", "--weight", "2.5", "--json"))
    handed = json_of(shop("shipment", "hand-over", str(first), "--carrier", "DHL", "--tracking", "JJD1", "--json"))
    failed = json_of(shop("shipment", "failed", str(first), "--reason", "nobody home", "--json"))
    edited = json_of(shop("shipment", "edit", str(first), "--tracking", "JJD2", "--json"))
    delivered = json_of(shop("shipment", "deliver", str(first), "--signed-by", "M. Anders", "--note", "at the door",
                             "--json"))
    assert (packed["weight_kg"], handed["tracking_url"], failed["failed_attempts"]) == (
        "2.5", "https://track.example/dhl?n=JJD1", 1)
    assert (edited["tracking"], delivered["stage"], delivered["signed_by"]) == ("JJD2", "delivered", "M. Anders")
    assert [s["stage"] for s in delivered["stages"]] == ["picked", "packed", "handed_over", "delivered"]
    # the rest, in one call: a parcel to the carrier and the download, issued; the parcel comes back
    rest = json_of(shop("ship", str(number), "--carrier", "DHL", "--issued", "https://dl.example/k/1", "--json"))
    parcel, download = rest[0]["shipments"]
    returned = json_of(shop("shipment", "returned", str(parcel), "--reason", "address unknown", "--json"))
    issued = json_of(shop("shipment", "show", str(download), "--json"))
    assert (returned["stage"], issued["method"], issued["location"], issued["lines"][0]["location"]) == (
        "returned_to_sender", "download", None, None)
    # shipped again, picked, and deleted before it left
    again = ship(shop, str(number), "--stage", "picked")
    would = json_of(shop("delete-shipment", str(again), "--dry-run", "--json"))
    deleted = json_of(shop("delete-shipment", str(again), "--reason", "wrong box", "--yes", "--json"))
    assert (would["deleted"], deleted["deleted"], deleted["from"], deleted["to"]) == (
        False, True, "partially_shipped", "partially_shipped")
    # a pickup waits at the store until the customer collects it
    pickup = ready_order(shop, "CHAI:1", extra=("--delivery", "pickup"))
    waiting = ship(shop, str(pickup), "--from", "berlin")
    collected = json_of(shop("shipment", "collect", str(waiting), "--signed-by", "Hans W.", "--json"))
    assert (collected["method"], collected["location"], collected["stage"]) == ("pickup", "berlin", "delivered")
    listed = json_of(shop("shipments", "--deleted", "--json"))
    assert [(s["number"], s["deleted"] is not None) for s in listed] == [
        (waiting, False), (again, True), (download, False), (parcel, False), (first, False)]
    carriers = json_of(shop("carrier", "list", "--json"))
    assert [(c["name"], c["shipment_count"]) for c in carriers] == [("DHL", 2)]
    assert_shapes(("carrier add", carrier), ("ship", batch), ("ship", rest), ("shipment pack", packed),
                  ("shipment hand-over", handed), ("shipment failed", failed), ("shipment edit", edited),
                  ("shipment deliver", delivered), ("shipment returned", returned), ("shipment show", issued),
                  ("delete-shipment", would), ("delete-shipment", deleted), ("shipment collect", collected),
                  ("shipments", listed), ("carrier list", carriers))


def test_documents_and_the_company_profile(shop, tmp_path):
    from PIL import Image

    from ordercli.documents.fonts import regular_path

    blank = json_of(shop("profile", "show", "--json"))
    assert (blank["name"], blank["address"], blank["logo_sha256"], blank["updated_at"]) == (None, None, None, None)
    # the address is null until it can be printed: street, city and country
    partial = json_of(shop("profile", "set", "--name", "Northwind Traders GmbH", "--city", "Berlin", "--json"))
    assert (partial["name"], partial["address"]) == ("Northwind Traders GmbH", None)
    logo = tmp_path / "logo.png"
    Image.new("RGB", (40, 20), "teal").save(logo)
    profile = json_of(shop("profile", "set", "--name", "Northwind Traders GmbH", "--address", "Obere Str. 57",
                           "--address2", "Hinterhaus", "--postal-code", "12209", "--city", "Berlin", "--region", "Berlin",
                           "--country", "DE", "--tax-id", "DE123456789", "--email", "billing@northwind.example",
                           "--phone", "030 0074321", "--bank", "IBAN DE02 1203 0000 0000 2020 51", "--logo", str(logo),
                           "--payment-terms", "Payable within 14 days", "--payment-days", "14",
                           "--footer", "Thank you for your order", "--json"))
    assert profile["address"] == {"name": "Northwind Traders GmbH", "line1": "Obere Str. 57", "line2": "Hinterhaus",
                                  "city": "Berlin", "region": "Berlin", "postal_code": "12209", "country": "DE"}
    assert profile["logo_sha256"] == hashlib.sha256(logo.read_bytes()).hexdigest()
    assert (profile["payment_days"], profile["fallback_font"]) == (14, None)
    out = tmp_path / "documents"
    out.mkdir()
    # an order shipped in two parcels and a download: two invoices, one per delivery method
    assert shop("carrier", "add", "DHL").exit_code == 0
    number = ready_order(shop, "CHAI:3", "EBOOK:1")
    parcel = ship(shop, str(number), "--line", "CHAI:2", "--parcels", "2", "--carrier", "DHL", "--tracking", "JJD1")
    ship(shop, str(number), "--line", "EBOOK", "--issued", "https://dl.example/k/1")
    invoices = json_of(shop("invoice", str(number), "--out", str(out), "--json"))
    assert [(d["kind"], d["method"], d["new"], d["credits"]) for d in invoices] == [
        ("invoice", "ship", True, None), ("invoice", "download", True, None)]
    credit = json_of(shop("credit-note", invoices[0]["number"], "--line", "CHAI:1", "--reason", "damaged",
                          "--out", str(out), "--json"))
    assert [(d["kind"], d["new"], d["credits"]) for d in credit] == [("credit_note", True, invoices[0]["number"])]
    # the profile's next numbers are the ones the series really gave, and then the ones after them
    assert (blank["next_invoice_number"], blank["next_credit_note_number"]) == (invoices[0]["number"],
                                                                                credit[0]["number"])
    assert [d["number"] for d in invoices] == [invoices[0]["number"], following(invoices[0]["number"])]
    after = json_of(shop("profile", "show", "--json"))
    assert (after["next_invoice_number"], after["next_credit_note_number"]) == (following(invoices[1]["number"]),
                                                                                following(credit[0]["number"]))
    again = json_of(shop("invoice", "--number", invoices[1]["number"], "--number", credit[0]["number"],
                         "--out", str(out / "again.pdf"), "--json"))
    assert [(d["new"], d["file"]) for d in again] == [(False, str(out / "again.pdf"))] * 2
    slips = json_of(shop("packing-slip", str(number), "--out", str(out), "--json"))
    assert [(s["shipment_number"], s["order"], s["units"]) for s in slips] == [(parcel, number, 2)]
    label = json_of(shop("label", str(parcel), "--out", str(out), "--json"))
    assert (label["shipment_number"], label["order"], label["parcels"], label["barcode"]) == (parcel, number, 2, "JJD1")
    # still held: one CHAI for the shipped order, two for a new one, nine for a third (five at main, four at berlin)
    waiting = ready_order(shop, "CHAI:2")
    at_berlin = ready_order(shop, "CHAI:9")
    picks = json_of(shop("pick-list", "--status", "ready_to_ship", "--status", "partially_shipped", "--json"))
    assert picks["orders"] == [number, waiting, at_berlin]
    assert [(g["location"], [(i["sku"], i["quantity"], [(o["order"], o["quantity"]) for o in i["orders"]])
                             for i in g["items"]]) for g in picks["by_location"]] == [
        ("berlin", [("CHAI", 4, [(at_berlin, 4)])]),
        ("main", [("CHAI", 8, [(number, 1), (waiting, 2), (at_berlin, 5)])])]
    fallback = json_of(shop("profile", "set", "--fallback-font", str(regular_path()), "--json"))
    shown = json_of(shop("profile", "show", "--json"))
    assert shown == fallback and shown["fallback_font"] == str(regular_path().resolve())
    assert_shapes(("profile show", blank), ("profile set", partial), ("profile set", profile), ("invoice", invoices),
                  ("credit-note", credit), ("invoice", again), ("packing-slip", slips), ("label", label),
                  ("pick-list", picks), ("profile show", after), ("profile set", fallback), ("profile show", shown))


# -- the schema shipped in the package, and JSON Lines --------------------------------------------


def _objects(node):
    """Every object definition (with `properties`) within a schema."""
    if isinstance(node, dict):
        if "properties" in node:
            yield node
        for value in node.values():
            yield from _objects(value)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value)


def _fields(node):
    """Every (field name, its schema) of every object within a schema."""
    for found in _objects(node):
        yield from found["properties"].items()


def test_the_schema_defines_the_output_of_every_command_with_a_contract():
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema())
    defined = {name.removeprefix("ordercli ") for name in schema()["$defs"] if name.startswith("ordercli ")}
    assert defined == set(SHAPE_OF)


def test_every_object_in_the_schema_has_all_its_fields_and_no_others():
    for found in _objects(schema()):
        assert (found["required"], found["additionalProperties"]) == (list(found["properties"]), False), found


def test_what_create_prints_is_the_order_and_whether_it_existed():
    definitions = schema()["$defs"]
    order, created = definitions["order"], definitions["created_order"]
    assert created["properties"] == {**order["properties"], "existing": {"type": "boolean"}}
    assert created["required"] == [*order["required"], "existing"]


def test_one_name_and_one_shape_for_each_thing():
    """A customer, totals, an address, stock and its locations have one shape wherever they
    appear (a pick list's groups are `by_location`, not stock levels); an order is `number`
    wherever it is the thing itself, and `order` only where it is referred to (a stock movement,
    a shipment, an invoice, a packing slip, a label, an order on a pick list); a shipment is
    `number` itself, `shipment` is always a whole shipment, and `shipment_number` refers to one
    (a packing slip, a label)."""
    definitions = schema()["$defs"]
    one = {"customer": {"$ref": "#/$defs/customer"}, "totals": {"$ref": "#/$defs/totals"},
           "address": {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/address"}]},
           "locations": {"type": "array", "items": {"$ref": "#/$defs/level"}}, "shipment": {"$ref": "#/$defs/shipment"}}
    assert [(name, field) for name, field in _fields(schema()) if name in one and field != one[name]] == []
    # a reference to a shipment is its number: an integer (null where an import made none)
    assert [field.get("type", field.get("oneOf")) for name, field in _fields(schema()) if name == "shipment_number"] == [
        "integer", "integer", [{"type": "integer"}, {"type": "null"}]]
    for name, field in _fields(schema()):
        if name == "stock":
            assert field in ({"$ref": "#/$defs/stock"}, {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/stock"}]})
    orders = ["order", "order_summary", "status_outcome", "ship_outcome",
              definitions["expiry"]["properties"]["abandoned"]["items"]]
    for found in orders:
        properties = (definitions[found] if isinstance(found, str) else found)["properties"]
        assert "number" in properties and "order" not in properties
    picked_for = definitions["pick_list"]["properties"]["by_location"]["items"]["properties"]["items"]["items"][
        "properties"]["orders"]["items"]
    referring = [definitions[name] for name in ("movement", "shipment", "document", "packing_slip", "label")]
    returning = [definitions[name] for name in ("return", "return_slip", "appointment", "appointment_detail")]
    assert [found for found in _objects(schema()) if "order" in found["properties"]] == [
        *referring, picked_for, *returning]
    assert [found["properties"]["order"] for found in [*referring[1:], picked_for, *returning]] == [
        {"type": "integer"}] * 9
    assert list(definitions["shipment"]["properties"])[:2] == ["number", "order"]
    assert definitions["shipment"]["properties"]["order"] == {"type": "integer"}
    # a listing's item is the thing itself with fewer fields, each of the same shape
    for item, whole in (("order_summary", "order"), ("product_stock", "product")):
        for name, field in definitions[item]["properties"].items():
            if name in definitions[whole]["properties"]:
                assert field in (definitions[whole]["properties"][name],
                                 *definitions[whole]["properties"][name].get("oneOf", [])), (item, name)


def _with_jsonl(group=None, path=()):
    for name, command in (group or typer.main.get_command(app)).commands.items():
        if hasattr(command, "commands"):
            yield from _with_jsonl(command, (*path, name))
        elif any("--jsonl" in param.opts for param in command.params):
            yield " ".join((*path, name))


def test_jsonl_prints_each_object_of_the_json_compact_on_a_line_of_its_own(shop):
    number = str(place_order(shop))
    ready = [str(ready_order(shop, "CHAI:2")) for _ in range(2)]
    ship(shop, ready[0], "--line", "CHAI:1")
    invocations = {
        "list": ["list"], "history": ["history", number], "status": ["status", number, "--to", "canceled", "--dry-run"],
        "expire": ["expire", "--older-than", "1h", "--dry-run"], "product list": ["product", "list"],
        "stock list": ["stock", "list"], "stock history": ["stock", "history", "CHAI"], "stock check": ["stock", "check"],
        "location list": ["location", "list"], "promo list": ["promo", "list"],
        "ship": ["ship", *ready, "--dry-run"], "shipments": ["shipments"], "returns": ["returns"],
    }
    assert set(_with_jsonl()) == set(invocations)
    for command, args in invocations.items():
        document = json_of(shop(*args, "--json"))
        lines = shop(*args, "--jsonl")
        assert lines.exit_code == 0, lines
        items = [json.loads(line) for line in lines.stdout.splitlines()]
        assert items == (document if isinstance(document, list) else [document]), command
        assert lines.stdout == "".join(json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"
                                       for item in items), command


def test_the_summary(shop):
    """By method (with the shipping group, whose fulfillment is null) and by day."""
    number = ready_order(shop, "CHAI:1", "EBOOK:1", extra=("--shipping", "4.90"))
    ship(shop, str(number), "--line", "CHAI:1")
    assert shop("create", *CUSTOMER, "--line", "CHAI:1").exit_code == 0  # not handed over: average null for it
    by_method = json_of(shop("summary", "--by", "method", "--json"))
    assert {g["group"] for g in by_method["groups"]} >= {"ship", "download", "shipping"}
    assert [g["fulfillment"] for g in by_method["groups"] if g["group"] == "shipping"] == [None]
    by_status = json_of(shop("summary", "--by", "status", "--since", "7d", "--json"))
    assert any(g["fulfillment"] and g["fulfillment"]["average_hours_to_hand_over"] is None
               for g in by_status["groups"])
    assert_shapes(("summary", by_method), ("summary", by_status),
                  ("summary", json_of(shop("summary", "--until", "tomorrow", "--json"))))


def test_an_import(shop, tmp_path):
    """A Shopify export imported (historic orders with shipments, a new discount code), imported
    again (found existing), a dry run (numbers null), a JSON line imported again after its order
    moved on here (a note), and a file with a bad row skipped into a rejects file."""
    from tests.helpers import ROOT

    folder = ROOT / "examples" / "import"
    dry = json_of(shop("import", str(folder / "orders.csv"), "--dry-run", "--json"))
    assert dry["dry_run"] is True and all(o["number"] is None for o in dry["imported"])
    shopify = tmp_path / "shopify.csv"  # with a code the shop does not have yet
    shopify.write_text((folder / "shopify-orders.csv").read_text(encoding="utf-8").replace("WELCOME10", "SPRING5"),
                       encoding="utf-8")
    imported = json_of(shop("import", str(shopify), "--format", "shopify", "--json"))
    assert imported["new_promo_codes"] == ["SPRING5"] and any(o["shipment_number"] for o in imported["imported"])
    again = json_of(shop("import", str(shopify), "--format", "shopify", "--json"))
    assert again["imported"] == [] and len(again["existing"]) == len(imported["imported"])
    line = {"channel": "marketplace", "channel_ref": "M-77", "status": "ready_to_ship",
            "customer": {"name": "Maria Anders", "email": "maria@example.com"},
            "billing_address": {"line1": "Obere Str. 57", "city": "Berlin", "country": "DE"},
            "lines": [{"sku": "FEE", "quantity": 1, "unit_price": "2.50", "description": "Fee"}]}
    (tmp_path / "one.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    first = json_of(shop("import", str(tmp_path / "one.jsonl"), "--json"))
    assert shop("status", str(first["imported"][0]["number"]), "--to", "canceled", "--yes").exit_code == 0
    noted = json_of(shop("import", str(tmp_path / "one.jsonl"), "--json"))  # the status here differs now
    assert noted["notes"] and noted["file_kind"] == "jsonl"
    lines = (folder / "orders.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("order")] = "9001"
    row[header.index("channel_ref")] = "NEW-9001"
    row[header.index("customer_email")] = "not-an-email"
    bad = tmp_path / "bad.csv"
    bad.write_text(lines[0] + "\n" + ",".join(row) + "\n", encoding="utf-8")
    skipped = shop("import", str(bad), "--skip-invalid", "--json")
    rejected = json.loads(skipped.stdout)
    assert skipped.exit_code == 5 and rejected["rejects_file"] and rejected["rejected"][0]["problems"][0]["code"] == 5
    assert_shapes(("import", dry), ("import", imported), ("import", again), ("import", noted), ("import", rejected))


def test_returns_exchanges_and_the_return_slip(shop, tmp_path):
    assert shop("stock", "receive", "CHAI", "10").exit_code == 0
    number = ready_order(shop, "CHAI:4")
    wrong = ship(shop, str(number), "--line", "CHAI:1", "--stage", "picked")
    assert shop("delete-shipment", str(wrong), "--reason", "wrong box", "--yes").exit_code == 0
    ship(shop, str(number), "--line", "CHAI:3")
    assert shop("profile", "set", "--name", "Northwind", "--address", "Obere Str. 57", "--city", "Berlin",
                "--country", "DE", "--tax-id", "DE123456789", "--return-days", "0").exit_code == 0
    assert shop("invoice", str(number), "--out", str(tmp_path)).exit_code == 0
    opened = json_of(shop("return", str(number), "--line", "CHAI:2", "--reason", "too big", "--force", "goodwill",
                          "--json"))
    rma = str(opened["number"])
    received = json_of(shop("rma", "receive", rma, "--json"))
    inspected = json_of(shop("rma", "inspect", rma, "--write-off", "CHAI:1", "--json"))
    refunded = json_of(shop("rma", "refund", rma, "--reference", "PSP-1", "--json"))
    shown = json_of(shop("rma", "show", rma, "--json"))
    exchanged = json_of(shop("exchange", str(number), "--return", "CHAI:1", "--for", "CHAI:1", "--reason", "defect",
                             "--force", "goodwill", "--json"))
    canceled = json_of(shop("rma", "cancel", str(exchanged["return"]["number"]), "--reason", "kept", "--json"))
    listed = json_of(shop("returns", "--json"))
    slip = json_of(shop("return-slip", rma, "--out", str(tmp_path / "slip.pdf"), "--json"))
    assert shop("appointment", "resource", "add", "van-1", "--kind", "van").exit_code == 0
    for day in ("14", "15"):  # a delivery visit done, another called off
        assert shop("appointment", "book", str(number), "--at", f"2099-06-{day}T09:00", "--duration", "1h", "--with",
                    "van-1").exit_code == 0
    assert shop("appointment", "complete", "1", "--signed-by", "M. Anders").exit_code == 0
    assert shop("appointment", "cancel", "2", "--reason", "not needed").exit_code == 0
    order = json_of(shop("show", str(number), "--json"))
    summaries = json_of(shop("list", "--json"))
    assert received["credit_notes"] and refunded["settled_as"] == "refund"
    assert_shapes(("return", opened), ("rma receive", received), ("rma inspect", inspected),
                  ("rma refund", refunded), ("rma show", shown), ("exchange", exchanged), ("rma cancel", canceled),
                  ("returns", listed), ("return-slip", slip), ("show", order), ("list", summaries))


def test_appointments_and_resources(shop, tmp_path):
    number = str(place_order(shop))  # its GIFT line is a service
    make_ready(shop, int(number))
    added = json_of(shop("appointment", "resource", "add", "tom", "--kind", "technician", "--note", "ladder",
                         "--json"))
    resources = json_of(shop("appointment", "resource", "list", "--json"))
    booked = json_of(shop("appointment", "book", number, "--line", "GIFT", "--at", "2099-06-14T09:00", "--duration",
                          "2h", "--with", "tom", "--tz", "Europe/Berlin", "--json"))
    moved = json_of(shop("appointment", "reschedule", str(booked["number"]), "--at", "2099-06-14T10:00", "--tz",
                         "Europe/Berlin", "--json"))
    done = json_of(shop("appointment", "complete", str(booked["number"]), "--signed-by", "M. Anders", "--json"))
    other = json_of(shop("appointment", "book", number, "--at", "2099-06-16T09:00", "--duration", "1h", "--with",
                         "tom", "--json"))
    canceled = json_of(shop("appointment", "cancel", str(other["number"]), "--reason", "not needed", "--json"))
    agenda = json_of(shop("appointment", "list", "--all", "--json"))
    detail = json_of(shop("appointment", "show", str(booked["number"]), "--json"))
    assert (moved["sequence"], done["stage"], canceled["stage"]) == (1, "completed", "canceled")
    assert_shapes(("appointment resource add", added), ("appointment resource list", resources),
                  ("appointment book", booked), ("appointment reschedule", moved), ("appointment complete", done),
                  ("appointment cancel", canceled), ("appointment list", agenda), ("appointment show", detail))
