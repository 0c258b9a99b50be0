"""Bring a database to this ordercli's schema with Alembic, safely under concurrent starts."""

from __future__ import annotations

from sqlalchemy import text

from ordercli.domain.errors import InvalidData, StoreUnavailable

# A fixed key ("orde" in ASCII): the advisory lock that serializes migrations on PostgreSQL.
_MIGRATION_LOCK = 0x6F726465


def alembic_config():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", "ordercli.db:migrations")
    return config


def upgrade(database, target: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to `target` in one transaction; returns the revisions before and after.

    SQLite: foreign keys are switched off for the connection while tables are rebuilt (batch
    mode), and checked before commit; BEGIN IMMEDIATE keeps a second process out until done.
    PostgreSQL: DDL is transactional; an advisory lock makes a second process wait, then it
    finds the work done. A member of the role that owns the tables upgrades as that role
    (db/roles.py), so that the new tables are that role's too.
    """
    from alembic import command

    config = alembic_config()
    with database.engine.connect() as connection:
        if database.is_sqlite:
            # Outside any transaction (the pragma is ignored inside one), on the driver itself.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        connection = connection.execution_options(ordercli_write=True)
        try:
            with connection.begin():
                hold_migration_lock(connection)
                if not database.is_sqlite:
                    from ordercli.db.roles import act_as_owner

                    act_as_owner(connection)
                before = database.current_revision(connection)
                config.attributes["connection"] = connection
                command.upgrade(config, target)
                after = database.current_revision(connection)
                if database.is_sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise StoreUnavailable(
                            f"upgrade stopped: {len(broken)} rows would break foreign keys; nothing was changed"
                        )
        finally:
            if database.is_sqlite:
                connection.connection.driver_connection.execute("PRAGMA foreign_keys = ON")
    return before, after


def hold_migration_lock(connection) -> None:
    """PostgreSQL: wait for, then hold until commit, the lock that serializes migrations."""
    if connection.dialect.name != "sqlite":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})


def upgrade_on(connection, target: str = "head") -> None:
    """Run the migrations up to `target` on `connection`, inside the transaction it holds (the
    caller commits; see Database.migrating_write)."""
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)


def foreign_keys_checked(connection) -> None:
    """SQLite, whose foreign keys were off for the transaction: refuse to commit rows that break them."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            tables = sorted({row[0] for row in broken})
            raise InvalidData(f"{len(broken)} rows would break foreign keys (in {', '.join(tables)}); "
                              "nothing was changed")
