"""The SQL of `ordercli export`: each layout as queries whose rows are finished CSV lines,
made by the database: money as plain decimals, times as UTC ISO 8601, rates as percents,
customer text guarded against spreadsheet formulas and quoted as RFC 4180 says. Rows then go
to the file as they come, without a Python object per cell (see bench/export.py).

The layouts are in ordercli.io.export_formats; the filters are a WHERE clause on `o`
(orders), made by ordercli.services.export.
"""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.sql import execute, first, rows, scalar
from ordercli.domain.money import currency_exponent


def csv_params(starts: tuple[str, ...], guard: str) -> dict:
    """What the cell SQL binds: the guard and the characters a formula starts with
    (ordercli.io.csv's rule), and the characters that make a cell need quotes, each as the
    pattern each backend matches ('-' last in a bracket class, where it stands for itself)."""
    dash = "-" if "-" in starts else ""
    chars = "".join(ch for ch in starts if ch != "-")
    if any(ch in "[]^\\*?-" for ch in chars + guard):
        raise ValueError("a formula character that is special in a bracket class")
    return {"guard": guard, "starts_glob": f"[{chars}{dash}]*", "starts_regex": f"^[{chars}{dash}]",
            "maybe_glob": f"[{chars}{guard}{dash}]*", "maybe_regex": f"^[{chars}{guard}{dash}]",
            "quote_glob": '*[",\n\r]*', "quote_regex": '[",\n\r]'}


def text_cell(connection, column: str) -> str:
    """SQL for a cell of text a customer typed (NULL: empty): one more apostrophe in front when,
    after any apostrophes, it starts like a formula (ordercli.io.csv.safe_cell), and quoted
    when it holds a quote, a comma or a line break."""
    maybe = dialect.matches(connection, column, "maybe")  # a cheap first look: most text starts with a letter
    starts = dialect.matches(connection, f"ltrim({column}, :guard)", "starts")
    guarded = f"(CASE WHEN {maybe} AND {starts} THEN :guard || {column} ELSE {column} END)"
    quote = dialect.matches(connection, column, "quote")
    return (f"(CASE WHEN {column} IS NULL THEN '' WHEN {quote} THEN '\"' || replace({guarded}, '\"', '\"\"') "
            f"|| '\"' ELSE {guarded} END)")


def plain_cell(column: str) -> str:
    """SQL for a cell ordercli writes itself (a number, a time, a status, a SKU): never quoted."""
    return f"COALESCE({column}, '')"


def csv_line(cells: list[str]) -> str:
    return " || ',' || ".join(cells)


def _scale(currencies: list[str], params: dict) -> str:
    """SQL for 10 ** (the minor unit's digits) of `o.currency`: a number when every currency
    selected has the same (the usual case: no CASE per row), else bound per currency."""
    scales = {code: 10 ** currency_exponent(code) for code in currencies}
    if len(set(scales.values())) <= 1:
        return str(next(iter(scales.values()), 100))
    cases = []
    for i, (code, scale) in enumerate(scales.items()):
        params[f"cur_{i}"], params[f"scale_{i}"] = code, scale
        cases.append(f"WHEN :cur_{i} THEN :scale_{i}")
    return f"(CASE o.currency {' '.join(cases)} ELSE 100 END)"


def money(column: str, scale: str, *, signed: bool = False) -> str:
    """SQL for integer minor units as a plain decimal: 1250 -> '12.50', JPY 300 -> '300', and
    with `signed` -5 -> '-0.05' (amounts of orders and lines are never negative)."""
    column = column if column.replace("_", "").replace(".", "").isalnum() else f"({column})"
    if scale == "1":
        return f"CAST({column} AS TEXT)"
    value = f"abs({column})" if signed else column
    text = f"CAST({value} / {scale} AS TEXT) || '.' || substr(CAST({scale} + {value} % {scale} AS TEXT), 2)"
    if signed:
        text = f"(CASE WHEN {column} < 0 THEN '-' ELSE '' END) || {text}"
    if scale.isdigit():
        return f"({text})"
    return f"(CASE WHEN {scale} = 1 THEN CAST({column} AS TEXT) ELSE {text} END)"


def rate(column: str) -> str:
    """SQL for basis points as a percent: 1900 -> '19', 750 -> '7.5', 1925 -> '19.25'."""
    return (f"(CAST({column} / 100 AS TEXT) || CASE WHEN {column} % 100 = 0 THEN '' "
            f"WHEN {column} % 10 = 0 THEN '.' || CAST(({column} % 100) / 10 AS TEXT) "
            f"ELSE '.' || substr(CAST(100 + {column} % 100 AS TEXT), 2) END)")


def currencies(connection, where: str, params: dict) -> list[str]:
    return [r.currency for r in rows(connection, f"SELECT DISTINCT o.currency FROM orders o WHERE {where}", params)]


