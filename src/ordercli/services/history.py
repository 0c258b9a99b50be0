"""The order history: append-only, one entry per change, written in the changing transaction."""

from __future__ import annotations

from ordercli.db.sql import execute
from ordercli.services.views import Stamp


def add_history(connection, numbers, stamp: Stamp, *, event: str, status: str | None = None,
                to_status: str | None = None, reason: str | None = None) -> None:
    """Append one history entry per order (from `status` to `to_status`, or unchanged)."""
    add_entries(connection, stamp, [(n, event, status, to_status or status, reason) for n in numbers])


def add_entries(connection, stamp: Stamp, entries: list[tuple[int, str, str | None, str | None, str | None]]) -> None:
    """Append entries (order, event, from, to, reason) in one statement."""
    execute(
        connection,
        "INSERT INTO order_history (order_id, at, actor, command, event, from_status, to_status, reason) "
        "VALUES (:order_id, :at, :actor, :command, :event, :from_status, :to_status, :reason)",
        [{"order_id": order, "at": stamp.at, "actor": stamp.actor, "command": stamp.command, "event": event,
          "from_status": before, "to_status": after, "reason": reason}
         for order, event, before, after, reason in entries],
    )
