"""The company profile, logos, numbering series and issued invoices and credit notes."""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db import dialect
from ordercli.db.sql import execute, first, insert, rows, scalar

PROFILE_COLUMNS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "tax_id", "email", "phone",
                   "bank", "logo_sha256", "invoice_prefix", "credit_prefix", "yearly_reset", "number_padding",
                   "locale", "payment_terms", "payment_days", "footer", "invoice_policy", "fallback_font",
                   "label_size", "return_days", "updated_at", "updated_by")

INVOICE_COLUMNS = ("id", "kind", "number", "year", "seq", "order_id", "method", "title", "policy", "currency",
                   "locale", "issued_at", "issued_by", "seller", "billing", "ship_to", "shipping_minor",
                   "shipping_tax_rate_bp", "shipping_tax_minor", "subtotal_minor", "discount_minor", "tax_minor",
                   "total_minor", "promo_code", "payment_terms", "footer", "due_date", "credits_invoice_id",
                   "reason", "return_id")
LINE_COLUMNS = ("invoice_id", "position", "order_line_id", "credited_line_id", "sku", "description", "quantity",
                "unit_price_minor", "discount_minor", "tax_rate_bp", "net_minor", "tax_minor")


def profile(connection):
    """The profile row, or None before the first `profile set`."""
    return first(connection, f"SELECT {', '.join(PROFILE_COLUMNS)} FROM company_profile WHERE id = 1")


def save_profile(connection, values: dict) -> None:
    """Write the whole profile row (made on first use)."""
    columns = list(values)
    if scalar(connection, "SELECT count(*) FROM company_profile WHERE id = 1"):
        execute(connection, "UPDATE company_profile SET " + ", ".join(f"{c} = :{c}" for c in columns)
                + " WHERE id = 1", values)
    else:
        execute(connection, f"INSERT INTO company_profile (id, {', '.join(columns)}) "
                            f"VALUES (1, {', '.join(':' + c for c in columns)})", values)


def save_logo(connection, sha256: str, kind: str, data: bytes) -> None:
    """Store a logo once (logos are immutable: the same bytes are the same row)."""
    if not scalar(connection, "SELECT count(*) FROM document_logos WHERE sha256 = :sha", {"sha": sha256}):
        execute(connection, "INSERT INTO document_logos (sha256, kind, data) VALUES (:sha, :kind, :data)",
                {"sha": sha256, "kind": kind, "data": data})


def logo(connection, sha256: str):
    found = first(connection, "SELECT kind, data FROM document_logos WHERE sha256 = :sha", {"sha": sha256})
    return None if found is None else (found.kind, bytes(found.data))


def take_number(connection, kind: str, year: int) -> int:
    """The next number of a series, taken in the caller's transaction: the series row stays
    locked until it ends (PostgreSQL; SQLite holds its write lock), and a rollback gives the
    number back, so numbers are gapless."""
    execute(connection, "INSERT INTO document_series (kind, year, last_number) VALUES (:kind, :year, 0) "
                        "ON CONFLICT (kind, year) DO NOTHING", {"kind": kind, "year": year})
    execute(connection, "UPDATE document_series SET last_number = last_number + 1 WHERE kind = :kind AND year = :year",
            {"kind": kind, "year": year})
    return scalar(connection, "SELECT last_number FROM document_series WHERE kind = :kind AND year = :year",
                  {"kind": kind, "year": year})


def lock_series(connection, kind: str, year: int) -> None:
    """Take the series row's lock before reading what is invoiced: two issuers of one order
    then see each other's invoices (PostgreSQL; SQLite's write lock already serializes)."""
    execute(connection, "INSERT INTO document_series (kind, year, last_number) VALUES (:kind, :year, 0) "
                        "ON CONFLICT (kind, year) DO NOTHING", {"kind": kind, "year": year})
    dialect.lock_rows(connection, "SELECT kind FROM document_series WHERE kind = :kind AND year = :year",
                      {"kind": kind, "year": year})


