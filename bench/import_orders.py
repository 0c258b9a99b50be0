"""`ordercli import` of 100,000 orders (3 lines each), timed as a whole process, with its peak memory.

The file is what a shop moving to ordercli brings: 40,000 customers (a third give a phone),
500 catalogue products (with stock), 82 % of the orders closed (a shipment each, fulfilled
two days after they were placed), 6 % canceled, 2 % returned and 10 % open (their stock is
promised); channels web, marketplace, phone (no reference: `order N`) and store; a shipping
charge on most, a line discount on some, a promo code on 5 % (shared over the lines). It is
written in ordercli's layout (CSV) and as Shopify's orders_export.csv, and each is imported by
one `ordercli import` process into a new database that has only the catalogue.

Target (issue: import): at most 15 s on SQLite, whole process. PostgreSQL is measured beside it.
Each import runs --repeat times (a new database each time); the medians are compared with the
target, and the load average before each run is printed (the machine may be busy with other work).
Usage: python bench/import_orders.py [--orders 100000] [--repeat 3] [--postgresql URL | --sqlite-only]
(the PostgreSQL URL defaults to ORDERCLI_TEST_POSTGRES_URL; its schema is dropped at the end)
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scratch import postgresql_schema, sqlite_file  # noqa: E402
from seed import seed_catalogue  # noqa: E402

TARGET_SQLITE = 15.0
LINES = 3
PRODUCTS = 500
ENV = {**os.environ, "NO_COLOR": "1"}
COUNTRIES = [("DE", "Berlin", "10115", "+49 30 {:07d}"), ("FR", "Lyon", "69002", "+33 4 72 {:06d}"),
             ("AT", "Wien", "1010", "+43 1 {:07d}"), ("NL", "Utrecht", "3511", "+31 30 {:07d}"),
             ("ES", "Madrid", "28023", "+34 91 {:07d}")]
STREETS = ["Obere Str.", "Rue Royale", "Hauptstraße", "Kerkstraat", "Calle Mayor", "Marktplatz", "Avenue Foch"]
NAMES = ["Maria Anders", "Ana Trujillo", "Thomas Hardy", "Christina Berglund", "Hanna Moos", "Frédérique Citeaux",
         "Martín Sommer", "Laurence Lebihan", "Elizabeth Lincoln", "Victoria Ashworth", "Patricio Simpson",
         "Francisco Chang", "Yang Wang", "Pedro Afonso", "Elizabeth Brown", "Sven Ottlieb", "Janine Labrune",
         "Ann Devon", "Roland Mendel", "Aria Cruz", "Diego Roel", "Martine Rancé", "Maria Larsson", "Peter Franken"]


def money(minor: int) -> str:
    return f"{Decimal(minor) / 100:.2f}"


def generate(count: int, products: list[tuple[int, str]], seed: int = 7) -> list[dict]:
    """The orders of the bench file, each priced by ordercli's own rule (so every total adds up)."""
    import phonenumbers

    from ordercli.domain.pricing import Discount, LineTerms, Shipping, price_order

    rng = random.Random(seed)
    customers = []
    for i in range(40_000):
        country, city, postal, phone_form = COUNTRIES[i % len(COUNTRIES)]
        phone = None
        if i % 3 == 0:
            text = phone_form.format(1_000_000 + i)
            parsed = phonenumbers.parse(text, country)
            phone = text if phonenumbers.is_valid_number(parsed) else None
        customers.append((f"{NAMES[i % len(NAMES)]}", f"customer{i}@example.com", phone,
                          (f"{STREETS[i % len(STREETS)]} {1 + i % 180}", city, postal, country)))
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    orders = []
    for n in range(1, count + 1):
        name, email, phone, (street, city, postal, country) = customers[rng.randrange(len(customers))]
        roll = rng.random()
        status = "closed" if roll < 0.82 else "canceled" if roll < 0.88 else "returned" if roll < 0.90 else "open"
        channel = ("web", "marketplace", "phone", "store")[rng.choices(range(4), (60, 25, 10, 5))[0]]
        ref = {"web": f"W-{n}", "marketplace": f"302-{n:07d}-{rng.randrange(10**7):07d}", "phone": "",
               "store": f"S-{n}"}[channel]
        placed = start + timedelta(minutes=7 * n)
        lines = []
        for k in range(LINES):
            product = products[(n * LINES + k) % len(products)]
            rate = 700 if k == 2 else 1900
            price = 490 + int(product[1][-3:]) % 40 * 50  # the catalogue's price of the SKU
            quantity = 1 + (n + k) % 3
            discount = 200 if rng.random() < 0.1 else None
            lines.append((product[1], f"Bench item {product[1][-3:]}", quantity, price, discount, rate))
        promo = "SPRING10" if rng.random() < 0.05 else ""
        shipping = 490 if rng.random() < 0.7 else 0
        pricing = price_order([LineTerms(q, p, r, Discount(amount_minor=d) if d else None) for _, _, q, p, d, r in lines],
                              Discount(percent_bp=1000) if promo else None, Shipping(shipping, 1900 if shipping else 0))
        orders.append({"n": n, "status": status, "channel": channel, "ref": ref, "placed": placed,
                       "fulfilled": placed + timedelta(days=2) if status in ("closed", "returned") else None,
                       "name": name, "email": email, "phone": phone or "", "street": street, "city": city,
                       "postal": postal, "country": country, "promo": promo, "shipping": shipping,
                       "lines": lines, "pricing": pricing})
    return orders


