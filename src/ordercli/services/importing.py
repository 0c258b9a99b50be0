"""Importing orders in bulk (`ordercli import`): a file of orders from a marketplace, another
channel, or a shop moving to ordercli with its history, in one transaction.

Two steps, over chunks of orders, in one write transaction:

- **Preparing** needs no database: each order is read (io/order_import.py), checked as `create`
  checks one and priced as the file states it (domain/importing.py), against the catalogue read
  at the start, and made a compact `Ready` record (or rejected).
- **Storing** is the database's: what is already there (the same channel references: imported
  before, or taken by other content), the customers, the stock of the orders that hold some, the
  promo codes, and the writes, as sets: addresses, customers, promo codes, orders, lines,
  shipments and their lines, the history, the stock ledger and counters. Nothing is written
  per order, and memory holds a chunk or two, however long the file.

Where the system can fork, preparing runs in a child process and storing in this one, at the
same time (an import is mostly Python work on each order, and both halves take about as long);
the child only reads the file and sends what it made through a pipe, and never touches the
database. Elsewhere (or for stdin kept for a rejects file) both run here, one after the other.

All or nothing: after a problem, nothing more is written (the rest is still checked, so that
every problem is listed) and the transaction is rolled back. With `skip_invalid`, the orders
without problems are imported and the others rejected.
"""

from __future__ import annotations

import gc
import heapq
import marshal
import os
import pickle
import signal
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from contextlib import contextmanager
from typing import ContextManager, NamedTuple, TextIO

from ordercli.db import dialect
from ordercli.db.queries import history, imports, stock
from ordercli.db.queries.catalog import COLUMNS as PRODUCT_COLUMNS
from ordercli.db.sql import is_unique_violation
from ordercli.domain.errors import InsufficientStock, InvalidData, OrderCliError, Refused
from ordercli.domain.fulfillment import Method, Stage
from ordercli.domain.importing import (IMPORTED, Content, ImportedOrder, ImportProblem, Placement, check_order,
                                       content_line, content_of, differences, given_of, insufficient_stock, located,
                                       place, sold_as, taken)
from ordercli.domain.orders import ProductTerms
from ordercli.domain.promos import normalize_code
from ordercli.domain.stock import Need, plan_promises
from ordercli.io.order_import import NO_ORDERS, OrderReader
from ordercli.services.inventory.ledger import lock_products
from ordercli.services.orders import DEFAULT_CURRENCY
from ordercli.services.views import Stamp

# Orders prepared and stored together: large enough that each statement carries many rows,
# small enough that memory stays flat.
CHUNK = 2500
# Values `create`'s checks remember across orders (emails, addresses, lines), at most.
MEMO_SIZE = 200_000

# `progress(characters read, file size or 0, lines read)`
Progress = Callable[[int, int, int], None]


@dataclass(frozen=True)
class ImportOptions:
    format: str = "ordercli"
    source_name: str = "stdin"  # how the history names the file
    skip_invalid: bool = False
    dry_run: bool = False
    backorder: bool = False  # open orders take what stock there is; the rest waits
    default_currency: str = DEFAULT_CURRENCY


class ImportedOrderView(NamedTuple):
    """An order of the file that is in ordercli: imported now (`existing` False; its number is
    None in a dry run) or before (`existing`: nothing written)."""

    source: str
    rows: tuple[int, ...]
    number: int | None
    channel: str
    channel_ref: str
    status: str
    existing: bool = False
    lines: int = 0
    shipment: int | None = None


@dataclass(frozen=True)
class RejectedOrder:
    """An order of the file (or a row of no order, `source` None) that is not imported."""

    source: str | None
    rows: tuple[int, ...]
    problems: tuple[ImportProblem, ...]


@dataclass
class ImportResult:
    format: str
    kind: str  # csv or jsonl
    applied: bool = False
    dry_run: bool = False
    blocked: bool = False  # problems kept every order out (all or nothing)
    rows: int = 0
    orders: int = 0  # orders in the file (imported, imported before, or rejected)
    imported: list[ImportedOrderView] = field(default_factory=list)
    existing: list[ImportedOrderView] = field(default_factory=list)
    rejected: list[RejectedOrder] = field(default_factory=list)
    promised_units: int = 0
    waiting_units: int = 0
    new_customers: int = 0
    new_promo_codes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[ImportProblem]:
        """Every problem, by row."""
        return sorted((p for r in self.rejected for p in r.problems), key=lambda p: p.row)

    @property
    def rejected_rows(self) -> set[int]:
        return {row for r in self.rejected for row in r.rows}