def series_of_year(connection, year: int) -> list:
    """(kind, last_number) of the series of a year (0: numbers that never reset)."""
    return rows(connection, "SELECT kind, last_number FROM document_series WHERE year = :year", {"year": year})


def invoiced_in_batch(connection, batch: str, skip_statuses: list[str]) -> list:
    """(pos, number, status, numbers) of the batch's orders whose invoices, credit notes
    subtracted, still add up to something (`skip_statuses`: orders refused already)."""
    found = rows(connection, f"""
        SELECT b.pos, b.number, o.status FROM {batch} b CROSS JOIN orders o
        WHERE o.id = b.number AND o.status NOT IN :skip
          AND (SELECT COALESCE(SUM(i.total_minor), 0) FROM invoices i WHERE i.order_id = b.number) <> 0
        ORDER BY b.pos""", {"skip": skip_statuses or ["-"]})
    out = []
    for row in found:
        numbers = [r.number for r in rows(connection, "SELECT number FROM invoices WHERE order_id = :n AND kind = "
                                                      "'invoice' ORDER BY id", {"n": row.number})]
        out.append(_InvoicedRow(row.pos, row.number, row.status, ", ".join(numbers)))
    return out


@dataclass(frozen=True)
class _InvoicedRow:
    pos: int
    number: int
    status: str
    numbers: str


def numbers_starting(connection, prefix: str) -> list[str]:
    """Issued numbers that start with `prefix` (compared as text, not as a LIKE pattern)."""
    return [r.number for r in rows(connection, "SELECT number FROM invoices WHERE substr(number, 1, :n) = :prefix",
                                   {"n": len(prefix), "prefix": prefix})]


def insert_invoice(connection, values: dict) -> int:
    columns = [c for c in INVOICE_COLUMNS if c != "id"]
    return insert(connection, f"INSERT INTO invoices ({', '.join(columns)}) "
                              f"VALUES ({', '.join(':' + c for c in columns)})", values)


def insert_lines(connection, values: list[dict]) -> None:
    if values:
        execute(connection, f"INSERT INTO invoice_lines ({', '.join(LINE_COLUMNS)}) "
                            f"VALUES ({', '.join(':' + c for c in LINE_COLUMNS)})", values)


def invoices_of_orders(connection, numbers: list[int]) -> list:
    """Every invoice and credit note of these orders, in issue order."""
    return rows(connection, f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoices WHERE order_id IN :numbers "
                            "ORDER BY id", {"numbers": numbers})


def invoice_by_number(connection, number: str):
    return first(connection, f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoices WHERE number = :number",
                 {"number": number})


def invoices_by_id(connection, ids: list[int]) -> list:
    return rows(connection, f"SELECT {', '.join(INVOICE_COLUMNS)} FROM invoices WHERE id IN :ids ORDER BY id",
                {"ids": ids})


def lines_of_invoices(connection, ids: list[int]) -> list:
    return rows(connection, f"SELECT id, {', '.join(LINE_COLUMNS)} FROM invoice_lines WHERE invoice_id IN :ids "
                            "ORDER BY invoice_id, position", {"ids": ids})


def invoiced_per_line(connection, numbers: list[int], policy: str | None = None) -> list:
    """(order line, units, net, tax) invoiced so far, credit notes subtracted, for the lines of
    these orders; with `policy`, only invoices issued under it (and their credit notes)."""
    where = "" if policy is None else " AND COALESCE(orig.policy, i.policy) = :policy"
    return rows(connection, f"""
        SELECT il.order_line_id, SUM(il.quantity) AS units, SUM(il.net_minor) AS net, SUM(il.tax_minor) AS tax
        FROM invoices i JOIN invoice_lines il ON il.invoice_id = i.id
        LEFT JOIN invoices orig ON orig.id = i.credits_invoice_id
        WHERE i.order_id IN :numbers AND il.order_line_id IS NOT NULL{where}
        GROUP BY il.order_line_id""", {"numbers": numbers, "policy": policy})


