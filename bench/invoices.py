"""Invoice PDFs: a bare fpdf2 script against ordercli's renderer, side by side in one run.

(a) bare fpdf2: each invoice a new FPDF with Noto Sans (regular from the variable file, bold
    from ordercli's cached static file): per invoice, and that extrapolated to 1,000;
(b) the same with the bold instanced from the variable font each time (the cost trap);
(c) ordercli's render_invoices for 1,000 realistic invoices (5 lines, Latin, Greek and
    Cyrillic names), one PDF each, and then writing them to files in a temporary directory;
(d) render_invoice of one invoice in a fresh process: whole-process wall time (start-up,
    imports, fonts, layout), against `python -c pass`; and what making the static bold costs
    the one time it is made.

Target (issue: documents): 1,000 invoices, one file each, well under 20 s on 2 cores.
Usage: python bench/invoices.py [--bare 30] [--instanced 3] [--invoices 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

FIRST_NAMES = ["Łukasz", "Zofia", "Γιώργος", "Ελένη", "Дмитрий", "Анна", "Jürgen", "Søren", "Élodie", "María"]
LAST_NAMES = ["Żółć", "Wiśniewska", "Παπαδόπουλος", "Οικονόμου", "Иванов", "Смирнова", "Müller", "Ørsted",
              "Lefèvre", "Núñez"]
STREETS = [("ul. Długa 12", "00-238 Warszawa", "Poland"), ("Οδός Ερμού 25", "105 63 Αθήνα", "Greece"),
           ("ул. Тверская 7", "125009 Москва", "Russia"), ("Obere Str. 57", "12209 Berlin", "Germany")]
PRODUCTS = [("MUG-01", "Stoneware mug, blue glaze, 350 ml", 1250), ("TEA-07", "Organic green tea, 100 g", 899),
            ("KET-2", "Kettle, stainless steel, 1.7 l", 4990), ("CUP-12", "Espresso cups, set of 6", 2450),
            ("SPN-5", "Teaspoons (ΚΟΥΤΑΛΙΑ), set of 12", 1590), ("BAG-3", "Льняная сумка, natural", 1900),
            ("FLT-9", "Reusable tea filter", 650)]


def realistic_invoices(count: int, seed: int = 7) -> list:
    """`count` invoices of 5 lines each from one seller, buyers with mixed-script names."""
    from ordercli.documents.model import DocLine, InvoiceDoc, Party, Seller, TaxRow

    pick = random.Random(seed)
    seller = Seller(name="Kowalski & Partner Sp. z o.o.", lines=("ul. Długa 12", "00-238 Warszawa", "Poland"),
                    tax_id="PL5260001246", email="faktury@kowalski.example", phone="+48 22 123 45 67",
                    bank="IBAN PL61 1090 1014 0000 0712 1981 2874\nBIC WBKPPLPP")
    issued = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    invoices = []
    for index in range(count):
        lines = []
        for sku, description, price in pick.sample(PRODUCTS, 5):
            quantity = pick.randint(1, 4)
            discount = pick.choice([0, 0, 0, 100, 250])
            net = quantity * price - discount
            lines.append(DocLine(sku, description, quantity, price, discount, 2300, net, round(net * 0.23)))
        name = f"{pick.choice(FIRST_NAMES)} {pick.choice(LAST_NAMES)}"
        street = pick.choice(STREETS)
        buyer = Party(name=name, lines=street)
        subtotal = sum(item.net_minor for item in lines)
        tax = sum(item.tax_minor for item in lines) + 113
        number = f"INV-2026-{index + 1:06d}"
        invoices.append(InvoiceDoc(
            kind="invoice", number=number, issued_at=issued + timedelta(minutes=index), order_number=1000 + index,
            order_placed_at=issued - timedelta(days=2), method="ship", title=f"Invoice {number}", currency="EUR",
            locale="de_DE", seller=seller, billing=buyer, shipping=buyer, lines=tuple(lines), shipping_minor=490,
            shipping_tax_rate_bp=2300, shipping_tax_minor=113, subtotal_minor=subtotal,
            discount_minor=sum(item.discount_minor for item in lines), tax_minor=tax,
            total_minor=subtotal + 490 + tax, taxes=(TaxRow(2300, subtotal + 490, tax),),
            payment_terms="Payable within 14 days by bank transfer.", due_date=date(2026, 3, 15)))
    return invoices


def bare_invoice(doc, regular: Path, bold: Path | None) -> bytes:
    """A simple invoice (header, addresses, 5-line table, totals) as a new FPDF: what a short
    script does. `bold=None` instances the bold from the variable font, as fpdf2 allows."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(doc.issued_at)
    pdf.add_font("Noto", "", str(regular))
    if bold is None:
        pdf.add_font("Noto", "B", str(regular), variations={"wght": 700})
    else:
        pdf.add_font("Noto", "B", str(bold))
    pdf.add_page()
    pdf.set_font("Noto", "B", 16)
    pdf.cell(0, 10, doc.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "", 10)
    for text in (doc.seller.name, *doc.seller.lines, "", doc.billing.name, *doc.billing.lines, ""):
        pdf.cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Noto", "B", 9)
    for heading, width in (("SKU", 25), ("Description", 85), ("Qty", 15), ("Price", 30), ("Total", 30)):
        pdf.cell(width, 7, heading, border="B")
    pdf.ln()
    pdf.set_font("Noto", "", 9)
    for item in doc.lines:
        for text, width in ((item.sku, 25), (item.description, 85), (str(item.quantity), 15),
                            (f"{item.unit_price_minor / 100:.2f}", 30), (f"{item.net_minor / 100:.2f}", 30)):
            pdf.cell(width, 6, text)
        pdf.ln()
    pdf.set_font("Noto", "B", 11)
    pdf.cell(155, 8, "Total", align="R")
    pdf.cell(30, 8, f"{doc.total_minor / 100:.2f} {doc.currency}", align="R")
    return bytes(pdf.output())


