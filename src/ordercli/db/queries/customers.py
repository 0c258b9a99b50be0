"""Customers: one per email (or, without one, per phone), with the details of their latest order."""

from __future__ import annotations

from ordercli.db.dialect import for_update
from ordercli.db.queries.addresses import FIELDS
from ordercli.db.sql import dialect_of, execute, first, insert

_CUSTOMER = "id, name, email, phone, billing_address_id, shipping_address_id"


def _with_addresses(source: str) -> str:
    """The customers of `source` (the table, or a RETURNING of it) with their current billing
    (b_name, b_line1...) and shipping (s_...) addresses: what a new order compares with."""
    joined = ", ".join(f"{p}.{f} AS {p}_{f}" for p in ("b", "s") for f in FIELDS)
    return (f"SELECT c.id, c.name, c.email, c.phone, c.billing_address_id, c.shipping_address_id, {joined} "
            f"FROM {source} c LEFT JOIN addresses b ON b.id = c.billing_address_id "
            "LEFT JOIN addresses s ON s.id = c.shipping_address_id")


def by_email_made_if_new(connection, name: str, email: str, phone: str | None, at):
    """The customer with this email and its current addresses (see `_with_addresses`), made first
    if there is none, locked until commit. Two orders of a new customer placed at once make one
    customer, not an error.

    PostgreSQL: one statement. Its DO UPDATE changes nothing (updated_at keeps its value) but
    locks the row as FOR NO KEY UPDATE would, and RETURNING gives the row as it was.
    """
    values = {"name": name, "email": email, "phone": phone, "at": at}
    insert_sql = ("INSERT INTO customers (name, email, phone, created_at, updated_at) "
                  "VALUES (:name, :email, :phone, :at, :at) ON CONFLICT (email) ")
    if dialect_of(connection) == "sqlite":
        execute(connection, insert_sql + "DO NOTHING", values)
        return first(connection, _with_addresses("customers") + " WHERE c.email = :email", {"email": email})
    return first(connection, f"WITH c AS ({insert_sql} DO UPDATE SET updated_at = customers.updated_at "
                             f"RETURNING {_CUSTOMER}) " + _with_addresses("c"), values)


def by_phone(connection, phone: str):
    """The first customer with this phone and its current addresses, locked until commit, or None."""
    return first(connection, _with_addresses("customers") + " WHERE c.phone = :phone ORDER BY c.id LIMIT 1"
                 + for_update(connection, "c"), {"phone": phone})


def add(connection, name: str, phone: str, at):
    new_id = insert(connection, "INSERT INTO customers (name, phone, created_at, updated_at) "
                                "VALUES (:name, :phone, :at, :at)", {"name": name, "phone": phone, "at": at})
    return first(connection, _with_addresses("customers") + " WHERE c.id = :id", {"id": new_id})


def update(connection, customer_id: int, *, name: str, phone: str | None, billing: int, shipping: int, at) -> None:
    execute(connection, "UPDATE customers SET name = :name, phone = :phone, billing_address_id = :billing, "
                        "shipping_address_id = :shipping, updated_at = :at WHERE id = :id",
            {"name": name, "phone": phone, "billing": billing, "shipping": shipping, "at": at, "id": customer_id})