class Ready(NamedTuple):
    """An order prepared for storing: plain values only (it may come through a pipe)."""

    source: str
    rows: tuple[int, ...]
    channel: str
    channel_ref: str
    status: str
    content: Content  # what it holds, as compared with a stored order (and the order's own values)
    placed_at: datetime | None
    fulfilled_at: datetime | None
    shipping_tax_rate_bp: int
    # (line_no, product_id, sku, description, kind, quantity, unit price, discount, order discount,
    # tax rate, net, tax, delivery method) of each line
    lines: tuple[tuple, ...]
    given: tuple[int, ...]  # what the file gave of each line (domain.importing.given_of)
    promise: tuple[int, ...]  # units of each line to promise from stock
    shipped: tuple[int, ...]  # units of each line that left outside ordercli
    backorder: bool
    granted: int  # every discount of the order, in minor units (a promo code it adds is worth that)
    history: str  # what the history says of it (the shipment is added when it has a number)


def import_orders(db, stream: TextIO, stamp: Stamp, options: ImportOptions, *, size: int | None = None,
                  keep_raw: bool = False, progress: Progress | None = None,
                  before_commit: Callable[[ImportResult, OrderReader], None] | None = None,
                  parallel: bool = True, reopen: Callable[[], ContextManager[TextIO]] | None = None
                  ) -> tuple[ImportResult, OrderReader]:
    """Import the orders of `stream` (see the module docstring); returns what was done and the
    reader (what a rejects file needs). `before_commit(result, reader)` runs in the transaction
    once the import is sure to be kept (to write a rejects file, put in place only if it commits).
    `parallel`: prepare in child processes where the system can fork and has more than one
    processor: `parts()` of them when `reopen` opens the file again (each reads all of it and
    prepares the orders of its share of the customers), else one."""
    reader = OrderReader(stream, options.format, keep_raw=keep_raw, size=size, progress=progress)
    # The import makes millions of short-lived objects and keeps some for its whole run, none of
    # them in cycles: the cyclic collector would only scan the long-lived ones again and again
    # (a third of the run). Reference counting frees the rest.
    collecting = gc.isenabled()
    gc.disable()
    try:
        with db.write() as transaction:
            run = _Run(transaction, reader, stamp, options)
            products = run.catalogue()
            if parallel and hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and not keep_raw:
                if reopen is not None:
                    count = parts()
                    chunks = _merged([_forked(_part(reopen, which, count, options, size, progress), reader, products,
                                              options) for which in range(count)])
                else:
                    chunks = _alone(_forked(lambda: _Inherited(reader), reader, products, options))
            else:
                chunks = _prepared(reader, products, options)
            try:
                with imports.bulk_writing(transaction):
                    for chunk in chunks:
                        run.take(chunk)
                    result = run.finish()
            except Exception as error:
                if is_unique_violation(error, "uq_customers_email", "uq_orders_channel_ref", "uq_promo_codes_code"):
                    raise Refused("another process added some of these customers, orders or promo codes while the "
                                  "import ran: nothing was imported; run it again") from None
                raise
            finally:
                close = getattr(chunks, "close", None)
                if close is not None:
                    close()
            if result.applied and before_commit is not None:
                before_commit(result, reader)
            if not result.applied:
                transaction.rollback()
    finally:
        if collecting:
            gc.enable()
    return result, reader


# -- preparing (no database) -------------------------------------------------------------------


def _prepared(reader: OrderReader, products: dict[str, ProductTerms], options: ImportOptions
              ) -> Iterator[list[Ready | RejectedOrder]]:
    """The file's orders prepared, a chunk at a time: each a `Ready` record or rejected."""
    memo: dict = {}
    sold = sold_as(products)
    names = reader.field_names
    for items in _chunks(reader, CHUNK):
        chunk: list[Ready | RejectedOrder] = []
        for item in items:
            if isinstance(item, ImportProblem):
                chunk.append(RejectedOrder(None, (item.row,), (item,)))
                continue
            try:
                checked = check_order(item, options.default_currency, memo=memo)
                chunk.append(_ready(place(checked, products, sold), options))
            except InvalidData as error:
                chunk.append(_rejected(item, error, names))
        if len(memo) > MEMO_SIZE:
            memo.clear()
        yield chunk