def count(connection, layout: str, where: str, params: dict) -> int:
    """How many rows the layout will have (for a progress bar)."""
    if layout == "orders":
        return scalar(connection, f"SELECT count(*) FROM orders o WHERE {where}", params)
    if layout == "shipments":
        return scalar(connection, f"SELECT count(*) FROM orders o JOIN shipments s ON s.order_id = o.id "
                                  f"JOIN shipment_lines sl ON sl.shipment_id = s.id WHERE {where}", params)
    return scalar(connection, f"SELECT count(*) FROM orders o JOIN order_lines l ON l.order_id = o.id WHERE {where}",
                  params)


def _order_cells(connection, scale: str) -> list[str]:
    t = lambda c: plain_cell(dialect.csv_time(connection, c))  # noqa: E731
    g = lambda c: text_cell(connection, c)  # noqa: E731
    return [
        "CAST(o.id AS TEXT)", "o.channel", g("o.channel_ref"), "o.status", t("o.placed_at"), t("o.updated_at"),
        "o.currency", g("o.customer_name"), g("o.customer_email"), g("o.customer_phone"),
        g("b.name"), g("b.line1"), g("b.line2"), g("b.city"), g("b.region"), g("b.postal_code"), "b.country",
        g("s.name"), g("s.line1"), g("s.line2"), g("s.city"), g("s.region"), g("s.postal_code"), "s.country",
        g("p.code"), g("o.note"), money("o.subtotal_minor", scale), money("o.discount_minor", scale),
        money("o.shipping_minor", scale), rate("o.shipping_tax_rate_bp"), money("o.shipping_tax_minor", scale),
        money("o.tax_minor", scale), money("o.total_minor", scale),
    ]


_ORDER_JOINS = """JOIN addresses b ON b.id = o.billing_address_id
JOIN addresses s ON s.id = o.shipping_address_id
LEFT JOIN promo_codes p ON p.id = o.promo_code_id"""

# units of each order line handed over by shipments that count
_SHIPPED = """LEFT JOIN (SELECT sl.order_line_id, SUM(sl.quantity) AS units
                   FROM shipment_lines sl JOIN shipments sh ON sh.id = sl.shipment_id
                   WHERE sh.deleted_at IS NULL AND sh.stage IN ('handed_over', 'delivered')
                   GROUP BY sl.order_line_id) shipped ON shipped.order_line_id = l.id"""


def select(connection, layout: str, where: str, params: dict) -> list[str]:
    """The queries of a layout (ordercli.io.export_formats); each row is (order number, a CSV
    line without its line end). `params` (which binds `csv_params`) gains what they bind.

    `lines` is two queries read side by side, both in order number order: the orders' cells
    (made once per order, not once per line) and their `fulfilled_at`, and the lines' cells;
    ordercli.services.export puts each line between its order's cells and `fulfilled_at`."""
    scale = _scale(currencies(connection, where, params), params)
    t = lambda c: plain_cell(dialect.csv_time(connection, c))  # noqa: E731
    g = lambda c: text_cell(connection, c)  # noqa: E731
    if layout == "lines":
        fulfilled = plain_cell(dialect.csv_time(connection, "(SELECT MAX(sh.handed_over_at) FROM shipments sh "
                                                            "WHERE sh.order_id = o.id AND sh.deleted_at IS NULL "
                                                            "AND sh.stage IN ('handed_over', 'delivered'))"))
        orders = (f"SELECT o.id, {csv_line(_order_cells(connection, scale))}, {fulfilled} FROM orders o "
                  f"{_ORDER_JOINS} WHERE {where} AND EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id) "
                  f"ORDER BY o.id")
        cells = ["CAST(l.line_no AS TEXT)", "l.sku", g("l.description"), "l.kind", "l.delivery_method",
                 "CAST(l.quantity AS TEXT)", money("l.unit_price_minor", scale), money("l.discount_minor", scale),
                 money("l.order_discount_minor", scale), rate("l.tax_rate_bp"), money("l.net_minor", scale),
                 money("l.tax_minor", scale), money("l.net_minor + l.tax_minor", scale),
                 "CAST(COALESCE(shipped.units, 0) AS TEXT)"]
        lines = (f"SELECT o.id, {csv_line(cells)} FROM orders o JOIN order_lines l ON l.order_id = o.id "
                 f"{_SHIPPED} WHERE {where} ORDER BY o.id, l.line_no")
        return [orders, lines]
    if layout == "orders":
        cells = _order_cells(connection, scale) + [
            "CAST(agg.line_count AS TEXT)", "CAST(agg.units AS TEXT)", "CAST(agg.shipped AS TEXT)",
            t("o.verified_at"), g("o.verified_by")]
        return [f"SELECT o.id, {csv_line(cells)} FROM orders o {_ORDER_JOINS} "
                f"JOIN (SELECT l.order_id, count(*) AS line_count, SUM(l.quantity) AS units, "
                f"SUM(COALESCE(shipped.units, 0)) AS shipped FROM order_lines l {_SHIPPED} GROUP BY l.order_id) agg "
                f"ON agg.order_id = o.id WHERE {where} ORDER BY o.id"]
    if layout == "shipments":
        weight = "(CASE WHEN sh.weight_grams IS NULL THEN '' ELSE " + money("sh.weight_grams", "1000") + " END)"
        cells = [
            "CAST(sh.id AS TEXT)", "CAST(o.id AS TEXT)", "o.channel", g("o.channel_ref"), "sh.method",
            plain_cell("loc.name"), "sh.stage", g("c.name"), g("sh.tracking"), plain_cell("CAST(sh.parcels AS TEXT)"),
            weight, t("sh.created_at"), t("sh.handed_over_at"), t("sh.delivered_at"), g("sh.signed_by"),
            t("sh.deleted_at"),
            g("s.name"), g("s.line1"), g("s.line2"), g("s.city"), g("s.region"), g("s.postal_code"), "s.country",
            "CAST(l.line_no AS TEXT)", "l.sku", g("l.description"), "CAST(sl.quantity AS TEXT)"]
        return [f"SELECT o.id, {csv_line(cells)} FROM orders o JOIN addresses s ON s.id = o.shipping_address_id "
                f"JOIN shipments sh ON sh.order_id = o.id JOIN shipment_lines sl ON sl.shipment_id = sh.id "
                f"JOIN order_lines l ON l.id = sl.order_line_id LEFT JOIN locations loc ON loc.id = sh.location_id "
                f"LEFT JOIN carriers c ON c.id = sh.carrier_id WHERE {where} ORDER BY sh.id, l.line_no"]
    raise ValueError(f"unknown layout {layout}")


