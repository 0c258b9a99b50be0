"""The end-of-day shipping manifest: a CSV of order, sku, quantity, location, carrier, tracking.

One row per order, or per SKU of an order (rows of one order are one shipment request: they
must agree on location, carrier and tracking). Every row is checked; a file with bad rows is
refused whole, each bad row named by its line number.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ordercli.domain.errors import Field, InvalidData, RowProblems
from ordercli.io.csv import unguard_cell

COLUMNS = ("order", "sku", "quantity", "location", "carrier", "tracking")


def read_manifest(path: str | Path) -> list[tuple]:
    """The manifest's ship requests, one per order in file order: (order, wants or None for
    everything outstanding, location, carrier, tracking)."""
    from ordercli.domain.fulfillment import parse_want
    from ordercli.domain.validation import clean_text, parse_order_number
    from ordercli.io.text_input import open_text

    with open_text(path) as stream:
        reader = csv.reader(stream)
        try:
            records = list(reader)
        except csv.Error as error:
            raise InvalidData(f"the manifest cannot be read after line {reader.line_num}: {error}") from None
    if not records:
        raise InvalidData("the manifest is empty: it needs a header row naming order (and sku, quantity, "
                          "location, carrier, tracking)")
    header = [cell.strip().lower() for cell in records[0]]
    unknown = [h for h in header if h not in COLUMNS]
    twice = sorted({h for h in header if header.count(h) > 1})
    if "order" not in header or unknown or twice:
        raise InvalidData(f"the manifest's header must name order and any of {', '.join(COLUMNS[1:])}"
                          + (f"; unknown: {', '.join(repr(h) for h in unknown[:5])}" if unknown else "")
                          + (f"; named twice: {', '.join(twice)}" if twice else ""))
    problems: list[str] = []
    grouped: dict[int, dict] = {}
    for line, cells in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(f"row {line}: more cells than columns")
            continue
        row = {name: unguard_cell(cells[i]).strip() if i < len(cells) else "" for i, name in enumerate(header)}
        try:
            number = parse_order_number(row["order"])
        except InvalidData as error:
            problems.append(f"row {line}: {error}")
            continue
        want = None
        sku, quantity = row.get("sku", ""), row.get("quantity", "")
        if quantity and not sku:
            problems.append(f"row {line}: a quantity needs its sku")
            continue
        if sku:
            try:
                want = parse_want(f"{sku}:{quantity}" if quantity else sku)
            except InvalidData as error:
                problems.append(f"row {line}: {error}")
                continue
        try:  # the text rule of --carrier and --tracking: nothing a terminal would act on, one line
            carrier = clean_text(row.get("carrier"), Field("carrier"), max_length=64)
            tracking = clean_text(row.get("tracking"), Field("tracking"), max_length=200)
        except InvalidData as error:
            problems.append(f"row {line}: {error}")
            continue
        where = (row.get("location") or None, carrier, tracking)
        known = grouped.get(number)
        if known is None:
            grouped[number] = {"line": line, "where": where, "wants": [] if want else None}
            if want:
                grouped[number]["wants"].append(want)
            continue
        if known["where"] != where:
            problems.append(f"row {line}: order {number} is also on row {known['line']} with another location, "
                            "carrier or tracking (one shipment request per order)")
        elif (known["wants"] is None) != (want is None):
            problems.append(f"row {line}: order {number} is on row {known['line']} "
                            + ("whole" if known["wants"] is None else "by SKU") + ": give every row a SKU or none")
        elif want is not None:
            if any(w.sku == want.sku for w in known["wants"]):
                problems.append(f"row {line}: {want.sku} of order {number} is also on row {known['line']}")
            else:
                known["wants"].append(want)
    if problems:
        raise RowProblems(problems, "shipped")
    if not grouped:
        raise InvalidData("the manifest names no orders")
    return [(str(number), tuple(g["wants"]) if g["wants"] is not None else None, *g["where"])
            for number, g in grouped.items()]