def _rejected(imported: ImportedOrder, error: OrderCliError, names) -> RejectedOrder:
    return RejectedOrder(imported.source, tuple(imported.rows), tuple(located(imported, error, names)))


def _ready(placement: Placement, options: ImportOptions) -> Ready:
    order, pricing, fulfillment = placement.order, placement.pricing, placement.fulfillment
    lines = tuple((line.line_no, line.product_id, line.sku, line.description, line.kind, line.quantity,
                   line.unit_price_minor, priced.discount_minor, priced.order_discount_minor, line.tax_rate_bp,
                   priced.net_minor, priced.tax_minor, line.delivery_method)
                  for line, priced in zip(placement.lines, pricing.lines))
    checked = placement.checked
    parts = [f"imported from {options.source_name} (row {placement.imported.rows[0]}): {order.channel} order "
             f"{order.channel_ref}"]
    if checked.placed_at is not None:
        parts.append(f"placed {_minute(checked.placed_at)} UTC")
    if fulfillment.note:
        parts.append(fulfillment.note)
    return Ready(placement.imported.source, tuple(placement.imported.rows), order.channel, order.channel_ref,
                 fulfillment.status.value, content_of(placement, lines=False), checked.placed_at,
                 checked.fulfilled_at, placement.shipping_tax_rate_bp, lines,
                 tuple(given_of(line) for line in order.lines), fulfillment.promise, fulfillment.shipped,
                 order.backorder, sum(p.discount_minor + p.order_discount_minor for p in pricing.lines),
                 "; ".join(parts))


def _minute(moment: datetime) -> str:
    """2026-11-29 10:15 (a UTC time, to the minute)."""
    return moment.isoformat(" ", "minutes")[:16]


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def parts() -> int:
    """How many child processes prepare the orders of a file that can be opened again: one a
    processor but the one this process stores with, and at least two (each reads the whole
    file, so with a single child this one would wait for it: on two processors, two children
    and this one share them best), at most four."""
    return min(max((os.cpu_count() or 1) - 1, 2), 4)


class _Inherited:
    """The parent's own reader, as a child uses it (the stream read on where the fork found it)."""

    def __init__(self, reader: OrderReader) -> None:
        self.reader = reader

    def __enter__(self) -> OrderReader:
        return self.reader

    def __exit__(self, *exc) -> None:
        return None


@contextmanager
def _opened(reopen, which: int, of: int, options: ImportOptions, size, progress):
    with reopen() as stream:
        reader = OrderReader(stream, options.format, size=size, progress=progress if which == 0 else None)
        reader.only(which, of)
        yield reader


def _part(reopen, which: int, of: int, options: ImportOptions, size, progress):
    return lambda: _opened(reopen, which, of, options, size, progress)