def per_invoice(docs, render) -> float:
    start = time.perf_counter()
    for doc in docs:
        render(doc)
    return (time.perf_counter() - start) / len(docs)


def fresh_process(code: str, runs: int) -> float:
    """The median whole-process seconds of `python -c code` (one warm-up run first)."""
    command = [sys.executable, "-c", code]
    subprocess.run(command, check=True, capture_output=True)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bare", type=int, default=30, help="invoices for (a)")
    parser.add_argument("--instanced", type=int, default=3, help="invoices for (b)")
    parser.add_argument("--invoices", type=int, default=1000, help="invoices for (c)")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes for (d), median")
    args = parser.parse_args()

    from ordercli.documents import fonts
    from ordercli.documents.render import render_invoices

    start = time.perf_counter()
    bold = fonts.warm_fonts()
    print(f"static bold: {bold} ({time.perf_counter() - start:.2f} s to find or make)")
    start = time.perf_counter()
    fonts.instance_bold()
    making = time.perf_counter() - start
    regular = fonts.variable_path()  # the reference: the font as the package ships it
    docs = realistic_invoices(max(args.invoices, args.bare, args.instanced))
    print(f"{os.cpu_count()} cores, Python {sys.version.split()[0]}; realistic invoices: 5 lines, mixed scripts\n")

    bare = per_invoice(docs[:args.bare], lambda doc: bare_invoice(doc, regular, bold))
    instanced = per_invoice(docs[:args.instanced], lambda doc: bare_invoice(doc, regular, None))

    batch = docs[:args.invoices]
    start = time.perf_counter()
    files = render_invoices(batch)
    rendered = time.perf_counter() - start
    with tempfile.TemporaryDirectory(prefix="ordercli-bench-") as folder:
        start = time.perf_counter()
        for doc, data in zip(batch, files):
            (Path(folder) / f"{doc.number}.pdf").write_bytes(data)
        written = time.perf_counter() - start
    size = sum(len(data) for data in files) / len(files)

    here = str(Path(__file__).resolve().parent)
    code = (f"import sys; sys.path.insert(0, {here!r}); from invoices import realistic_invoices; "
            "from ordercli.documents.render import render_invoice; render_invoice(realistic_invoices(1)[0])")
    one = fresh_process(code, args.runs)
    baseline = fresh_process("pass", args.runs)

    print(f"{'what':<66}{'per invoice':>14}{'for 1,000':>12}")
    print(f"{f'(a) bare fpdf2, new FPDF each, cached bold ({args.bare} invoices)':<66}"
          f"{bare * 1000:>11.0f} ms{bare * 1000:>10.1f} s")
    print(f"{f'(b) bare fpdf2, bold instanced each time ({args.instanced} invoices)':<66}"
          f"{instanced:>12.2f} s{instanced * 1000:>10.0f} s")
    print(f"{f'(c) ordercli render_invoices, one PDF each ({len(batch):,} invoices)':<66}"
          f"{rendered / len(batch) * 1000:>11.1f} ms{rendered / len(batch) * 1000:>10.1f} s")
    print(f"{'    ... and writing the files':<66}{written / len(batch) * 1000:>11.2f} ms"
          f"{written / len(batch) * 1000:>10.2f} s")
    print(f"{'(d) render_invoice in a fresh process, whole process':<66}{one * 1000:>11.0f} ms")
    print(f"{'    making the static bold (once, then cached)':<66}{making:>12.2f} s")
    print(f"{'    python -c pass':<66}{baseline * 1000:>11.0f} ms")
    print(f"\n(c) in all: {rendered:.2f} s to render and {written:.2f} s to write {len(files):,} files "
          f"({size / 1024:.0f} KiB each); target: well under 20 s")


if __name__ == "__main__":
    main()
