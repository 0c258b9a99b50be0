"""Reading orders to import: ordercli's own layout (CSV or JSON lines) and Shopify's orders export.

- `--format ordercli`, CSV: the layout `ordercli export` writes (io/export_formats.LINES: a row
  per order line, the order's columns repeated on each), plus `fulfilled_at`. Rows of one order
  share its `order` column and must agree on the order's columns. Only the columns that say what
  an order is are required; the rest may be left out. Customer text that `export` guarded
  against spreadsheet formulas (one `'` in front) is read back without it (io/csv.py).
- `--format ordercli`, JSON lines (a file whose first character is `{`): one `create
  --from-file` object a line (io/order_json.py, read as strictly), with the import's own keys.
- `--format shopify`: Shopify's orders_export.csv (io/export_formats.SHOPIFY): a row per line
  item, the order's columns on its first row.

A file's header is checked before any row: an unknown or missing column refuses the whole file.
A row that is wrong refuses its order only (the services decide what then). Rows are counted as
a spreadsheet shows them: the header is row 1; in JSON lines, a row is a line of the file.
"""

from __future__ import annotations

import csv
import itertools
import json
import operator
import zlib
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from ordercli.domain.errors import InvalidData
from ordercli.domain.importing import (ORDERCLI_RULE, SHOPIFY_RULE, ImportedOrder, ImportProblem, StatedLine, StatedOrder,
                                       rate_from_tax_names)
from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
from ordercli.domain.validation import named, shown
from ordercli.io.csv import unguard_cell
from ordercli.io.export_formats import LINES, ORDER_COLUMNS, SHOPIFY
from ordercli.io.order_json import JsonNumber, parse_order_json

FORMATS = ("ordercli", "shopify")
NO_ORDERS = "the file holds no orders, only its header"

# -- ordercli's layout ----------------------------------------------------------------------

# The columns `export --format lines` writes, `fulfilled_at` (when the goods last left) the last.
ORDERCLI_COLUMNS = LINES
ORDERCLI_REQUIRED = ("order", "customer_name", "billing_line1", "billing_city", "billing_country", "sku", "quantity")
_ORDER_LEVEL = ORDER_COLUMNS + ("fulfilled_at",)
# Customer text, which `export` writes guarded against spreadsheet formulas (io/csv.safe_cell).
ORDERCLI_TEXT = ("channel_ref", "customer_name", "customer_email", "customer_phone",
                 *(f"{where}_{part}" for where in ("billing", "shipping")
                   for part in ("name", "line1", "line2", "city", "region", "postal_code")),
                 "promo_code", "note", "description")
# The order request's fields as the layout's columns (in messages about a missing field).
ORDERCLI_FIELDS = {
    "customer.name": "customer_name", "customer.email or customer.phone": "customer_email or customer_phone",
    "customer.email": "customer_email", "customer.phone": "customer_phone",
    **{f"{where}_address.{part}": f"{where}_{part}" for where in ("billing", "shipping")
       for part in ("name", "line1", "line2", "city", "region", "postal_code", "country")},
    "lines": "sku", "promo": "promo_code", "currency": "currency", "note": "note",
}

# -- JSON lines -------------------------------------------------------------------------------

# The import's keys beyond those of `create --from-file`, on the order, its lines, its shipping.
JSON_ORDER_KEYS = {"order", "status", "placed_at", "fulfilled_at", "totals"}
JSON_TOTALS_KEYS = {"subtotal", "discount", "tax", "total"}
JSON_LINE_KEYS = {"shipped", "order_discount", "net", "tax", "total"}
JSON_SHIPPING_KEYS = {"tax"}

# -- Shopify's layout -----------------------------------------------------------------------

SHOPIFY_REQUIRED = ("Name", "Email", "Financial Status", "Fulfillment Status", "Currency", "Subtotal", "Shipping",
                    "Taxes", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
                    "Lineitem sku", "Billing Name", "Billing Address1", "Billing City", "Billing Country")