def _forked(open_reader, reader: OrderReader, products: dict[str, ProductTerms], options: ImportOptions
            ) -> _Child:
    """`_prepared`, run in a child process (started now) on the reader `open_reader()` gives it;
    its chunks come through a pipe. The child reads the file (the stream as the fork found it,
    or the file opened again) and the catalogue read before; it never touches the database, and
    leaves with os._exit, running nothing of this process's (no database connection of it is
    closed there). What goes wrong in it comes through the pipe and is raised here."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(readable)
            signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent says it
            with os.fdopen(writable, "wb") as pipe:
                try:
                    with open_reader() as mine:
                        for chunk in _prepared(mine, products, options):
                            _send(pipe, _CHUNK, chunk)
                        _send(pipe, _END, mine.rows)
                except Exception as error:  # noqa: BLE001 - raised again in the parent
                    _send(pipe, _ERROR, error)
        except BaseException:  # noqa: BLE001 - the parent went away (a broken pipe): nothing to say
            code = 1
        finally:
            os._exit(code)
    os.close(writable)
    return _Child(pid, os.fdopen(readable, "rb"), reader)


class _Child:
    """A child process preparing orders: its chunks, read from its pipe as they come (the rows
    it read are set on `reader` at its end). Closing it ends the child if it has not ended."""

    def __init__(self, pid: int, pipe, reader: OrderReader) -> None:
        self.pid, self.pipe, self.reader, self.ended = pid, pipe, reader, False

    def __iter__(self) -> Iterator[list[Ready | RejectedOrder]]:
        while True:
            kind, payload = _receive(self.pipe)
            if kind == _CHUNK:
                yield payload
            elif kind == _END:
                self.reader.rows, self.ended = max(self.reader.rows, payload), True
                return
            else:
                raise payload

    def close(self) -> None:
        if self.pid is None:
            return
        if not self.ended:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.pipe.close()
        os.waitpid(self.pid, 0)
        self.pid = None


def _merged(parts: list[_Child]) -> Iterator[list]:
    """The chunks of the parts, as one file's: their orders in the file's order, CHUNK at a time.
    However it ends, every part is closed (a child still running is ended)."""
    def items(part):
        for chunk in part:
            yield from chunk

    try:
        found = False
        for chunk in _chunks(heapq.merge(*(items(part) for part in parts), key=lambda item: item.rows[0]), CHUNK):
            found = True
            yield chunk
        if not found:
            raise InvalidData(NO_ORDERS)
    finally:
        for part in parts:
            part.close()


def _alone(part: _Child) -> Iterator[list]:
    """The chunks of one part; it is closed however it ends."""
    try:
        yield from part
    finally:
        part.close()


# What comes through the pipe: a chunk (its Ready records as plain tuples, in the marshal
# format, several times faster than pickle for them; its rejected orders pickled), the end
# (the rows read), or an error (pickled).
_CHUNK, _END, _ERROR = 1, 2, 3


def _send(pipe, kind: int, payload) -> None:
    if kind == _CHUNK:
        ready = [_flat(item) for item in payload if isinstance(item, Ready)]
        rejected = [item for item in payload if not isinstance(item, Ready)]
        parts = [marshal.dumps(ready), pickle.dumps(rejected, protocol=pickle.HIGHEST_PROTOCOL)]
    else:
        parts = [pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)]
    pipe.write(kind.to_bytes(1, "little") + b"".join(len(part).to_bytes(8, "little") for part in parts))
    for part in parts:
        pipe.write(part)
    pipe.flush()


def _receive(pipe) -> tuple:
    head = pipe.read(1)
    if len(head) < 1:
        raise OrderCliError("the process reading the file stopped before its end (out of memory?): nothing was "
                            "imported")
    kind = head[0]
    sizes = [int.from_bytes(pipe.read(8), "little") for _ in range(2 if kind == _CHUNK else 1)]
    parts = [pipe.read(size) for size in sizes]
    if kind == _CHUNK:
        return kind, [_unflat(item) for item in marshal.loads(parts[0])] + pickle.loads(parts[1])
    return kind, pickle.loads(parts[0])


def _time_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time_of(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _flat(item: Ready) -> tuple:
    """A Ready record as plain values (times as ISO text)."""
    content = item.content
    return (*item[:5], (*content[:14], _time_text(content.placed_at), content.lines), _time_text(item.placed_at),
            _time_text(item.fulfilled_at), *item[8:])


def _unflat(values: tuple) -> Ready:
    content = values[5]
    return Ready(*values[:5], Content(*content[:14], _time_of(content[14]), content[15]), _time_of(values[6]),
                 _time_of(values[7]), *values[8:])


# -- storing (the database) ------------------------------------------------------------------


@dataclass
class _Customer:
    """A customer as the import leaves it: its row (id None until one is taken), its current
    details and address rows (content -> id, or a `_NewAddress` not yet written), when its
    record last took an order's details, and what the stored row holds (None: not written)."""

    id: int | None
    name: str
    email: str | None
    phone: str | None
    since: datetime | None  # the stored record's updated_at, or the newest order it took
    billing: object = None
    shipping: object = None
    addresses: dict = field(default_factory=dict)
    stored: tuple | None = None