def write_ordercli(orders: list[dict], path: Path) -> None:
    from ordercli.io.export_formats import LINES as COLUMNS

    iso = "%Y-%m-%dT%H:%M:%SZ"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS + ("fulfilled_at",))
        for o in orders:
            p = o["pricing"]
            head = [o["n"], o["channel"], o["ref"], o["status"], o["placed"].strftime(iso),
                    (o["fulfilled"] or o["placed"]).strftime(iso), "EUR", o["name"], o["email"], o["phone"],
                    "", o["street"], "", o["city"], "", o["postal"], o["country"],
                    "", o["street"], "", o["city"], "", o["postal"], o["country"], o["promo"], "",
                    money(p.subtotal_minor), money(p.discount_minor), money(p.shipping_minor),
                    "19" if o["shipping"] else "0", money(p.shipping_tax_minor), money(p.tax_minor),
                    money(p.total_minor)]
            shipped_all = o["status"] in ("closed", "returned")
            for k, ((sku, description, quantity, price, _, rate), line) in enumerate(zip(o["lines"], p.lines), 1):
                writer.writerow(head + [k, sku, description, "physical", "ship", quantity, money(price),
                                        money(line.discount_minor), money(line.order_discount_minor), rate // 100,
                                        money(line.net_minor), money(line.tax_minor),
                                        money(line.net_minor + line.tax_minor), quantity if shipped_all else 0,
                                        o["fulfilled"].strftime(iso) if o["fulfilled"] else ""])


def write_shopify(orders: list[dict], path: Path) -> None:
    """The same orders as Shopify writes them (a single tax rate, 19 %, so that Shopify's one
    tax line states the rate of every line)."""
    from ordercli.domain.pricing import Discount, LineTerms, Shipping, price_order
    from ordercli.io.export_formats import SHOPIFY

    index = {name: i for i, name in enumerate(SHOPIFY)}
    shopify_time = "%Y-%m-%d %H:%M:%S +0000"
    states = {"closed": ("paid", "fulfilled"), "canceled": ("voided", "unfulfilled"),
              "returned": ("refunded", "fulfilled"), "open": ("paid", "unfulfilled")}
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(SHOPIFY)
        for o in orders:
            lines = o["lines"]
            p = price_order([LineTerms(q, pr, 1900, Discount(amount_minor=d) if d else None) for _, _, q, pr, d, _ in lines],
                            Discount(percent_bp=1000) if o["promo"] else None, Shipping(o["shipping"], 1900))
            financial, fulfillment = states[o["status"]]
            for k, ((sku, description, quantity, price, _, _), line) in enumerate(zip(lines, p.lines)):
                row = [""] * len(SHOPIFY)

                def put(column: str, value) -> None:
                    row[index[column]] = value

                put("Name", f"#{1000 + o['n']}")
                put("Email", o["email"])
                put("Lineitem quantity", quantity)
                put("Lineitem name", description)
                put("Lineitem price", money(price))
                put("Lineitem sku", sku)
                put("Lineitem requires shipping", "true")
                put("Lineitem taxable", "true")
                put("Lineitem fulfillment status", "fulfilled" if fulfillment == "fulfilled" else "pending")
                put("Lineitem discount", money(line.discount_minor + line.order_discount_minor))
                if k == 0:
                    put("Financial Status", financial)
                    put("Fulfillment Status", fulfillment)
                    if o["fulfilled"]:
                        put("Fulfilled at", o["fulfilled"].strftime(shopify_time))
                    put("Paid at", o["placed"].strftime(shopify_time))
                    put("Accepts Marketing", "no")
                    put("Currency", "EUR")
                    put("Subtotal", money(p.subtotal_minor - p.discount_minor))
                    put("Shipping", money(p.shipping_minor))
                    put("Taxes", money(p.tax_minor))
                    put("Total", money(p.total_minor))
                    put("Discount Code", o["promo"])
                    put("Discount Amount", money(sum(l.discount_minor + l.order_discount_minor for l in p.lines)))
                    put("Shipping Method", "Standard" if o["shipping"] else "")
                    put("Created at", o["placed"].strftime(shopify_time))
                    for where in ("Billing", "Shipping"):
                        put(f"{where} Name", o["name"])
                        put(f"{where} Street", o["street"])
                        put(f"{where} Address1", o["street"])
                        put(f"{where} City", o["city"])
                        put(f"{where} Zip", "'" + o["postal"])
                        put(f"{where} Country", o["country"])
                        put(f"{where} Phone", o["phone"])
                    if o["status"] == "canceled":
                        put("Cancelled at", (o["placed"] + timedelta(hours=3)).strftime(shopify_time))
                    put("Payment Method", "Shopify Payments")
                    put("Refunded Amount", money(p.total_minor) if o["status"] == "returned" else "0.00")
                    put("Outstanding Balance", "0.00")
                    put("Id", str(5_000_000_000 + o["n"]))
                    put("Risk Level", "Low")
                    put("Source", "web")
                    put("Tax 1 Name", "VAT 19%")
                    put("Tax 1 Value", money(p.tax_minor))
                    put("Phone", o["phone"])
                writer.writerow(row)