SHOPIFY_FIELDS = {
    "customer.name": "Billing Name", "customer.email or customer.phone": "Email or Phone",
    "customer.email": "Email", "customer.phone": "Phone",
    **{f"{where}_address.{part}": f"{where.title()} {column}" for where in ("billing", "shipping")
       for part, column in (("name", "Name"), ("line1", "Address1"), ("line2", "Address2"), ("city", "City"),
                            ("region", "Province"), ("postal_code", "Zip"), ("country", "Country"))},
    "lines": "Lineitem sku", "promo": "Discount Code", "currency": "Currency", "note": "Notes",
}
# Shopify's Source, as ordercli's channels; a source that is one of ordercli's channels is itself
# (ordercli's own export writes them), any other (an app's) is `other`, none is `web`.
SHOPIFY_CHANNELS = {"": "web", "web": "web", "pos": "store", "iphone": "mobile", "android": "mobile"}
_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0", "")


class OrderReader:
    """The orders of a file in `fmt` (ordercli or shopify), read one after the other: iterating
    yields each order (`ImportedOrder`, with what its reader found wrong) or a row that belongs
    to no order (`ImportProblem`). The header is checked when the reader is made: a file whose
    header is wrong, or that is empty, is refused whole (InvalidData); so is one whose rows of an
    order are not together, when that is found. `keep_raw` keeps each row's text (for a rejects
    file of a stream that cannot be read again); `progress(read, size, lines)` is told how far
    reading is: characters read of `size` (0: unknown), and lines read."""

    def __init__(self, stream: TextIO, fmt: str, *, keep_raw: bool = False, size: int | None = None,
                 progress: Callable[[int, int, int], None] | None = None) -> None:
        if fmt not in FORMATS:
            raise InvalidData(f"unknown format {shown(fmt)} (one of {', '.join(FORMATS)})")
        self.format = fmt
        self.rows = 0  # data rows read so far
        self.share = (0, 1)  # (which, of how many): the orders this reader yields (`only`)
        self.raw: dict[int, str] | None = {} if keep_raw else None  # row -> its text as written
        self.header: str | None = None  # the header row, as written
        self._lines = _Lines(stream, keep_raw=True, size=size, progress=progress)
        first = self._lines.peek()
        if first is None or not first.strip():
            raise InvalidData("the file is empty: it holds no orders")
        self.kind = "jsonl" if first.lstrip().startswith("{") else "csv"
        if self.kind == "jsonl":
            if fmt == "shopify":
                raise InvalidData("the file is JSON lines, and Shopify's orders export is CSV (--format ordercli "
                                  "reads JSON lines)")
            self.field_names: dict[str, str] = {}  # JSON names fields as the order JSON does
        else:
            self._reader = csv.reader(self._lines)
            self._rows_of = self._csv_header()
            if self.raw is None and progress is None:  # nothing to count or keep: the stream itself
                self._reader = csv.reader(self._lines.rest())
            self.field_names = SHOPIFY_FIELDS if fmt == "shopify" else ORDERCLI_FIELDS

    def only(self, which: int, of: int) -> None:
        """Yield the orders of one part of `of` only (the first is 0): readers of one file that
        make its orders in parts, each its own. An order's part follows from its customer's
        email (else from the order itself), so that a customer's orders are made in one part
        (its email, address and phone checked once); rows of no order are the first part's."""
        self.share = (which, of)

    def __iter__(self) -> Iterator[ImportedOrder | ImportProblem]:
        found = False
        for item in (self._json_items() if self.kind == "jsonl" else self._csv_items()):
            found = True
            yield item
        self._lines.done()
        if not found and self.share[1] == 1:  # (read in parts, the parts together tell)
            raise InvalidData(NO_ORDERS)

    def _csv_header(self):
        try:
            header = [h.strip() for h in next(self._reader)]
        except csv.Error as error:
            raise InvalidData(f"the CSV cannot be read: {error}") from None
        self.header = self._lines.take()
        self._lines.keep_raw = self.raw is not None
        if self.format == "shopify":
            problem = _header_problem("a Shopify orders export", SHOPIFY, SHOPIFY_REQUIRED, header,
                                      ORDERCLI_COLUMNS, "ordercli export")
        else:
            header = [h.lower() for h in header]
            contact = [] if {"customer_email", "customer_phone"} & set(header) else ["customer_email or customer_phone"]
            problem = _header_problem("ordercli's order layout (the columns of `ordercli export`)", ORDERCLI_COLUMNS,
                                      ORDERCLI_REQUIRED, header, SHOPIFY, "Shopify's orders export", contact)
        if problem:
            raise InvalidData(problem)
        return _ShopifyRows(header) if self.format == "shopify" else _OrdercliRows(header)

    def _csv_items(self) -> Iterator[ImportedOrder | ImportProblem]:
        rows_of, lines, raw = self._rows_of, self._lines, self.raw
        which, of = self.share
        current, rows, ours, first = None, [], False, 0
        done: dict[str, int] = {}  # orders read whole -> their first row
        number = 1
        try:
            for number, cells in enumerate(self._reader, start=2):
                if raw is not None:
                    raw[number] = lines.take()
                if not cells or not any(cells):
                    continue
                self.rows = number - 1
                key = rows_of.key_of(cells)
                if not key:
                    if which == 0:
                        yield ImportProblem(number, None, InvalidData(f"{rows_of.KEY} is empty: every row names "
                                                                      "the order it belongs to"))
                    continue
                if key != current:
                    if current is not None:
                        done[current] = first
                        if ours:
                            yield rows_of.order(current, rows)
                    if key in done:
                        raise InvalidData(f"the rows of order {named(key)} are not together (row {done[key]}, then "
                                          f"row {number} after other orders): sort the file by {rows_of.KEY}, as "
                                          "ordercli export and Shopify write it")
                    current, rows, first = key, [], number
                    ours = of == 1 or zlib.crc32(rows_of.customer_of(cells).encode()) % of == which
                if ours:
                    rows.append((number, rows_of.prepare(number, cells)))
        except csv.Error as error:  # a cell longer than the csv module's limit, say
            raise InvalidData(f"the CSV cannot be read after row {number}: {error}") from None
        if ours and rows:
            yield rows_of.order(current, rows)

    def _json_items(self) -> Iterator[ImportedOrder | ImportProblem]:
        lines, raw = self._lines, self.raw
        lines.keep_raw = False  # a row is its line
        which, of = self.share
        ordinal = -1
        for number, text in enumerate(lines, start=1):
            if not text.strip():
                continue
            self.rows = number
            ordinal += 1
            if ordinal % of != which:
                continue
            if raw is not None:
                raw[number] = text
            try:
                data = json.loads(text, parse_float=JsonNumber, parse_int=JsonNumber, object_pairs_hook=_no_twice)
            except json.JSONDecodeError as error:
                yield ImportProblem(number, None, InvalidData(f"not valid JSON: {error.msg} (column {error.colno})"))
                continue
            except InvalidData as error:
                yield ImportProblem(number, None, error)
                continue
            except RecursionError:
                yield ImportProblem(number, None, InvalidData("nested too deeply to be an order"))
                continue
            if not isinstance(data, dict):
                yield ImportProblem(number, None, InvalidData("a row must be one JSON object (an order)"))
                continue
            yield _json_order(number, data)


