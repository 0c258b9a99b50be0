"""Documents: the company profile, invoices, credit notes, packing slips, pick lists and labels.

Each document command issues or reads what it needs through the services, renders PDFs
(ordercli.documents.render), and then writes them where --out says (one file per document in a
directory, all in one file, or stdout) or prints them with --print. Where --out points is
checked before anything is issued, and files are written under a temporary name and renamed,
so a failure leaves no half-written file.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import shapes, values
from ordercli.cli.context import app_context
from ordercli.cli.fulfillment import _read_shipment as read_shipment
from ordercli.cli.returns import _read_return as read_return
from ordercli.cli.errors import EXIT_INTERRUPTED, EXIT_INVALID, EXIT_USAGE, fail
from ordercli.cli.output import (Format, Output, ProgressBar, Table, key, money_text, number, output_options,
                                 stderr_is_terminal, text)
from ordercli.domain.errors import OrderCliError
from ordercli.domain.invoicing import CreditWant
from ordercli.domain.statuses import Status

top = typer.Typer()  # invoice, credit-note, packing-slip, pick-list, label
profile_app = typer.Typer(no_args_is_help=True)

Out = Annotated[str | None, typer.Option(
    "--out", "-o", metavar="FILE|DIR|-", show_default=False,
    help="Where the PDFs go: a directory (one file per document, named by its number), a file (all in "
         "one PDF), or - for stdout. Default: the current directory.")]
PrintIt = Annotated[bool, typer.Option("--print", help="Send the PDF to a printer through CUPS (lp).")]
Printer = Annotated[str | None, typer.Option(
    "--printer", metavar="NAME", show_default=False, help="With --print: the CUPS queue (default: lp's default).")]


def _destination(out: str | None, count_hint: int, *, print_it: bool = False, printer: str | None = None,
                 option: str = "--out"):
    """Check, before anything is issued, where the PDFs go (None: nowhere, they are only
    printed) and that the printer exists."""
    from ordercli.io.documents_out import destination

    if print_it:
        from ordercli.io.printing import check_printer

        check_printer(printer)
        if out is None:
            return None
    return destination(out, count=count_hint, option=option)


def _deliver(state, dest, named: list[tuple[str, bytes]], combined, *, print_it: bool, printer: str | None,
             title: str) -> dict[str, str]:
    """Write the documents (one per file, or `combined()` as one), then print them if asked
    (a printer that fails leaves the files written). Returns where each name went: its path,
    or "-" for stdout."""
    from ordercli.io.documents_out import write_all

    where: dict[str, str] = {}
    if dest is not None:
        where = _write(dest, named, combined, write_all)
    if print_it:
        from ordercli.io.printing import print_pdf

        job = print_pdf(combined() if len(named) > 1 else named[0][1], printer=printer, title=title)
        state.say(f"sent to the printer{' ' + printer if printer else ''}: job {job}")
    return where


def _write(dest, named, combined, write_all) -> dict[str, str]:
    where: dict[str, str] = {}
    if dest.single_file or dest.to_stdout:
        data = named[0][1] if len(named) == 1 else combined()
        paths = write_all(dest, [(f"{named[0][0] if len(named) == 1 else 'documents'}.pdf", data)])
        for name, _ in named:
            where[name] = "-" if dest.to_stdout else str(paths[0])
    else:
        paths = write_all(dest, [(f"{name}.pdf", data) for name, data in named])
        for (name, _), path in zip(named, paths):
            where[name] = str(path)
    return where


def _pdf_on_stdout(dest) -> bool:
    """Whether the PDF goes to stdout: then stdout carries nothing else (messages: stderr)."""
    return dest is not None and dest.to_stdout


def _stdout_free(dest, output, option: str = "--out") -> None:
    if _pdf_on_stdout(dest) and output.format is not Format.TABLE:
        raise fail(f"{option} - writes the PDF to stdout: it cannot go with --{output.format.value}", EXIT_USAGE)


def _check_printable(docs, profile) -> None:
    """Refuse, before the commit, a document the fonts cannot show (no number is taken)."""
    from ordercli.documents.render import check_printable

    check_printable(docs, fallback_font=_fallback(profile))


def _fallback(profile) -> Path | None:
    return Path(profile.fallback_font) if profile.fallback_font else None


# -- invoice ---------------------------------------------------------------------------------------

def _near(path: str | None) -> str:
    """A file as people read it in a table: relative to the working directory when it is in it
    (the name is what matters; the JSON keeps the whole path)."""
    if not path or path == "-":
        return path or ""
    import os

    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _document_rows(data):
    documents, where = data
    for issued in documents:
        doc = issued.doc
        yield (doc.number, doc.order_number, doc.method, money_text(_money(doc.total_minor, doc.currency)),
               "issued" if issued.new else "existing", _near(where.get(doc.number)))


DOCUMENTS = Table((key("Number"), number("Order"), key("Method"), number("Total"), key("State"), text("File")),
                  _document_rows, drop=("File", "Method", "State"))


def _money(minor: int, currency: str):
    from ordercli.domain.money import Money

    return Money(minor, currency)


def _render_many(docs, fallback: Path | None, *, bulk: bool, show_progress: bool) -> list[bytes]:
    """One PDF per invoice. Invoices named by order or number are rendered each alone, so an
    invoice rendered again is the same file byte for byte. A bulk run (--status) lays them out
    as the pages of one document and splits it (the font is parsed and subset once, not per
    invoice): its files carry the run's font subset, so their bytes differ from an invoice
    rendered alone, though every page is the same; in chunks, so a terminal sees a bar move."""
    from ordercli.documents.render import render_invoice, render_invoices

    if not bulk:
        return [render_invoice(doc, fallback_font=fallback) for doc in docs]
    if not show_progress or len(docs) < 20:
        return render_invoices(docs, fallback_font=fallback)
    out: list[bytes] = []
    with ProgressBar("rendering invoices", len(docs)) as progress:
        for start in range(0, len(docs), 100):
            chunk = docs[start:start + 100]
            out.extend(render_invoices(chunk, fallback_font=fallback))
            progress.advance(len(chunk))
    return out


@top.command("invoice")
@output_options(json="Print the invoices: number, order, method, totals, file (docs/json.md).")
def invoice(
    ctx: typer.Context,
    output: Output,
    orders: Annotated[list[int] | None, typer.Argument(
        metavar="ORDER", show_default=False, parser=values.read_order_number_arg,
        help="Order numbers to invoice (or use --status / --since).")] = None,
    status: Annotated[list[Status] | None, typer.Option(
        "--status", metavar="STATUS", show_default=False, case_sensitive=False,
        help="Invoice every order in this status (repeat for more).")] = None,
    since: values.Since = None,
    number: Annotated[list[str] | None, typer.Option(
        "--number", metavar="NUMBER", show_default=False,
        help="Render issued invoices or credit notes again by their numbers (repeat); issues nothing.")] = None,
    out: Out = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """Issue and render invoices: one per delivery method of each order, numbered without gaps.

    An order already invoiced for what it may be invoiced for gets its existing invoice(s)
    rendered again, byte for byte the same; nothing new is issued. What may be invoiced
    follows the profile's invoice policy: what was fulfilled (the default) or what was ordered
    (ordercli profile set --invoice-policy). The seller's name and address (and a tax id when
    tax is charged) must be in the profile: ordercli profile set.

    \b
    Examples:
      ordercli invoice 1042 --out invoices/
      ordercli invoice 1042 --print --printer office
      ordercli invoice --status closed --since 2026-11-01 --out invoices/
    """
    from ordercli.services.invoicing import invoice_orders, select_orders
    from ordercli.services.profile import get_profile

    if sum(map(bool, (orders, status or since, number))) > 1:
        raise fail("give order numbers, --status/--since or --number: one of them", EXIT_USAGE)
    if since and not status:
        raise fail("--since goes with --status", EXIT_USAGE)
    if not (orders or status or number):
        raise fail("give order numbers, or --status (with --since) to invoice many, or --number to render again",
                   EXIT_USAGE)
    state = app_context(ctx)
    db = state.database()
    bulk = bool(status)
    dest = _destination(out, 1, print_it=print_it, printer=printer)
    _stdout_free(dest, output)
    if number:
        from ordercli.services.invoicing import Issued, InvoiceRun, find_documents

        run = InvoiceRun([Issued(doc, False) for doc in find_documents(db, [n.strip() for n in number])])
        numbers = sorted({d.doc.order_number for d in run.documents})
    else:
        numbers = list(dict.fromkeys(orders)) if orders else select_orders(db, [s.value for s in status], since)
        if not numbers:
            output.emit(([], {}), shape=shapes.documents, table=DOCUMENTS)
            state.say("no order in the selection")
            return
        run = invoice_orders(db, numbers, state.stamp("invoice"), bulk=bulk, check=_check_printable)
    for number, why in run.skipped:
        state.say(f"skipped: {why}")
    docs = [d.doc for d in run.documents]
    fallback = _fallback(get_profile(db))
    from ordercli.documents.render import render_invoices_combined

    with _after_issuing([d.number for d in run.documents if d.new]):
        rendered = _render_many(docs, fallback, bulk=bulk, show_progress=bulk and stderr_is_terminal())
        where = _deliver(state, dest, [(d.number, pdf) for d, pdf in zip(docs, rendered)],
                         lambda: render_invoices_combined(docs, fallback_font=fallback), print_it=print_it,
                         printer=printer, title=_job_title([d.number for d in docs]))
    data = (run.documents, where)
    if not _pdf_on_stdout(dest):
        output.emit(data, shape=shapes.documents, table=DOCUMENTS)
    existing = len(run.documents) - run.issued
    state.say(f"issued {run.issued} invoice(s)" + (f"; {existing} rendered again" if existing else ""))
    if run.unprintable:
        raise fail(f"{len(run.unprintable)} order(s) not invoiced: their invoices cannot be printed (listed above)",
                   EXIT_INVALID)


@contextmanager
def _after_issuing(issued: list[str]):
    """What fails after the documents were issued (and committed) says so, and how to get
    them: they are not issued again, `invoice --number` renders them."""
    if not issued:
        yield
        return
    listed = " ".join(issued[:3]) + (f" and {len(issued) - 3} more" if len(issued) > 3 else "")
    again = f"render them with: ordercli invoice --number {issued[0]}" + (" ..." if len(issued) > 1 else "")
    try:
        yield
    except OrderCliError as error:
        raise type(error)(f"{error}; {listed} issued all the same: {again}") from None
    except KeyboardInterrupt:
        print(f"ordercli: interrupted; {listed} issued, not written: {again}", file=sys.stderr)
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _job_title(numbers: list[str]) -> str:
    """What the print queue shows: the documents' numbers (the first three)."""
    return " ".join(numbers[:3]) + (f" and {len(numbers) - 3} more" if len(numbers) > 3 else "")


