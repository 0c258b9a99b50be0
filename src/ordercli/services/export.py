"""Exporting orders as CSV: streamed from one read transaction, in constant memory, in the
layouts of ordercli.io.export_formats; incremental exports for cron with named cursors.

An incremental export (`since_last`) exports the orders with a change (an order history row)
after the cursor, up to the last change committed when it starts, and moves the cursor there
only once the caller has put the file in place (`commit_cursor`). A run that fails leaves the
cursor where it was; a change committed while an export runs is after its end, so the next
run has it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from ordercli.db.queries import export as queries
from ordercli.db.sql import stream_tuples
from ordercli.domain.errors import Field, InvalidData, Problem, Refused
from ordercli.domain.money import currency_exponent
from ordercli.domain.statuses import Status
from ordercli.domain.validation import clean_text, shown
from ordercli.io.csv import FORMULA_START, GUARD, safe_cell
from ordercli.io.export_formats import FORMATS, SHOPIFY
from ordercli.services.views import Stamp

FULFILLED = (Status.CLOSED.value, Status.PARTIALLY_CLOSED.value)
CURSOR_NAME = r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}"


@dataclass(frozen=True)
class ExportFilter:
    statuses: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    since: datetime | None = None  # placed at or after
    until: datetime | None = None  # placed before
    updated_since: datetime | None = None
    since_last: str | None = None  # a cursor's name


@dataclass
class ExportRun:
    """What an export wrote, and where its cursor would move (`commit_cursor`)."""

    layout: str
    rows: int = 0
    cursor: str | None = None
    cursor_from: int | None = None  # None: the cursor is new
    cursor_to: int | None = None
    changes: tuple[int, int] | None = None  # the history ids (after, up to) the run covered
    notes: list[str] = field(default_factory=list)


def check_cursor_name(name: str) -> str:
    import re

    text = clean_text(name, Field("since_last"), max_length=64) or ""
    if not re.fullmatch(CURSOR_NAME, text):
        raise InvalidData(Problem(Field("since_last"), f" {shown(name)}: a cursor's name is letters, digits, '.', '_' "
                                                       "and '-' (at most 64), starting with a letter or digit"))
    return text


def _where(spec: ExportFilter, changes: tuple[int, int] | None) -> tuple[str, dict]:
    clauses, params = ["1 = 1"], {}
    if spec.statuses:
        clauses.append("o.status IN :statuses")
        params["statuses"] = list(spec.statuses)
    if spec.channels:
        clauses.append("o.channel IN :channels")
        params["channels"] = list(spec.channels)
    if spec.since is not None:
        clauses.append("o.placed_at >= :since")
        params["since"] = spec.since
    if spec.until is not None:
        clauses.append("o.placed_at < :until")
        params["until"] = spec.until
    if spec.updated_since is not None:
        clauses.append("o.updated_at >= :updated_since")
        params["updated_since"] = spec.updated_since
    if changes is not None:
        clauses.append("o.id IN (SELECT h.order_id FROM order_history h WHERE h.id > :after AND h.id <= :upto)")
        params["after"], params["upto"] = changes
    return " AND ".join(clauses), params


def _boundary(db) -> int:
    """The last change every export from now on may rely on being committed (see
    db.dialect.settle_changes): read in a transaction of its own, kept short."""
    from ordercli.db import dialect

    with db.write() as connection:
        dialect.settle_changes(connection)
        upto = queries.last_change(connection)
        connection.rollback()  # nothing to keep: only the lock's wait mattered
    return upto


def export_orders(db, layout: str, spec: ExportFilter, sink, *, excel: bool = False, progress=None) -> ExportRun:
    """Write the selected orders in `layout` to `sink` (a binary stream), header first; the
    rows are streamed from one consistent snapshot. `progress(rows_done, rows_total)` is called
    as rows go out (a progress bar)."""
    if layout not in FORMATS:
        raise InvalidData(f"unknown format {shown(layout)} (one of {', '.join(FORMATS)})")
    run = ExportRun(layout)
    changes = None
    if spec.since_last is not None:
        run.cursor = check_cursor_name(spec.since_last)
        with db.read() as connection:
            found = queries.cursor(connection, run.cursor)
        run.cursor_from = None if found is None else found.position
        upto = _boundary(db)
        changes = (run.cursor_from or 0, upto)
        run.cursor_to, run.changes = upto, changes
    where, params = _where(spec, changes)
    text = io.TextIOWrapper(sink, encoding="utf-8", newline="", write_through=False)
    end = "\r\n" if excel else "\n"
    try:
        if excel:
            text.write("\ufeff")
        text.write(",".join(FORMATS[layout]) + end)
        with db.read() as connection:
            total = queries.count(connection, "lines" if layout == "shopify" else layout, where, params) \
                if progress else 0
            if layout == "shopify":
                lines = (_csv_line(row) for row in _shopify(connection, where, params))
            else:
                params.update(queries.csv_params(FORMULA_START, GUARD))
                statements = queries.select(connection, layout, where, params)
                if layout == "lines":
                    lines = _behind_their_orders(stream_tuples(connection, statements[0], params),
                                                 stream_tuples(connection, statements[1], params))
                else:
                    lines = (line for _, line in stream_tuples(connection, statements[0], params))
            done = 0
            for chunk in _chunks(lines, 5000):
                text.write(end.join(chunk) + end)
                done += len(chunk)
                if progress:
                    progress(done, total)
        run.rows = done
        text.flush()
    finally:
        text.detach()  # the caller owns the stream
    return run


class _LastLine:
    """A stream that keeps what was written last: the csv module's line for one row."""

    text = ""

    def write(self, data: str) -> None:
        self.text = data