def copy_rows(stream: TextIO, kind: str, rows: set[int], out: TextIO) -> None:
    """Write the rows `rows` of a file (and a CSV's header) to `out`, as they are written."""
    lines = _Lines(stream, keep_raw=kind != "jsonl")
    if kind == "jsonl":
        for number, text in enumerate(lines, start=1):
            if number in rows:
                out.write(text if text.endswith("\n") else text + "\n")
        return
    reader = csv.reader(lines)
    for number, _ in enumerate(reader, start=1):
        text = lines.take()
        if number == 1 or number in rows:
            out.write(text if text.endswith(("\n", "\r")) else text + "\r\n")


def write_raw(rows: Iterable[str], header: str | None, out: TextIO) -> None:
    """Write kept rows (and the header) as they were written (`ReadOrders.raw`)."""
    for text in ([header] if header is not None else []) + list(rows):
        out.write(text if text.endswith(("\n", "\r")) else text + "\n")


class _Lines:
    """The lines of a stream, counted for a progress report; with `keep_raw`, kept until
    `take()` collects the text of the row they make (a CSV row may span lines)."""

    def __init__(self, stream: TextIO, *, keep_raw: bool, size: int | None = None,
                 progress: Callable[[int, int, int], None] | None = None) -> None:
        self._iter = iter(stream)
        self._pending: list[str] = []
        self.keep_raw = keep_raw
        self._read = 0
        self._count = 0
        self._size = size
        self._progress = progress
        self._peeked: list[str] = []

    def peek(self) -> str | None:
        if not self._peeked:
            try:
                self._peeked.append(next(self._iter))
            except StopIteration:
                return None
        return self._peeked[0]

    def __iter__(self) -> Iterator[str]:
        pending, progress = self._pending, self._progress
        peeked, self._peeked = self._peeked, []
        for line in itertools.chain(peeked, self._iter):
            if self.keep_raw:
                pending.append(line)
            if progress is not None:
                self._read += len(line)
                self._count += 1
                if not self._count & 4095:
                    progress(self._read, self._size or 0, self._count)
            yield line

    def rest(self) -> Iterator[str]:
        """The lines not read yet, straight from the stream."""
        peeked, self._peeked = self._peeked, []
        return itertools.chain(peeked, self._iter) if peeked else self._iter

    def take(self) -> str:
        text = "".join(self._pending)
        self._pending.clear()
        return text

    def done(self) -> None:
        if self._progress is not None:
            self._progress(self._size or self._read, self._size or self._read, self._count)