class _NewAddress:
    """An address row to add (its id taken when its chunk is written)."""

    __slots__ = ("parts", "id")

    def __init__(self, parts: tuple) -> None:
        self.parts = parts
        self.id: int | None = None


def _address_id(ref) -> int:
    return ref.id if isinstance(ref, _NewAddress) else ref


class _Run:
    """One import's storing: what it has found and written so far, chunk after chunk."""

    def __init__(self, connection, reader: OrderReader, stamp: Stamp, options: ImportOptions) -> None:
        self.connection, self.reader, self.stamp, self.options = connection, reader, stamp, options
        self.result = ImportResult(reader.format, reader.kind, dry_run=options.dry_run)
        self.had_orders = imports.any_order(connection)
        self.seen: dict[tuple[str, str], int] = {}  # channel references of the file -> their first row
        self.by_email: dict[str, _Customer] = {}
        self.by_phone: dict[str, _Customer] = {}
        self.asked_emails: set[str] = set()
        self.asked_phones: set[str] = set()
        self.customers: list[_Customer] = []
        self.codes: dict[str, int] = {}
        self.asked_codes: set[str] = set()
        self.new_codes: list[tuple[str, int, str]] = []  # (code, amount, currency) to add with the chunk
        self.available: dict[tuple[int, int], int] = {}
        self.stocked: set[int] = set()
        self.locations: list[int] = []

    def catalogue(self) -> dict[str, ProductTerms]:
        """Every product, as the orders' lines are resolved against it (read in the transaction)."""
        return {r.sku: ProductTerms(r.id, r.sku, r.name, r.unit_price_minor, r.currency, r.tax_rate_bp, r.kind,
                                    r.active) for r in imports.all_products(self.connection, PRODUCT_COLUMNS)}

    @property
    def blocked(self) -> bool:
        return bool(self.result.rejected) and not self.options.skip_invalid

    def reject(self, ready: Ready, error: OrderCliError) -> None:
        self.result.rejected.append(RejectedOrder(ready.source, ready.rows, (ImportProblem(ready.rows[0], ready.source,
                                                                                           error),)))

    def take(self, chunk: list[Ready | RejectedOrder]) -> None:
        # Customers and products are locked a chunk at a time, out of everyone else's order: the
        # import runs alone among those who lock them (dialect.import_turn), from its first chunk
        # (a dry run too) to its end; reading and preparing the first chunk keeps nobody waiting.
        dialect.import_turn(self.connection, alone=True)
        ready = []
        self.result.orders += sum(1 for item in chunk if not (isinstance(item, RejectedOrder) and item.source is None))
        for item in chunk:
            if isinstance(item, RejectedOrder):
                self.result.rejected.append(item)
                continue
            key = (item.channel, item.channel_ref)
            if key in self.seen:  # given twice in the file (prepared in parts: seen only here)
                self.reject(item, InvalidData(f"the {key[0]} order {key[1]} is also on row {self.seen[key]}"))
                continue
            self.seen[key] = item.rows[0]
            ready.append(item)
        ready = self._new(ready)
        if not self.blocked:  # the locks `create` takes, in its order: the customers, then the products
            self._ask_customers(ready)
        allocations, short = self._stock(ready)
        ready = self._promo_codes([r for r in ready if id(r) in allocations], allocations)
        if not self.blocked:
            self._store(ready, allocations, short)

    def _new(self, ready: list[Ready]) -> list[Ready]:
        """The chunk's orders not stored before the import; the others are the same (left as
        they are) or hold other content (refused)."""
        if not ready or not self.had_orders:
            return ready
        stored = {(r.channel, r.channel_ref): (r, content) for r, content in
                  _stored_contents(*imports.orders_by_refs(self.connection, [(r.channel, r.channel_ref)
                                                                            for r in ready]))}
        kept = []
        for item in ready:
            found = stored.get((item.channel, item.channel_ref))
            if found is None:
                kept.append(item)
                continue
            row, content = found
            mine = item.content._replace(lines=tuple(
                content_line(line[2], line[5], line[6], line[7], line[8], line[10], line[11], line[9], line[3],
                             line[4], line[12], given) for line, given in zip(item.lines, item.given)))
            differing = differences(mine, content)
            if differing:
                self.reject(item, taken(item.channel, item.channel_ref, row.id, differing))
                continue
            self.result.existing.append(ImportedOrderView(item.source, item.rows, row.id, item.channel,
                                                          item.channel_ref, row.status, True, len(item.lines)))
            if row.status != item.status:
                self.result.notes.append(f"order {row.id} ({item.channel} {item.channel_ref}) is {row.status} here; "
                                         f"the file says {item.status}")
        return kept

    def _ask_customers(self, ready: list[Ready]) -> None:
        """The stored customers of the chunk's emails (and, for orders without one, phones),
        locked until commit."""
        emails = sorted({r.content.email for r in ready if r.content.email} - self.asked_emails)
        phones = sorted({r.content.phone for r in ready if not r.content.email and r.content.phone}
                        - self.asked_phones)
        self.asked_emails.update(emails)
        self.asked_phones.update(phones)
        for found, by_email in ((imports.customers_by_emails(self.connection, emails), True),
                                (imports.customers_by_phones(self.connection, phones), False)):
            for r in found:
                customer = _Customer(r.id, r.name, r.email, r.phone, r.updated_at, r.billing_address_id,
                                     r.shipping_address_id,
                                     stored=(r.name, r.phone, r.billing_address_id, r.shipping_address_id))
                for prefix, address_id in (("b", r.billing_address_id), ("s", r.shipping_address_id)):
                    if address_id is not None:
                        parts = tuple(getattr(r, f"{prefix}_{p}") for p in
                                      ("name", "line1", "line2", "city", "region", "postal_code", "country"))
                        customer.addresses.setdefault(parts, address_id)
                self.customers.append(customer)
                if by_email:
                    self.by_email[r.email] = customer
                else:
                    self.by_phone.setdefault(r.phone, customer)

    def _stock(self, ready: list[Ready]) -> tuple[dict[int, list], dict[int, dict[int, int]]]:
        """Where the stock of each order that holds some is promised from, by the rule `create`
        promises by, order after order in the file's order: record id -> its allocations (each
        keyed by its line number), and record id -> units short per line number (they wait:
        backordered). An order short of stock without `backorder` is rejected."""
        allocations: dict[int, list] = {id(r): [] for r in ready}
        short: dict[int, dict[int, int]] = {}
        wanting = [r for r in ready if any(r.promise)]
        if not wanting:
            return allocations, short
        products = {line[1] for r in wanting for line, units in zip(r.lines, r.promise) if units}
        new = products - self.stocked
        if new:
            lock_products(self.connection, new)
            available, names = stock.availability(self.connection, new)
            self.available.update(available)
            self.stocked.update(new)
            self.locations = list(names)
        for item in wanting:
            needs = [Need(line[0], line[1], units) for line, units in zip(item.lines, item.promise) if units]
            plan = plan_promises(needs, self.available, self.locations)
            if plan.short and not (self.options.backorder or item.backorder):
                wanted: dict[str, int] = defaultdict(int)
                for line, units in zip(item.lines, item.promise):
                    wanted[line[2]] += units
                problems = []
                for line in item.lines:
                    if line[0] in plan.short and line[2] in wanted:
                        have = sum(v for (product, _), v in self.available.items() if product == line[1])
                        problems.append(str(insufficient_stock(line[2], wanted.pop(line[2]), have)))
                self.reject(item, InsufficientStock("; ".join(problems)))
                del allocations[id(item)]
                continue
            for allocation in plan.allocations:
                self.available[(allocation.product_id, allocation.location_id)] -= allocation.quantity
            allocations[id(item)] = list(plan.allocations)
            if plan.short:
                short[id(item)] = dict(plan.short)
        return allocations, short

    def _promo_codes(self, ready: list[Ready], allocations: dict[int, list]) -> list[Ready]:
        """The orders whose promo code is known or can be added. A code ordercli does not have
        is added by the first order of the file naming it with a discount: an amount off, that
        discount, expired as of the import (it applies to no new order). No use is counted, of a
        new code or of one that exists: the channel granted the discounts."""
        named = sorted({r.content.promo_code for r in ready if r.content.promo_code} - self.asked_codes)
        self.asked_codes.update(named)
        self.codes.update(imports.promo_codes(self.connection, named))
        kept = []
        for item in ready:
            code = item.content.promo_code
            if code is None or code in self.codes:
                kept.append(item)
                continue
            problem = None
            try:
                normalize_code(code)
            except InvalidData as error:
                problem = error
            if problem is None and not item.granted:
                problem = InvalidData(
                    f"promo code {code} is not in ordercli, and this order states no discount to add it with: add it "
                    f"first (ordercli promo add {code} --percent N), or import an order with its discount first")
            if problem is not None:
                self.reject(item, problem)
                for allocation in allocations.pop(id(item)):  # its stock goes back to the orders after it
                    self.available[(allocation.product_id, allocation.location_id)] += allocation.quantity
                continue
            self.codes[code] = 0  # added with this chunk (`_store` takes its id)
            self.new_codes.append((code, item.granted, item.content.currency))
            kept.append(item)
        return kept

    def _customer_of(self, item: Ready) -> tuple[_Customer, object, object]:
        """The order's customer (found or new) and its billing and shipping address rows, as
        `create` finds and makes them; the customer's record takes the details of its newest
        imported order (by when it was placed), unless the record changed after that."""
        content = item.content
        email, phone = content.email, content.phone
        customer = self.by_email.get(email) if email else self.by_phone.get(phone)
        if customer is None:
            customer = _Customer(None, content.name, email, phone, None)
            self.customers.append(customer)
            if email:
                self.by_email[email] = customer
            if phone:
                self.by_phone.setdefault(phone, customer)
        addresses = customer.addresses
        billing = addresses.get(content.billing)
        if billing is None:
            billing = addresses[content.billing] = _NewAddress(content.billing)
        shipping = addresses.get(content.shipping)
        if shipping is None:
            shipping = addresses[content.shipping] = _NewAddress(content.shipping)
        placed = item.placed_at or self.stamp.at
        if customer.since is None or placed >= customer.since:
            customer.since = placed
            customer.name, customer.phone = content.name, phone or customer.phone
            customer.billing, customer.shipping = billing, shipping
        return customer, billing, shipping

    def _store(self, ready: list[Ready], allocations, short) -> None:
        connection, stamp, at, result = self.connection, self.stamp, self.stamp.at, self.result
        source = self.options.source_name
        owners = [self._customer_of(item) for item in ready]
        new_addresses = list({id(ref): ref for _, billing, shipping in owners for ref in (billing, shipping)
                              if isinstance(ref, _NewAddress) and ref.id is None}.values())
        for ref, address_id in zip(new_addresses, imports.take_ids(connection, "addresses", len(new_addresses))):
            ref.id = address_id
        imports.add_addresses(connection, [(ref.id, *ref.parts) for ref in new_addresses])
        new = [c for c in self.customers if c.id is None]
        for customer, customer_id in zip(new, imports.take_ids(connection, "customers", len(new))):
            customer.id = customer_id
            customer.stored = (customer.name, customer.phone, _address_id(customer.billing),
                               _address_id(customer.shipping))
        imports.add_customers(connection, [(c.id, c.name, c.email, c.phone, *c.stored[2:], at, at) for c in new])
        result.new_customers += len(new)
        adding, self.new_codes = self.new_codes, []
        for (code, _, _), promo_id in zip(adding, imports.take_ids(connection, "promo_codes", len(adding))):
            self.codes[code] = promo_id
        imports.add_promo_codes(connection, [(self.codes[code], code, amount, currency, at, 0, at)
                                             for code, amount, currency in adding])
        result.new_promo_codes += [code for code, _, _ in adding]

        numbers = imports.take_ids(connection, "orders", len(ready))
        line_ids = iter(imports.take_ids(connection, "order_lines", sum(len(r.lines) for r in ready)))
        shipped = [r for r in ready if any(r.shipped)]
        shipment_of = dict(zip((id(r) for r in shipped), imports.take_ids(connection, "shipments", len(shipped))))
        orders, lines, shipments, shipment_lines, entries, movements = [], [], [], [], [], []
        totals: dict[tuple[int, int], int] = defaultdict(int)
        dry_run = self.options.dry_run
        for item, number, (customer, billing, shipping) in zip(ready, numbers, owners):
            c = item.content
            orders.append((number, item.status, item.channel, item.channel_ref, c.currency, customer.id, c.name,
                           c.email or customer.email, c.phone or customer.phone, _address_id(billing),
                           _address_id(shipping), self.codes[c.promo_code] if c.promo_code else None,
                           c.subtotal_minor, c.discount_minor, c.tax_minor, c.total_minor, c.shipping_minor,
                           item.shipping_tax_rate_bp, c.shipping_tax_minor, c.note, item.placed_at or at, at))
            waiting = short.get(id(item), {})
            ids_of = {}
            for line in item.lines:
                line_id = ids_of[line[0]] = next(line_ids)
                lines.append((line_id, number, *line, line[0] in waiting))
            for allocation in allocations[id(item)]:
                totals[(allocation.product_id, allocation.location_id)] += allocation.quantity
                movements.append({"kind": "reserved", "product": allocation.product_id,
                                  "location": allocation.location_id, "reserved": allocation.quantity,
                                  "order_id": number, "line_id": ids_of[allocation.key],
                                  "reason": f"imported from {source}"})
                result.promised_units += allocation.quantity
            result.waiting_units += sum(waiting.values())
            shipment = shipment_of.get(id(item))
            reason = item.history
            if shipment is not None:
                when = item.fulfilled_at or item.placed_at or at
                shipments.append((shipment, number, Method.EXTERNAL.value, Stage.DELIVERED.value,
                                  f"imported from {source}: fulfilled outside ordercli", when, at, when, stamp.actor,
                                  when, stamp.actor))
                shipment_lines += [(shipment, ids_of[line[0]], units)
                                   for line, units in zip(item.lines, item.shipped) if units]
                fulfilled = item.fulfilled_at or item.placed_at
                reason += f"; shipment {shipment} (external) of what left" + (
                    f", fulfilled {_minute(fulfilled)} UTC" if fulfilled else "")
            entries.append((number, IMPORTED, None, item.status, reason))
            result.imported.append(ImportedOrderView(item.source, item.rows, None if dry_run else number, item.channel,
                                                     item.channel_ref, item.status, False, len(item.lines), shipment))
        imports.add_orders(connection, orders)
        imports.add_lines(connection, lines)
        imports.add_shipments(connection, shipments)
        imports.add_shipment_lines(connection, shipment_lines)
        history.append(connection, stamp, entries)
        if totals and stock.reserve(connection, stamp, dict(totals), movements):
            raise Refused("the stock changed while importing: try again")  # cannot happen under the product locks

    def finish(self) -> ImportResult:
        """The customers' records brought up to date; what was done."""
        result = self.result
        result.rows = self.reader.rows
        result.blocked = self.blocked
        if not result.blocked:
            changed = [c for c in self.customers if c.id is not None and c.stored is not None and
                       (c.name, c.phone, _address_id(c.billing), _address_id(c.shipping)) != c.stored]
            imports.update_customers(self.connection, [(c.id, c.name, c.phone, _address_id(c.billing),
                                                        _address_id(c.shipping), self.stamp.at) for c in changed])
        result.applied = not result.blocked and not self.options.dry_run
        if result.blocked:
            result.imported = []
        return result


def _stored_contents(found: list, lines: list) -> Iterator[tuple]:
    """(row, Content) of stored orders (`imports.orders_by_refs`), to compare with the file's."""
    by_order: dict[int, list[tuple]] = defaultdict(list)
    for r in lines:
        by_order[r.order_id].append((r.sku, r.quantity, r.unit_price_minor, r.discount_minor, r.order_discount_minor,
                                     r.net_minor, r.tax_minor, r.tax_rate_bp, r.description, r.kind,
                                     r.delivery_method))
    parts = ("name", "line1", "line2", "city", "region", "postal_code", "country")
    for r in found:
        yield r, Content(r.customer_name, r.customer_email, r.customer_phone,
                         tuple(getattr(r, f"b_{p}") for p in parts), tuple(getattr(r, f"s_{p}") for p in parts),
                         r.currency, r.promo_code, r.note, r.shipping_minor, r.shipping_tax_minor, r.subtotal_minor,
                         r.discount_minor, r.tax_minor, r.total_minor, r.placed_at, tuple(by_order[r.id]))