_ONE_LINE = _LastLine()
_ONE_ROW = csv.writer(_ONE_LINE, lineterminator="")


def _csv_line(row) -> str:
    """One row as a CSV line without its end, quoted by the csv module (the Shopify layout)."""
    _ONE_ROW.writerow(row)
    return _ONE_LINE.text


def _behind_their_orders(orders, lines):
    """Each line's cells between its order's cells and its order's `fulfilled_at`: the orders
    stream (order number, cells, fulfilled_at) and the lines (order number, cells), both in
    order number order."""
    number, cells, fulfilled = None, "", ""
    for line_number, line in lines:
        if line_number != number:
            for found, order_cells, order_fulfilled in orders:
                if found == line_number:
                    number, cells, fulfilled = found, order_cells, order_fulfilled
                    break
        yield f"{cells},{line},{fulfilled}"


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def commit_cursor(db, run: ExportRun, stamp: Stamp) -> None:
    """Move the run's cursor to where it went: after its file is in place, never before."""
    if run.cursor is None:
        return
    with db.write() as connection:
        if not queries.move_cursor(connection, run.cursor, run.cursor_from, run.cursor_to, stamp.at, stamp.actor):
            raise Refused(f"the cursor {run.cursor} was moved by another export while this one ran: the file is "
                          "written, but run the export again to be sure the next run starts where this one ended")


# -- Shopify's layout ---------------------------------------------------------------------------

# Our statuses as Shopify's financial and fulfillment statuses.
_FINANCIAL = {"canceled": "voided", "abandoned": "voided", "failed": "voided", "returned": "refunded"}
_FULFILLMENT = {"closed": "fulfilled", "partially_closed": "fulfilled", "partially_shipped": "partial",
                "returned": "fulfilled"}


def _decimal(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    digits = currency_exponent(currency)
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 10 ** digits)
    return f"{sign}{whole}.{cents:0{digits}d}"


def _time(value) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S +0000")


def _shopify(connection, where: str, params: dict):
    """Shopify's orders_export.csv: a row per line item, the order's columns on its first row."""
    from ordercli.db.sql import stream

    index = {name: i for i, name in enumerate(SHOPIFY)}
    last = None
    for r in stream(connection, queries.shopify_select(connection, where, params), params, batch=5000):
        row = [""] * len(SHOPIFY)

        def put(column: str, value, text: bool = False) -> None:
            row[index[column]] = "" if value is None else (safe_cell(value) if text else value)

        put("Name", f"#{r.id}")
        put("Lineitem quantity", str(r.quantity))
        put("Lineitem name", r.description, True)
        put("Lineitem price", _decimal(r.unit_price_minor, r.currency))
        put("Lineitem sku", r.sku, True)
        put("Lineitem requires shipping", "true" if r.kind == "physical" else "false")
        put("Lineitem taxable", "true" if r.tax_rate_bp else "false")
        put("Lineitem fulfillment status", "fulfilled" if r.shipped >= r.quantity else
            ("partial" if r.shipped else "pending"))
        put("Lineitem discount", _decimal(r.line_discount_minor + r.order_discount_minor, r.currency))
        if r.id != last:
            last = r.id
            put("Email", r.customer_email, True)
            put("Financial Status", _FINANCIAL.get(r.status, "paid" if r.status != "open" else "pending"))
            put("Fulfillment Status", _FULFILLMENT.get(r.status, "unfulfilled"))
            put("Fulfilled at", _time(r.fulfilled_at))
            put("Currency", r.currency)
            put("Subtotal", _decimal(r.subtotal_minor - r.discount_minor, r.currency))
            put("Shipping", _decimal(r.shipping_minor, r.currency))
            put("Taxes", _decimal(r.tax_minor, r.currency))
            put("Total", _decimal(r.total_minor, r.currency))
            put("Discount Code", r.promo_code, True)
            put("Discount Amount", _decimal(r.discount_minor, r.currency))
            put("Created at", _time(r.placed_at))
            for side, prefix in (("Billing", "b"), ("Shipping", "s")):
                part = lambda key: getattr(r, f"{prefix}_{key}")  # noqa: E731
                put(f"{side} Name", part("name") or r.customer_name, True)
                put(f"{side} Street", ", ".join(x for x in (part("line1"), part("line2")) if x), True)
                put(f"{side} Address1", part("line1"), True)
                put(f"{side} Address2", part("line2"), True)
                put(f"{side} City", part("city"), True)
                put(f"{side} Zip", part("postal_code"), True)
                put(f"{side} Province", part("region"), True)
                put(f"{side} Country", part("country"))
            put("Billing Phone", r.customer_phone, True)
            put("Notes", r.note, True)
            put("Id", str(r.id))
            put("Source", r.channel)
            put("Phone", r.customer_phone, True)
            if r.channel_ref:
                put("Tags", f"ref:{r.channel_ref}", True)
        yield row