# -- CSV ---------------------------------------------------------------------------------------


def _header_problem(kind: str, columns: tuple[str, ...], required: tuple[str, ...], header: list[str],
                    other: tuple[str, ...], other_name: str, extra_missing: list[str] = ()) -> str | None:
    known = {c.lower(): c for c in columns}
    unknown = [named(h) for h in header if h.lower() not in known]
    present = {h.lower() for h in header}
    absent = [c for c in required if c.lower() not in present] + list(extra_missing)
    twice = sorted({known[h.lower()] for h in header if h.lower() in known and
                    sum(1 for x in header if x.lower() == h.lower()) > 1})
    if not (unknown or absent or twice):
        return None
    if unknown and {h.lower() for h in header if h} <= {c.lower() for c in other}:
        return f"the columns are those of {other_name}: give --format {'shopify' if other is SHOPIFY else 'ordercli'}"
    parts = []
    if unknown:
        parts.append("unknown columns: " + ", ".join(unknown[:5]) + (f" and {len(unknown) - 5:,} more"
                                                                   if len(unknown) > 5 else ""))
    if absent:
        parts.append("missing columns: " + ", ".join(absent))
    if twice:
        parts.append("columns named twice: " + ", ".join(twice))
    return f"this is not {kind}: " + "; ".join(parts)


class _Rows:
    """A CSV layout's rows: each made ready (`prepare`: the cells the header has, customer text
    unguarded, and the order it names), and an order made of its rows (`order`)."""

    KEY = "order"

    def __init__(self, header: list[str]) -> None:
        self.width = len(header)
        self.bad_rows: dict[int, str] = {}

    def shaped(self, number: int, cells: list[str]) -> list[str]:
        if len(cells) != self.width:
            if len(cells) > self.width and any(c.strip() for c in cells[self.width:]):
                self.bad_rows[number] = f"{len(cells)} cells, more than the {self.width} columns of the header"
            cells = (cells + [""] * (self.width - len(cells)))[:self.width]
        return cells

    def row_problems(self, rows) -> list[str]:
        return [f"row {n}: {self.bad_rows.pop(n)}" for n, _ in rows if n in self.bad_rows]

    def key_of(self, cells: list[str]) -> str:
        """The order a row names (customer text unguarded, as `prepare` reads it)."""
        key = cells[self.key] if self.key < len(cells) else ""
        return (unguard_cell(key) if key[:1] == "'" else key).strip()

    def customer_of(self, cells: list[str]) -> str:
        """Who the order on this row (its first) is for: its email as written, else the order."""
        email = cells[self.email] if self.email is not None and self.email < len(cells) else ""
        return email.strip().lower() or self.key_of(cells)


