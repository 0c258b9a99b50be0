"""Customers: one per email (or, without one, per phone), with the details of their latest order."""

from __future__ import annotations

from ordercli.db.dialect import for_update
from ordercli.db.sql import execute, first, insert

_COLUMNS = "SELECT id, name, email, phone, billing_address_id, shipping_address_id FROM customers"


def by_email_made_if_new(connection, name: str, email: str, phone: str | None, at):
    """The customer with this email, made first if there is none, locked until commit. Two
    orders of a new customer placed at once make one customer, not an error."""
    execute(connection, "INSERT INTO customers (name, email, phone, created_at, updated_at) "
                        "VALUES (:name, :email, :phone, :at, :at) ON CONFLICT (email) DO NOTHING",
            {"name": name, "email": email, "phone": phone, "at": at})
    return first(connection, f"{_COLUMNS} WHERE email = :email{for_update(connection)}", {"email": email})


def by_phone(connection, phone: str):
    """The first customer with this phone, locked until commit, or None."""
    return first(connection, f"{_COLUMNS} WHERE phone = :phone ORDER BY id LIMIT 1{for_update(connection)}",
                 {"phone": phone})


def add(connection, name: str, phone: str, at):
    new_id = insert(connection, "INSERT INTO customers (name, phone, created_at, updated_at) "
                                "VALUES (:name, :phone, :at, :at)", {"name": name, "phone": phone, "at": at})
    return first(connection, f"{_COLUMNS} WHERE id = :id", {"id": new_id})


def update(connection, customer_id: int, *, name: str, phone: str | None, billing: int, shipping: int, at) -> None:
    execute(connection, "UPDATE customers SET name = :name, phone = :phone, billing_address_id = :billing, "
                        "shipping_address_id = :shipping, updated_at = :at WHERE id = :id",
            {"name": name, "phone": phone, "billing": billing, "shipping": shipping, "at": at, "id": customer_id})
