"""Promo codes and how often they were used."""

from __future__ import annotations

from ordercli.db.sql import execute, first, rowcount, rows

_COLUMNS = "id, code, percent_bp, amount_minor, currency, valid_from, valid_until, max_uses, uses, created_at"


def by_code(connection, code: str):
    return first(connection, f"SELECT {_COLUMNS} FROM promo_codes WHERE code = :code", {"code": code})


def all_codes(connection) -> list:
    return rows(connection, f"SELECT {_COLUMNS} FROM promo_codes ORDER BY code")


def add(connection, values: dict) -> None:
    """A new code (values: code, percent_bp, amount_minor, currency, valid_from, valid_until,
    max_uses, created_at)."""
    execute(connection, "INSERT INTO promo_codes (code, percent_bp, amount_minor, currency, valid_from, valid_until, "
                        "max_uses, uses, created_at) VALUES (:code, :percent_bp, :amount_minor, :currency, "
                        ":valid_from, :valid_until, :max_uses, 0, :created_at)", values)


def count_use(connection, promo_id: int) -> bool:
    """One more use, unless the code is used up: one conditional UPDATE."""
    return rowcount(connection, "UPDATE promo_codes SET uses = uses + 1 WHERE id = :id "
                                "AND (max_uses IS NULL OR uses < max_uses)", {"id": promo_id}) == 1