class _OrdercliRows(_Rows):
    # A row's cells as the fields of what an order is made of (a column the file leaves out
    # reads as None: the empty cell each row gets at its end).
    _ADDRESS = ("name", "line1", "line2", "city", "region", "postal_code", "country")
    _FIELDS = {
        "customer": ("customer_name", "customer_email", "customer_phone"),
        "billing": tuple(f"billing_{p}" for p in _ADDRESS),
        "shipping": tuple(f"shipping_{p}" for p in _ADDRESS),
        "order": ("channel", "channel_ref", "promo_code", "note", "currency", "shipping", "shipping_tax_rate",
                  "status", "placed_at", "fulfilled_at", "updated_at"),
        "totals": ("subtotal", "discount", "shipping_tax", "tax", "total"),
        "line": ("sku", "quantity", "unit_price", "description", "line_discount", "tax_rate", "delivery_method",
                 "kind"),
        "stated_line": ("order_discount_share", "line_net", "line_tax", "line_total", "shipped"),
    }
    # 1..n in order, as text: the rows of an order already in line order (nothing to sort)
    _COUNTING = tuple(tuple(str(i) for i in range(1, n + 1)) for n in range(65))

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        at = {name: index for index, name in enumerate(header)}
        missing = len(header)  # the extra empty cell of each row

        def cells_of(names: tuple[str, ...]):
            indices = [at.get(name, missing) for name in names]
            return operator.itemgetter(*indices) if len(indices) > 1 else (lambda cells: (cells[indices[0]],))

        self.get = {part: cells_of(names) for part, names in self._FIELDS.items()}
        self.text = [at[name] for name in ORDERCLI_TEXT if name in at]
        self.key = at["order"]
        self.email = at.get("customer_email")
        self.order_cells = operator.itemgetter(*[at[c] for c in _ORDER_LEVEL if c in at], self.key)
        self.order_names = [c for c in _ORDER_LEVEL if c in at] + ["order"]
        self.line_number = operator.itemgetter(at.get("line", missing))

    def prepare(self, number: int, cells: list[str]) -> list[str]:
        cells = self.shaped(number, cells)
        for index in self.text:
            if cells[index][:1] == "'":
                cells[index] = unguard_cell(cells[index])
        cells.append(None)
        return cells

    def order(self, key: str, rows: list[tuple[int, list[str]]]) -> ImportedOrder:
        get = self.get
        problems = self.row_problems(rows)
        first_number, first = rows[0]
        if len(rows) > 1:
            ours = self.order_cells(first)
            for number, cells in rows[1:]:
                theirs = self.order_cells(cells)
                if theirs != ours:
                    differing = [name for name, a, b in zip(self.order_names, ours, theirs) if a != b]
                    problems.append(f"row {number} of the order says another {', '.join(differing[:5])} than row "
                                    f"{first_number}")
            rows = self._in_line_order(rows, problems)
        name, email, phone = get["customer"](first)
        (channel, channel_ref, promo, note, currency, shipping_charge, shipping_rate, status, placed_at, fulfilled_at,
         updated_at) = get["order"](first)
        shipping = get["shipping"](first)
        line_of, stated_of = get["line"], get["stated_line"]
        request = OrderRequest(
            name=name, email=email, phone=phone, billing=AddressRequest(*get["billing"](first)),
            shipping=AddressRequest(*shipping) if any(p and p.strip() for p in shipping) else None,
            channel=channel or None, channel_ref=channel_ref, lines=[LineRequest(*line_of(cells)) for _, cells in rows],
            promo=promo, note=note, currency=currency, shipping_charge=shipping_charge,
            shipping_tax_rate=shipping_rate,
        )
        numbers = [n for n, _ in rows]
        return ImportedOrder(
            source=key, rows=[first_number] + [n for n in numbers if n != first_number], line_rows=numbers,
            request=request, status=status, placed_at=placed_at, fulfilled_at=fulfilled_at or updated_at,
            stated=StatedOrder(ORDERCLI_RULE, *get["totals"](first)),
            lines=[StatedLine(*stated_of(cells)) for _, cells in rows], problems=problems,
        )

    def _in_line_order(self, rows, problems: list[str]):
        """The rows by their `line` number, when each states one (else as they come)."""
        texts = tuple(self.line_number(cells) for _, cells in rows)
        if len(rows) < len(self._COUNTING) and texts == self._COUNTING[len(rows)]:
            return rows
        numbers = []
        for (number, _), text in zip(rows, texts):
            text = (text or "").strip()
            if not text:
                return rows
            if not (text.isascii() and text.isdigit() and len(text) < 7):
                problems.append(f"row {number}: line {shown(text)} is not a line number")
                return rows
            numbers.append(int(text))
        if len(set(numbers)) < len(numbers):
            twice = sorted({n for n in numbers if numbers.count(n) > 1})
            problems.append(f"the order has line {twice[0]} more than once")
            return rows
        return [row for _, row in sorted(zip(numbers, rows), key=lambda pair: pair[0])]