# -- credit-note -----------------------------------------------------------------------------------

@top.command("credit-note")
@output_options(json="Print the credit note: number, the invoice it credits, totals, file (docs/json.md).")
def credit_note(
    ctx: typer.Context,
    output: Output,
    invoice_number: Annotated[str, typer.Argument(metavar="INVOICE", help="The invoice's number.")],
    line: Annotated[list[CreditWant] | None, typer.Option(
        "--line", metavar="SKU:QTY", show_default=False, parser=values.read_credit_want,
        help="Credit QTY units of SKU (repeat); without --line the whole invoice is credited.")] = None,
    shipping: Annotated[bool, typer.Option(
        "--shipping", help="With --line: credit the invoice's shipping charge too.")] = False,
    reason: Annotated[str | None, typer.Option(metavar="TEXT", help="Why; printed on the credit note.")] = None,
    out: Out = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """Issue a credit note for an invoice: it negates exactly what it credits.

    Credit notes have their own gapless series (profile: --credit-prefix). An issued invoice is
    never changed or deleted: a mistake is corrected by a credit note (and, if need be, a new
    invoice: credited units may be invoiced again).

    \b
    Examples:
      ordercli credit-note INV-2026-000042 --reason "wrong address"
      ordercli credit-note INV-2026-000042 --line CHAI:2 --reason "damaged"
    """
    from ordercli.services.invoicing import issue_credit_note
    from ordercli.services.profile import get_profile

    if shipping and not line:
        raise fail("--shipping goes with --line (a whole invoice is credited with its shipping charge)", EXIT_USAGE)
    wants = list(line) if line else None
    state = app_context(ctx)
    db = state.database()
    dest = _destination(out, 1, print_it=print_it, printer=printer)
    _stdout_free(dest, output)
    issued = issue_credit_note(db, invoice_number.strip(), wants, state.stamp("credit-note"), with_shipping=shipping,
                               reason=reason, check=_check_printable)
    from ordercli.documents.render import render_invoice

    with _after_issuing([issued.number]):
        pdf = render_invoice(issued.doc, fallback_font=_fallback(get_profile(db)))  # as `invoice --number` does
        where = _deliver(state, dest, [(issued.number, pdf)], lambda: pdf, print_it=print_it, printer=printer,
                         title=f"credit note {issued.number}")
    data = ([issued], where)
    if not _pdf_on_stdout(dest):
        output.emit(data, shape=shapes.documents, table=DOCUMENTS)
    state.say(f"issued credit note {issued.number} for invoice {issued.doc.refers_to}: "
              f"{money_text(_money(issued.doc.total_minor, issued.doc.currency))}")


# -- packing-slip, label ---------------------------------------------------------------------------

@top.command("packing-slip")
@output_options(json="Print the packing slips: shipment, order, file.")
def packing_slip(
    ctx: typer.Context,
    output: Output,
    order: Annotated[int | None, typer.Argument(
        metavar="ORDER", show_default=False, parser=values.read_order_number_arg,
        help="An order: a slip for each of its shipments.")] = None,
    shipment: Annotated[int | None, typer.Option(
        "--shipment", "-s", metavar="SHIPMENT", show_default=False, parser=read_shipment,
        help="One shipment's slip.")] = None,
    out: Out = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """Render packing slips: what is in the parcel, the ship-to address, a barcode, no prices.

    \b
    Examples:
      ordercli packing-slip 1042 --out slips/
      ordercli packing-slip --shipment 17 --print
    """
    from ordercli.services.documents import packing_slips
    from ordercli.services.profile import get_profile

    if (order is None) == (shipment is None):
        raise fail("give an ORDER or --shipment SHIPMENT (one of them)", EXIT_USAGE)
    state = app_context(ctx)
    db = state.database()
    dest = _destination(out, 1, print_it=print_it, printer=printer)
    _stdout_free(dest, output)
    slips = packing_slips(db, order=order, shipment=shipment)
    fallback = _fallback(get_profile(db))
    from ordercli.documents.render import render_packing_slip

    named = [(f"packing-slip-{slip.shipment_number}", render_packing_slip(slip, fallback_font=fallback))
             for slip in slips]
    where = _deliver(state, dest, named, lambda: _joined([pdf for _, pdf in named]), print_it=print_it,
                     printer=printer, title="packing slips")
    rows = [(slip, where.get(name, "")) for slip, (name, _) in zip(slips, named)]
    if not _pdf_on_stdout(dest):
        output.emit(rows, shape=shapes.packing_slips, table=SLIPS)
    state.say(f"{len(slips)} packing slip(s)")


@top.command("return-slip")
@output_options(json="Print the return slip: return, order, file.")
def return_slip(
    ctx: typer.Context,
    output: Output,
    return_number: Annotated[int, typer.Argument(metavar="RETURN", show_default=False, parser=read_return,
                                                 help="The return's number (ordercli returns lists them).")],
    out: Out = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """Render a return slip: what comes back, from whom, to whom and why, with the return's barcode.

    The customer packs it with the goods; goods-in scans RMA-N and receives the return.

    \b
    Examples:
      ordercli return-slip 7 --out slips/
      ordercli return-slip 7 --print
    """
    from ordercli.documents.render import render_return_slip
    from ordercli.services.documents import return_slip as find
    from ordercli.services.profile import get_profile

    state = app_context(ctx)
    db = state.database()
    dest = _destination(out, 1, print_it=print_it, printer=printer)
    _stdout_free(dest, output)
    slip = find(db, return_number)
    named = [(f"return-slip-{slip.return_number}", render_return_slip(slip, fallback_font=_fallback(get_profile(db))))]
    where = _deliver(state, dest, named, lambda: named[0][1], print_it=print_it, printer=printer,
                     title=f"return slip {slip.return_number}")
    if not _pdf_on_stdout(dest):
        output.emit((slip, where.get(named[0][0], "")), shape=shapes.return_slip,
                    table=lambda data: RETURN_SLIPS([data]))
    state.say(f"return slip of return {slip.return_number}")


RETURN_SLIPS = Table((number("Return"), number("Order"), key("Kind"), number("Units"), text("File")),
                     lambda rows: ((s.return_number, s.order_number, s.kind, sum(line.quantity for line in s.lines),
                                    _near(f)) for s, f in rows))


def _joined(pdfs: list[bytes]) -> bytes:
    from ordercli.documents.render import join_pdfs

    return join_pdfs(pdfs)


SLIPS = Table((number("Shipment"), number("Order"), key("Method"), number("Units"), text("File")),
              lambda rows: ((s.shipment_number, s.order_number, s.method, sum(line.quantity for line in s.lines),
                             _near(f)) for s, f in rows))


@top.command("label")
@output_options(json="Print the label: shipment, order, parcels, file.")
def label(
    ctx: typer.Context,
    output: Output,
    shipment: Annotated[int, typer.Argument(metavar="SHIPMENT", parser=read_shipment,
                                            help="The shipment to label.")],
    size: Annotated[values.LabelSize | None, typer.Option(
        "--size", metavar="SIZE", show_default=False, case_sensitive=False,
        help="4x6 (inches) or a6 (default: the profile's, 4x6).")] = None,
    out: Out = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """Render a shipping label: sender, recipient, a barcode of the tracking (or shipment) number.

    One page per parcel, 4x6 in or A6, for parcels handed to carriers without an API.

    \b
    Examples:
      ordercli label 17 --out labels/
      ordercli label 17 --size a6 --print --printer zebra
    """
    from ordercli.documents.render import render_label
    from ordercli.services.documents import shipping_label
    from ordercli.services.profile import get_profile

    state = app_context(ctx)
    db = state.database()
    dest = _destination(out, 1, print_it=print_it, printer=printer)
    _stdout_free(dest, output)
    doc = shipping_label(db, shipment, size=size.value if size else None)
    pdf = render_label(doc, fallback_font=_fallback(get_profile(db)))
    name = f"label-{doc.shipment_number}"
    where = _deliver(state, dest, [(name, pdf)], lambda: pdf, print_it=print_it, printer=printer,
                     title=f"label of shipment {doc.shipment_number}")
    if not _pdf_on_stdout(dest):
        output.emit((doc, where.get(name)), shape=shapes.label, table=None)
    state.say(f"label of shipment {doc.shipment_number}: {doc.parcels} parcel(s)"
              + (f", {where[name]}" if name in where else ""))


# -- pick-list -------------------------------------------------------------------------------------

def _pick_rows(doc):
    for group in doc.groups:
        for item in group.items:
            yield (group.location, item.sku, item.quantity, item.description,
                   ", ".join(f"{p.order_number} ×{p.quantity}" for p in item.orders))


PICKS = Table((key("Location"), key("SKU"), number("Qty"), text("Description"), text("Orders")), _pick_rows,
              drop=("Description",), empty="nothing to pick: no order in the selection holds stock to ship")


@top.command("pick-list")
@output_options(json="Print the pick list: per location, per SKU, the orders (docs/json.md).")
def pick_list(
    ctx: typer.Context,
    output: Output,
    at: Annotated[str | None, typer.Option(
        "--at", metavar="LOCATION", show_default=False, help="Only what to take from this location.")] = None,
    status: Annotated[list[Status] | None, typer.Option(
        "--status", metavar="STATUS", show_default=False, case_sensitive=False,
        help="Orders in this status (repeat for more; default: ready_to_ship).")] = None,
    orders: Annotated[list[int] | None, typer.Option(
        "--order", metavar="ORDER", show_default=False, parser=values.read_order_number_arg,
        help="Only these orders (repeat).")] = None,
    pdf: Annotated[str | None, typer.Option(
        "--pdf", metavar="FILE|DIR|-", show_default=False, help="Also render the pick list as a PDF there.")] = None,
    print_it: PrintIt = False,
    printer: Printer = None,
) -> None:
    """What to take from where for the orders to ship: per location, summed per SKU.

    Each quantity says which orders it is for. Only units the orders hold (promised stock)
    not yet in a shipment are listed. As a table, --json, or a PDF to tick off (--pdf).

    \b
    Examples:
      ordercli pick-list
      ordercli pick-list --at main --pdf pick.pdf
      ordercli pick-list --status ready_to_ship --status partially_shipped --json
    """
    from ordercli.services.documents import pick_list as make

    state = app_context(ctx)
    db = state.database()
    dest = _destination(pdf, 1, print_it=print_it, printer=printer, option="--pdf") if pdf is not None or print_it \
        else None
    _stdout_free(dest, output, "--pdf")
    doc = make(db, statuses=[s.value for s in status] if status else ["ready_to_ship"], at=at, orders=orders, now=state.stamp("pick-list").at)
    if dest is not None or print_it:
        from ordercli.documents.render import render_pick_list
        from ordercli.services.profile import get_profile

        data = render_pick_list(doc, fallback_font=_fallback(get_profile(db)))
        where = _deliver(state, dest, [("pick-list", data)], lambda: data, print_it=print_it, printer=printer,
                         title="pick list")
        if "pick-list" in where and where["pick-list"] != "-":
            state.say(f"pick list written to {where['pick-list']}")
    if not _pdf_on_stdout(dest):
        output.emit(doc, shape=shapes.pick_list, table=PICKS if doc.groups else None)
    if not doc.groups:
        state.say(PICKS.empty)


# -- profile ---------------------------------------------------------------------------------------

def _opt(flag: str, help_: str, metavar: str = "TEXT"):
    return typer.Option(flag, metavar=metavar, show_default=False, help=help_)


@profile_app.command("set")
@output_options(json="Print the profile.")
def profile_set(
    ctx: typer.Context,
    output: Output,
    name: Annotated[str | None, _opt("--name", "The seller's (legal) name.")] = None,
    address: Annotated[str | None, _opt("--address", "Street and number.")] = None,
    address2: Annotated[str | None, _opt("--address2", "A second address line.")] = None,
    city: Annotated[str | None, _opt("--city", "City.")] = None,
    region: Annotated[str | None, _opt("--region", "Region or state.")] = None,
    postal_code: Annotated[str | None, _opt("--postal-code", "Postal code.")] = None,
    country: Annotated[str | None, _opt("--country", "Country (ISO code such as DE, or its name).", "CODE")] = None,
    tax_id: Annotated[str | None, _opt("--tax-id", "Tax or VAT id (needed when an invoice charges tax).")] = None,
    email: Annotated[str | None, _opt("--email", "Email printed on documents.")] = None,
    phone: Annotated[str | None, _opt("--phone", "Phone printed on documents.")] = None,
    bank: Annotated[str | None, _opt("--bank", "Bank details as printed (IBAN, BIC); \\n for a new line.")] = None,
    logo: Annotated[Path | None, _opt("--logo", "A PNG, JPEG or SVG file for the documents' header.", "FILE")] = None,
    no_logo: Annotated[bool, typer.Option("--no-logo", help="Remove the logo.")] = False,
    invoice_prefix: Annotated[str | None, _opt("--invoice-prefix", "Invoice numbers start with it (INV-).")] = None,
    credit_prefix: Annotated[str | None, _opt("--credit-prefix", "Credit note numbers start with it (CN-).")] = None,
    yearly_reset: Annotated[bool | None, typer.Option(
        "--yearly-reset/--no-yearly-reset", show_default=False,
        help="Numbers carry the year and start at 1 each year (default), or run on forever.")] = None,
    padding: Annotated[int | None, typer.Option(
        "--padding", metavar="N", show_default=False, help="Digits of the sequence, zero-padded (6).")] = None,
    locale: Annotated[str | None, _opt("--locale", "Money and dates on documents: en_US, de_DE, fr_FR ...",
                                       "LOCALE")] = None,
    payment_terms: Annotated[str | None, _opt("--payment-terms", "Printed on invoices.")] = None,
    payment_days: Annotated[int | None, typer.Option(
        "--payment-days", metavar="DAYS", show_default=False, help="Invoices are due this many days after issue.")] = None,
    footer: Annotated[str | None, _opt("--footer", "Printed at the foot of every document.")] = None,
    invoice_policy: Annotated[values.InvoicePolicy | None, typer.Option(
        "--invoice-policy", metavar="POLICY", show_default=False, case_sensitive=False,
        help="fulfilled: invoice what was handed over (default); ordered: what was ordered (shops paid up front).")] = None,
    fallback_font: Annotated[str | None, _opt(
        "--fallback-font", "A TTF/OTF file for scripts Noto Sans lacks (CJK, Arabic, Hebrew); '' clears.",
        "FILE")] = None,
    label_size: Annotated[values.LabelSize | None, typer.Option(
        "--label-size", metavar="SIZE", show_default=False, case_sensitive=False,
        help="Default size of shipping labels: 4x6 (inches) or a6.")] = None,
    return_days: Annotated[int | None, typer.Option(
        "--return-days", metavar="DAYS", show_default=False,
        help="Returns are accepted this many days after delivery (30); `return --force` overrides it.")] = None,
    no_return_limit: Annotated[bool, typer.Option(
        "--no-return-limit", help="Returns are accepted any time after delivery.")] = False,
) -> None:
    """Set the seller's details and how documents are numbered and made.

    Only the options given change; an empty value ('') clears a text. Issued invoices keep
    the details they were issued with.

    \b
    Examples:
      ordercli profile set --name "Northwind Traders GmbH" \\
        --address "Obere Str. 57" --postal-code 12209 --city Berlin \\
        --country DE --tax-id DE123456789
      ordercli profile set --logo logo.png --locale de_DE --payment-days 14
    """
    from ordercli.services.profile import read_logo, set_profile

    if logo is not None and no_logo:
        raise fail("give --logo or --no-logo, not both", EXIT_USAGE)
    given = {"name": name, "line1": address, "line2": address2, "city": city, "region": region,
             "postal_code": postal_code, "country": country, "tax_id": tax_id, "email": email, "phone": phone,
             "bank": bank.replace("\\n", "\n") if bank is not None else None,
             "invoice_prefix": invoice_prefix, "credit_prefix": credit_prefix, "yearly_reset": yearly_reset,
             "number_padding": padding, "locale": locale, "payment_terms": payment_terms,
             "payment_days": payment_days, "footer": footer, "invoice_policy": invoice_policy,
             "fallback_font": fallback_font, "label_size": label_size, "return_days": return_days}
    if no_return_limit:
        if return_days is not None:
            raise fail("give --return-days or --no-return-limit, not both", EXIT_USAGE)
        given["return_days"] = "none"
    changes = {k: getattr(v, "value", v) for k, v in given.items() if v is not None}
    if not changes and logo is None and not no_logo:
        raise fail("give at least one option to set", EXIT_USAGE)
    state = app_context(ctx)
    logo_data = read_logo(logo) if logo is not None else None
    view = set_profile(state.database(), changes, state.stamp("profile set"), logo=logo_data, clear_logo=no_logo)
    output.emit(view, shape=shapes.profile, table=_print_profile)
    state.say("profile saved")


@profile_app.command("show")
@output_options(json="Print the profile.")
def profile_show(ctx: typer.Context, output: Output) -> None:
    """Show the seller's details and the numbering, and what an invoice still lacks.

    \b
    Example:
      ordercli profile show
    """
    from ordercli.services.profile import show_profile

    state = app_context(ctx)
    view = show_profile(state.database(), state.stamp("profile show").at)
    output.emit(view, shape=shapes.profile, table=_print_profile)
    missing = view.profile.missing_for_invoice(charges_tax=True)
    if missing:
        state.say("an invoice that charges tax still needs " + ", ".join(what for what, _ in missing))


def _print_profile(view) -> None:
    from ordercli.cli.output import print_facts
    from ordercli.documents.addresses import address_lines

    p = view.profile
    print_facts([
        ("Name", p.name or "(not set)"),
        ("Address", " / ".join(address_lines(p.line1, p.line2, p.city, p.region, p.postal_code, p.country))
         or "(not set)"),
        ("Tax id", p.tax_id or ""),
        ("Email", p.email or ""),
        ("Phone", p.phone or ""),
        ("Bank", (p.bank or "").replace("\n", " / ")),
        ("Logo", "set" if p.logo_sha256 else ""),
        ("Next invoice", view.next_invoice),
        ("Next credit note", view.next_credit_note),
        ("Locale", p.locale),
        ("Payment terms", p.payment_terms or ""),
        ("Payment days", "" if p.payment_days is None else str(p.payment_days)),
        ("Footer", (p.footer or "").replace("\n", " / ")),
        ("Invoice policy", p.invoice_policy),
        ("Fallback font", p.fallback_font or ""),
        ("Label size", p.label_size),
        ("Return window", "no limit" if p.return_days is None else f"{p.return_days} days after delivery"),
    ])