def invoiced_shipping(connection, numbers: list[int]) -> list:
    """(order, shipping, shipping tax) invoiced so far, credit notes subtracted."""
    return rows(connection, "SELECT order_id, SUM(shipping_minor) AS net, SUM(shipping_tax_minor) AS tax "
                            "FROM invoices WHERE order_id IN :numbers GROUP BY order_id", {"numbers": numbers})


def credited_per_line(connection, invoice_id: int) -> list:
    """(invoice line, units, net, tax) that credit notes of an invoice have credited (positive)."""
    return rows(connection, """
        SELECT il.credited_line_id, -SUM(il.quantity) AS units, -SUM(il.net_minor) AS net, -SUM(il.tax_minor) AS tax
        FROM invoices c JOIN invoice_lines il ON il.invoice_id = c.id
        WHERE c.credits_invoice_id = :id AND il.credited_line_id IS NOT NULL
        GROUP BY il.credited_line_id""", {"id": invoice_id})


def credited_shipping(connection, invoice_id: int):
    return first(connection, "SELECT -COALESCE(SUM(shipping_minor), 0) AS net, -COALESCE(SUM(shipping_tax_minor), 0) AS tax "
                             "FROM invoices WHERE credits_invoice_id = :id", {"id": invoice_id})


def order_lines_for_billing(connection, numbers: list[int]) -> list:
    return rows(connection, """
        SELECT l.id, l.order_id, l.line_no, l.sku, l.description, l.quantity, l.unit_price_minor, l.net_minor,
               l.tax_minor, l.tax_rate_bp, l.delivery_method
        FROM order_lines l WHERE l.order_id IN :numbers ORDER BY l.order_id, l.line_no""", {"numbers": numbers})


def handed_over_per_line(connection, numbers: list[int]) -> list:
    """(order line, units) handed over by shipments that count, and service lines whose
    appointment is completed (all their units): what `fulfilled` invoices."""
    return rows(connection, """
        SELECT sl.order_line_id, SUM(sl.quantity) AS units
        FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id
        WHERE s.order_id IN :numbers AND s.deleted_at IS NULL AND s.stage IN ('handed_over', 'delivered')
          AND sl.order_line_id NOT IN (SELECT a.order_line_id FROM appointments a WHERE a.order_id IN :numbers
                                       AND a.stage = 'completed' AND a.order_line_id IS NOT NULL)
        GROUP BY sl.order_line_id
        UNION ALL
        SELECT l.id, l.quantity FROM order_lines l
        WHERE l.id IN (SELECT a.order_line_id FROM appointments a WHERE a.order_id IN :numbers
                       AND a.stage = 'completed')""", {"numbers": numbers})


def orders_for_billing(connection, numbers: list[int]) -> list:
    return rows(connection, """
        SELECT o.id, o.status, o.currency, o.placed_at, o.customer_name, o.customer_email, o.customer_phone,
               o.shipping_minor, o.shipping_tax_rate_bp, o.shipping_tax_minor, p.code AS promo_code,
               b.name AS b_name, b.line1 AS b_line1, b.line2 AS b_line2, b.city AS b_city, b.region AS b_region,
               b.postal_code AS b_postal_code, b.country AS b_country,
               s.name AS s_name, s.line1 AS s_line1, s.line2 AS s_line2, s.city AS s_city, s.region AS s_region,
               s.postal_code AS s_postal_code, s.country AS s_country
        FROM orders o JOIN addresses b ON b.id = o.billing_address_id JOIN addresses s ON s.id = o.shipping_address_id
        LEFT JOIN promo_codes p ON p.id = o.promo_code_id
        WHERE o.id IN :numbers ORDER BY o.id""", {"numbers": numbers})


def select_orders(connection, statuses: list[str], since) -> list[int]:
    """Orders in these statuses placed at or after `since` (None: any time), oldest first."""
    where = " AND placed_at >= :since" if since is not None else ""
    return [r.id for r in rows(connection, f"SELECT id FROM orders WHERE status IN :statuses{where} ORDER BY id",
                               {"statuses": statuses, "since": since})]