def run_import(target: str, path: Path, fmt: str) -> tuple[float, int, str]:
    """One `ordercli import` process: (seconds, its peak resident memory in KiB, its last line on
    stderr). The peak is the process's own (the rusage of waiting for it: children maxrss)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile(mode="w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", target, "import", str(path),
                                 "--format", fmt], stdout=out, stderr=err, env=ENV)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        said = err.read()
    if proc.returncode != 0:
        sys.exit(f"ordercli import --format {fmt} failed ({proc.returncode}): {said[-3000:]}")
    return elapsed, usage.ru_maxrss, said.strip().splitlines()[-1]


def prepare(target: str, count: int) -> None:
    from ordercli.db.engine import Database

    database = Database(target)
    database.ensure_schema()
    seed_catalogue(database, PRODUCTS, units=count, now=datetime.now(timezone.utc))
    database.dispose()


def load() -> str:
    """The system's load average over the last minute (other work on the machine slows a run)."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def write_files(folder: Path, count: int) -> None:
    """The bench's two files of `count` orders, in `folder` (run in a process of its own)."""
    orders = generate(count, [(i, f"BENCH-{i:05d}") for i in range(PRODUCTS)])
    write_ordercli(orders, folder / "orders.csv")
    write_shopify(orders, folder / "orders_export.csv")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each import (the median is compared)")
    parser.add_argument("--postgresql", default=os.environ.get("ORDERCLI_TEST_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--write", metavar="FOLDER", help=argparse.SUPPRESS)  # the files only (see below)
    parser.add_argument("--prepare", metavar="TARGET", help=argparse.SUPPRESS)  # the catalogue only
    args = parser.parse_args()
    if args.write:
        write_files(Path(args.write), args.orders)
        return
    if args.prepare:
        prepare(args.prepare, args.orders)
        return
    folder = Path(tempfile.mkdtemp(prefix="ordercli-import-bench-"))
    started = time.perf_counter()
    # Files and databases are made by other processes: an import's peak memory (the maxrss of
    # waiting for it) counts the pages of the process it was forked from, so this one stays small.
    subprocess.run([sys.executable, __file__, "--write", str(folder), "--orders", str(args.orders)], check=True)
    files = {"ordercli": folder / "orders.csv", "shopify": folder / "orders_export.csv"}
    sizes = ", ".join(f"{p.name} {p.stat().st_size / 2**20:.0f} MiB" for p in files.values())
    print(f"wrote {args.orders:,} orders x {LINES} lines in {time.perf_counter() - started:.1f} s ({sizes}); "
          f"{os.cpu_count()} processors")
    backends = ["sqlite"] + (["postgresql"] if args.postgresql and not args.sqlite_only else [])
    figures: dict[tuple[str, str], list[tuple[float, int]]] = {}
    for backend in backends:
        for fmt, path in files.items():
            for _ in range(args.repeat):
                with (postgresql_schema(args.postgresql) if backend == "postgresql" else nullcontext(None)) as url:
                    target = url or sqlite_file()
                    subprocess.run([sys.executable, __file__, "--prepare", target, "--orders", str(args.orders)],
                                   check=True)
                    before = load()
                    try:
                        elapsed, peak, said = run_import(target, path, fmt)
                    finally:
                        if url is None:  # the new SQLite file's folder, made for this run
                            shutil.rmtree(Path(target).parent, ignore_errors=True)
                    figures.setdefault((backend, fmt), []).append((elapsed, peak))
                    print(f"ordercli import --format {fmt:<8} {backend:<10} {elapsed:6.2f} s whole process, "
                          f"peak {peak / 1024:,.0f} MiB, load {before}  [{said}]", flush=True)
    print()
    print(f"{'format':<10}{'SQLite':>10}{'PostgreSQL':>12}   medians of {args.repeat}; "
          f"target (SQLite): at most {TARGET_SQLITE:.0f} s")
    for fmt in files:
        sqlite = statistics.median(e for e, _ in figures[("sqlite", fmt)])
        pg = figures.get(("postgresql", fmt))
        pg_text = f"{statistics.median(e for e, _ in pg):>11.2f}s" if pg else "           -"
        print(f"{fmt:<10}{sqlite:>9.2f}s{pg_text}   {'met' if sqlite <= TARGET_SQLITE else 'MISSED'} "
              f"(SQLite fastest {min(e for e, _ in figures[('sqlite', fmt)]):.2f} s)")
    print("peak resident memory of the import process (children maxrss): "
          + ", ".join(f"{b} {f} {max(m for _, m in runs) / 1024:,.0f} MiB" for (b, f), runs in figures.items()))
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