class _ShopifyRows(_Rows):
    KEY = "Name"

    def __init__(self, header: list[str]) -> None:
        super().__init__(header)
        canonical = {c.lower(): c for c in SHOPIFY}
        self.at = {canonical[h.lower()]: index for index, h in enumerate(header)}
        self.key = self.at["Name"]
        self.email = self.at.get("Email")

    def prepare(self, number: int, cells: list[str]) -> list[str]:
        return self.shaped(number, cells)

    def _cell(self, cells: list[str], name: str) -> str:
        """A cell as written, guarded text unguarded (the cells read, not every cell of the row)."""
        index = self.at.get(name)
        if index is None:
            return ""
        value = cells[index]
        return (unguard_cell(value) if value[:1] == "'" else value).strip()

    def _address(self, cells: list[str], where: str) -> AddressRequest:
        c = self._cell
        person, company = c(cells, f"{where} Name"), c(cells, f"{where} Company")
        return AddressRequest(
            name=", ".join(x for x in (person, company) if x) or None,
            line1=c(cells, f"{where} Address1") or c(cells, f"{where} Street"),
            line2=c(cells, f"{where} Address2") or None,
            city=c(cells, f"{where} City"),
            region=c(cells, f"{where} Province") or c(cells, f"{where} Province Name") or None,
            # Shopify writes ZIP codes with a ' in front, to keep their zeros in spreadsheets
            postal_code=c(cells, f"{where} Zip").lstrip("'") or None,
            country=c(cells, f"{where} Country"),
        )

    def order(self, key: str, rows: list[tuple[int, list[str]]]) -> ImportedOrder:
        from ordercli.domain.importing import read_shopify_status

        c = self._cell
        problems = self.row_problems(rows)
        first_number, first = rows[0]
        billing, shipping = self._address(first, "Billing"), self._address(first, "Shipping")
        if not (billing.line1 or billing.city) and not shipping.is_empty():
            billing = shipping  # no billing address (a point-of-sale order): the shipping one
        source = c(first, "Source").lower()
        channel = SHOPIFY_CHANNELS.get(source, source if source in ("web", "mobile", "phone", "store", "marketplace",
                                                                    "other") else "other")
        rate = rate_from_tax_names([(c(first, f"Tax {n} Name"), c(first, f"Tax {n} Value")) for n in range(1, 6)])
        lines, stated_lines = [], []
        for number, cells in rows:
            taxable = self._flag(cells, "Lineitem taxable", number, problems, default=True)
            shipping_required = self._flag(cells, "Lineitem requires shipping", number, problems, default=False)
            lines.append(LineRequest(
                sku=c(cells, "Lineitem sku"), quantity=c(cells, "Lineitem quantity"),
                unit_price=c(cells, "Lineitem price"), description=c(cells, "Lineitem name"),
                discount=c(cells, "Lineitem discount") or None, tax_rate=rate if taxable else "0",
            ))
            stated_lines.append(StatedLine(taxable=taxable, kind_hint="physical" if shipping_required else None))
        try:
            status, note, shipped = read_shopify_status(
                c(first, "Financial Status"), c(first, "Fulfillment Status"), c(first, "Cancelled at"),
                [c(cells, "Lineitem fulfillment status") for _, cells in rows],
                [c(cells, "Lineitem quantity") for _, cells in rows])
        except InvalidData as error:
            problems.extend(error.problems)
            status, note, shipped = None, None, [None] * len(rows)
        for stated, units in zip(stated_lines, shipped):
            stated.shipped = units
        phone = c(first, "Phone") or c(first, "Billing Phone") or c(first, "Shipping Phone")
        request = OrderRequest(
            name=c(first, "Billing Name") or c(first, "Shipping Name"), email=c(first, "Email"), phone=phone,
            billing=billing, shipping=None if shipping.is_empty() else shipping, channel=channel, channel_ref=key,
            lines=lines, promo=c(first, "Discount Code") or None, note=c(first, "Notes") or None,
            currency=c(first, "Currency"), shipping_charge=c(first, "Shipping") or None,
        )
        return ImportedOrder(
            source=key, rows=[n for n, _ in rows], line_rows=[n for n, _ in rows], request=request,
            status=status, status_note=note, placed_at=c(first, "Created at"),
            fulfilled_at=c(first, "Fulfilled at") or None,
            stated=StatedOrder(rule=SHOPIFY_RULE, subtotal=c(first, "Subtotal"), discount=c(first, "Discount Amount"),
                               tax=c(first, "Taxes"), total=c(first, "Total"), duties=c(first, "Duties") or None,
                               tax_rate=rate),
            lines=stated_lines, problems=problems)

    def _flag(self, cells: list[str], name: str, number: int, problems: list[str], *, default: bool) -> bool:
        if name not in self.at:
            return default
        value = self._cell(cells, name).lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False if value else default
        problems.append(f"row {number}: {name} {shown(value)} is not true or false")
        return default


