"""The database itself: where it is, which schema it has, bringing it up to date."""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db.engine import known_revisions
from ordercli.db.sql import scalar


@dataclass(frozen=True)
class DatabaseInfo:
    location: str
    backend: str
    revision: str | None
    latest: str
    size_bytes: int | None
    orders: int | None

    @property
    def up_to_date(self) -> bool:
        return self.revision == self.latest


def database_info(db) -> DatabaseInfo:
    """What the database is, without changing it (no upgrade happens here)."""
    if db.is_sqlite and not db.path.exists():
        return DatabaseInfo(db.display, db.backend, None, known_revisions()[-1], None, None)
    with db.inspect() as connection:
        revision = db.current_revision(connection)
        orders = None
        if revision is not None:
            orders = scalar(connection, "SELECT count(*) FROM orders")
    size = None
    if db.is_sqlite and db.path.exists():
        size = db.path.stat().st_size
    return DatabaseInfo(db.display, db.backend, revision, known_revisions()[-1], size, orders)


def upgrade_database(db) -> tuple[str | None, str]:
    """Bring the schema up to date (also done on open); returns the revisions before and after."""
    before = None
    if not db.is_sqlite or db.path.exists():
        with db.inspect() as connection:
            before = db.current_revision(connection)
    db.ensure_schema()
    with db.inspect() as connection:
        return before, db.current_revision(connection)