def shopify_select(connection, where: str, params: dict) -> str:
    """The lines of the selected orders with what Shopify's layout needs, as typed rows
    (ordercli.services.export lays them out: order columns on each order's first row)."""
    return f"""
        SELECT o.id, o.status, o.channel, o.channel_ref, o.currency, o.placed_at, o.note,
               o.customer_name, o.customer_email, o.customer_phone,
               o.subtotal_minor, o.discount_minor, o.shipping_minor, o.tax_minor, o.total_minor,
               p.code AS promo_code,
               b.name AS b_name, b.line1 AS b_line1, b.line2 AS b_line2, b.city AS b_city, b.region AS b_region,
               b.postal_code AS b_postal_code, b.country AS b_country,
               s.name AS s_name, s.line1 AS s_line1, s.line2 AS s_line2, s.city AS s_city, s.region AS s_region,
               s.postal_code AS s_postal_code, s.country AS s_country,
               l.line_no, l.sku, l.description, l.kind, l.quantity, l.unit_price_minor,
               l.discount_minor AS line_discount_minor, l.order_discount_minor, l.tax_rate_bp,
               l.net_minor AS line_net_minor, l.tax_minor AS line_tax_minor,
               COALESCE(shipped.units, 0) AS shipped,
               (SELECT MAX(sh.handed_over_at) FROM shipments sh WHERE sh.order_id = o.id AND sh.deleted_at IS NULL
                  AND sh.stage IN ('handed_over', 'delivered')) AS fulfilled_at
        FROM orders o {_ORDER_JOINS} JOIN order_lines l ON l.order_id = o.id {_SHIPPED}
        WHERE {where} ORDER BY o.id, l.line_no"""


# -- incremental exports ------------------------------------------------------------------------

def cursor(connection, name: str):
    return first(connection, "SELECT name, position, updated_at, updated_by FROM export_cursors WHERE name = :name",
                 {"name": name})


def last_change(connection) -> int:
    """The highest order history id: every change to an order adds a history row."""
    return scalar(connection, "SELECT COALESCE(MAX(id), 0) FROM order_history")


def move_cursor(connection, name: str, before: int | None, after: int, at, by: str) -> bool:
    """Move a cursor from `before` (None: it does not exist yet) to `after`; False when another
    export moved it meanwhile."""
    if before is None:
        execute(connection, "INSERT INTO export_cursors (name, position, updated_at, updated_by) "
                            "VALUES (:name, :after, :at, :by) ON CONFLICT (name) DO NOTHING",
                {"name": name, "after": after, "at": at, "by": by})
    else:
        execute(connection, "UPDATE export_cursors SET position = :after, updated_at = :at, updated_by = :by "
                            "WHERE name = :name AND position = :before",
                {"name": name, "before": before, "after": after, "at": at, "by": by})
    found = cursor(connection, name)
    return found is not None and found.position == after and found.updated_at == at
