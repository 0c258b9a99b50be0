"""The order history: append-only, one entry per change, written in the changing transaction."""

from __future__ import annotations

from ordercli.db import dialect
from ordercli.db.sql import execute, rows

_COLUMNS = "order_id, at, actor, command, event, from_status, to_status, reason"
# Column types for `append`; at, actor and command are the same in every entry of a change.
_TYPES = {"at": "TIMESTAMPTZ", "actor": "TEXT", "command": "TEXT", "order_id": "INTEGER", "event": "TEXT",
          "from_status": "TEXT", "to_status": "TEXT", "reason": "TEXT"}


def append(connection, stamp, entries: list[tuple[int, str, str | None, str | None, str | None]]) -> None:
    """Append entries (order, event, from, to, reason) in one statement."""
    dialect.insert_rows(connection, "order_history", _TYPES, entries,
                        same={"at": stamp.at, "actor": stamp.actor, "command": stamp.command})


def append_status_changes(connection, stamp, batch: str, to_status: str, reason: str | None) -> None:
    """One `status` entry for every order of the batch table `batch` (columns number, pos,
    skip) that moves to `to_status`: written from the orders themselves, set-based."""
    execute(
        connection,
        f"INSERT INTO order_history ({_COLUMNS}) "
        "SELECT o.id, :at, :actor, :command, 'status', o.status, CAST(:to AS VARCHAR), CAST(:reason AS VARCHAR) "
        f"FROM {batch} b JOIN orders o ON o.id = b.number "
        "WHERE b.skip = 0 AND o.status <> CAST(:to AS VARCHAR) ORDER BY b.pos",
        {"to": to_status, "at": stamp.at, "actor": stamp.actor, "command": stamp.command, "reason": reason},
    )


def of_order(connection, number: int) -> list:
    return rows(connection, "SELECT at, actor, command, event, from_status, to_status, reason "
                            "FROM order_history WHERE order_id = :number ORDER BY id", {"number": number})