# -- JSON lines ------------------------------------------------------------------------------------


def _no_twice(pairs: list[tuple[str, object]]) -> dict:
    data = {}
    for key, value in pairs:
        if key in data:
            raise InvalidData(f"the key {json.dumps(key[:40])} is given twice in one object")
        data[key] = value
    return data


def _json_text(value) -> str:
    """JSON text of a value as it was read, each number exactly as it was written."""
    if isinstance(value, JsonNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{_json_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_json_text(v) for v in value) + "]"
    return json.dumps(value)


def _take_keys(holder, keys: set[str], where: str, problems: list[str], *, text_only: set[str] = frozenset()) -> dict:
    """The import's own keys of a JSON object, taken out of it (what is left is `create`'s)."""
    if not isinstance(holder, dict):
        return {}
    found = {}
    for key in keys & set(holder):
        value = holder.pop(key)
        if value is None:
            continue
        if isinstance(value, (dict, list)) or isinstance(value, bool) or (
                key in text_only and isinstance(value, JsonNumber)):
            problems.append(f"{where}{key} must be text" + ("" if key in text_only else " or a number"))
            continue
        found[key] = str(value)
    return found


def _json_order(number: int, data: dict) -> ImportedOrder:
    problems: list[str] = []
    extra = _take_keys(data, JSON_ORDER_KEYS - {"totals"}, "", problems,
                       text_only={"status", "placed_at", "fulfilled_at"})
    totals_raw = data.pop("totals", None)
    if totals_raw is not None and not isinstance(totals_raw, dict):
        problems.append("totals must be an object")
    totals = _take_keys(totals_raw, JSON_TOTALS_KEYS, "totals.", problems) if isinstance(totals_raw, dict) else {}
    if isinstance(totals_raw, dict):
        problems += [f"unknown field totals.{named(k)}" for k in sorted(totals_raw)[:5]]
    shipping = _take_keys(data.get("shipping"), JSON_SHIPPING_KEYS, "shipping.", problems)
    stated_lines: list[StatedLine] = []
    if isinstance(data.get("lines"), list):
        for index, line in enumerate(data["lines"]):
            said = _take_keys(line, JSON_LINE_KEYS, f"lines[{index}].", problems)
            stated_lines.append(StatedLine(order_discount=said.get("order_discount"), net=said.get("net"),
                                           tax=said.get("tax"), total=said.get("total"), shipped=said.get("shipped")))
    readable = True
    try:
        request = parse_order_json(_json_text(data))
    except InvalidData as error:
        problems.extend(error.problems)
        request, readable = OrderRequest(), False
    while len(stated_lines) < len(request.lines):
        stated_lines.append(StatedLine())
    source = extra.get("order") or (request.channel_ref or "").strip()
    if not source and readable:
        problems.append("an imported order needs its channel_ref or its order number (order): without one, "
                        "importing the file again would import it again")
    return ImportedOrder(
        source=source, rows=[number], line_rows=[number] * len(request.lines), request=request,
        status=extra.get("status"), placed_at=extra.get("placed_at"), fulfilled_at=extra.get("fulfilled_at"),
        stated=StatedOrder(subtotal=totals.get("subtotal"), discount=totals.get("discount"),
                           shipping_tax=shipping.get("tax"), tax=totals.get("tax"), total=totals.get("total")),
        lines=stated_lines, problems=problems, readable=readable)


