"""Where the data lives, how to connect, and the transactions every command uses.

SQLite is set up for several processes at once: WAL, foreign keys on, a busy timeout,
synchronous FULL, and write transactions that begin with BEGIN IMMEDIATE so that writers
queue on the lock instead of failing with "database is locked" or losing updates (a deferred
transaction that reads and then writes cannot be rescued by the busy timeout). Reads on
SQLite use the standard library's sqlite3 (a deferred BEGIN: a consistent snapshot in WAL).

PostgreSQL runs READ COMMITTED; write services lock the rows they change with SELECT ... FOR
UPDATE, always in the same order (orders, then products, by id), and `lock_timeout` bounds
the wait like SQLite's busy timeout does.

SQLAlchemy is imported only when a write transaction or PostgreSQL needs it.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from ordercli.db.sql import prepare_sqlite, scalar
from ordercli.domain.errors import StoreUnavailable

BUSY_TIMEOUT_SECONDS = 15


def default_database_path() -> Path:
    """The SQLite file used when neither --db nor ORDERCLI_DB says otherwise."""
    from platformdirs import user_data_path

    return user_data_path("ordercli", appauthor=False) / "ordercli.db"


def hide_password(text: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", text)


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def known_revisions() -> list[str]:
    """Revision ids of the migrations shipped with this ordercli: their file name prefixes."""
    names = resources.files("ordercli.db.migrations").joinpath("versions").iterdir()
    return sorted(n.name.split("_", 1)[0] for n in names if re.match(r"^\d{4}_.*\.py$", n.name))


class Database:
    """One database, opened lazily; `read()` and `write()` each give one transaction.

    `target` is a file path, a `sqlite:///` URL or a PostgreSQL URL (`postgresql://` and
    `postgres://` get the psycopg driver).
    """

    def __init__(self, target: str | None = None, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.busy_timeout = busy_timeout
        self.notices: list[str] = []
        self._engine = None
        self._raw: sqlite3.Connection | None = None
        self._raw_writer = False
        self._schema_checked = False
        target = (target or "").strip() or str(default_database_path())
        self.path: Path | None = None
        self._url_text: str | None = None
        if target.startswith("sqlite:///") and "?" not in target:
            target = target[len("sqlite:///"):]
        if "://" not in target:
            if target == ":memory:":
                raise StoreUnavailable("an in-memory SQLite database would be lost at exit: give a file path")
            self.backend = "sqlite"
            self.path = Path(target).expanduser().absolute()
        else:
            self._url_text = target
            scheme = target.split("://", 1)[0].split("+", 1)[0].lower()
            if scheme in ("postgresql", "postgres"):
                self.backend = "postgresql"
            else:
                raise StoreUnavailable(
                    f"unsupported database {hide_password(target)!r}: give a SQLite file path or a postgresql:// URL"
                )

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def url(self):
        """The SQLAlchemy URL (imports SQLAlchemy)."""
        from sqlalchemy.engine import URL, make_url
        from sqlalchemy.exc import ArgumentError

        if self.is_sqlite:
            return URL.create("sqlite", database=str(self.path))
        try:
            url = make_url(self._url_text)
        except ArgumentError:
            raise StoreUnavailable(f"not a database URL: {hide_password(self._url_text)}") from None
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url

    @property
    def display(self) -> str:
        """The path or URL as it is safe to print: never with a password."""
        if self.is_sqlite:
            return str(self.path)
        return hide_password(self._url_text)

    # -- connecting ------------------------------------------------------------------------

    @property
    def engine(self):
        if self._engine is None:
            self._engine = self._sqlite_engine() if self.is_sqlite else self._postgresql_engine()
        return self._engine

    def _postgresql_engine(self):
        from sqlalchemy import create_engine

        url = self.url
        timeout_ms = int(self.busy_timeout * 1000)
        # Keep any `options` the URL carries (a search_path, say) and add the lock timeout.
        options = " ".join(filter(None, [url.query.get("options"), f"-c lock_timeout={timeout_ms}"]))
        return create_engine(
            url.difference_update_query(["options"]),
            connect_args={"connect_timeout": 10, "application_name": "ordercli", "options": options},
        )

    def _sqlite_engine(self):
        from sqlalchemy import create_engine, event

        self._create_file_if_missing()
        engine = create_engine(self.url, connect_args={"timeout": self.busy_timeout})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            # The driver must not open transactions by itself: we send BEGIN (see below).
            dbapi_connection.isolation_level = None
            self._configure_sqlite(dbapi_connection, writer=True)

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            write = connection.get_execution_options().get("ordercli_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def _configure_sqlite(self, connection: sqlite3.Connection, *, writer: bool) -> None:
        # SQLite's own lower() folds ASCII only; searches must find "MÜLLER" for "müller" as
        # they do on PostgreSQL.
        connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        if writer:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    def _create_file_if_missing(self) -> None:
        """A new database file is readable by its owner only: it holds customer data."""
        path = self.path
        if path.exists():
            return
        try:
            if not path.parent.exists():
                path.parent.mkdir(mode=0o700, parents=True)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            return
        except OSError as error:
            raise StoreUnavailable(f"cannot create the database {path}: {error.strerror}") from None
        self.notices.append(f"created a new database at {path}")

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def read(self):
        """A read-only transaction: a consistent snapshot on both backends. A database that
        does not exist yet is not made here: a mistyped --db must not pass for an empty one."""
        self.ensure_schema(create=False)
        with self.inspect() as connection:
            yield connection

    @contextmanager
    def inspect(self):
        """A read transaction that does not create or upgrade the schema first."""
        if self.is_sqlite:
            if not self.path.exists():
                raise StoreUnavailable(f"no database at {self.path}")
            with self._sqlite_transaction("BEGIN") as connection:
                yield connection
            return
        with self._translate_errors(), self.engine.connect() as connection:
            with connection.begin():
                yield connection

    @contextmanager
    def write(self):
        """A write transaction: committed when the block ends, rolled back if it raises.

        On SQLite it runs on the standard library driver and begins with BEGIN IMMEDIATE.
        """
        self.ensure_schema()
        if self.is_sqlite:
            with self._sqlite_transaction("BEGIN IMMEDIATE", writer=True) as connection:
                yield connection
            return
        with self._translate_errors(), self.engine.connect() as connection:
            connection = connection.execution_options(ordercli_write=True)
            with connection.begin():
                yield connection

    @contextmanager
    def _sqlite_transaction(self, begin: str, *, writer: bool = False):
        """A transaction on the standard library driver; the connection is kept for the next one."""
        with self._translate_errors():
            connection = self._sqlite_connection(writer)
            connection.execute(begin)
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def _sqlite_connection(self, writer: bool) -> sqlite3.Connection:
        if self._raw is None:
            connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            prepare_sqlite(connection)
            self._configure_sqlite(connection, writer=False)
            self._raw, self._raw_writer = connection, False
        if writer and not self._raw_writer:
            self._configure_sqlite(self._raw, writer=True)
            self._raw_writer = True
        return self._raw

    @contextmanager
    def _translate_errors(self):
        try:
            yield
        except sqlite3.OperationalError as error:
            raise self._unavailable(str(error)) from error
        except sqlite3.DatabaseError as error:
            if "not a database" in str(error) or "malformed" in str(error):
                raise StoreUnavailable(f"{self.display} is not a usable SQLite database: {error}") from error
            raise
        except Exception as error:
            if "sqlalchemy" not in sys.modules:
                raise  # not a database error: SQLAlchemy never ran
            from sqlalchemy.exc import DBAPIError, OperationalError

            if isinstance(error, OperationalError) or (
                isinstance(error, DBAPIError) and error.connection_invalidated
            ):
                raise self._unavailable(str(getattr(error, "orig", error))) from error
            raise

    def _unavailable(self, message: str) -> StoreUnavailable:
        message = (message.strip().splitlines() or [""])[0]
        lowered = message.lower()
        if "locked" in lowered or "lock timeout" in lowered or "could not obtain lock" in lowered:
            return StoreUnavailable(
                f"the database is busy: another ordercli held its lock for more than "
                f"{self.busy_timeout:g} s; nothing was changed, try again"
            )
        if "deadlock" in lowered:
            return StoreUnavailable("the database broke a deadlock; nothing was changed, try again")
        if self._url_text:
            password = re.search(r"://[^:/@]*:([^@]*)@", self._url_text)
            if password and password.group(1):
                message = message.replace(password.group(1), "***")
        return StoreUnavailable(f"cannot use the database {self.display}: {message}")

    # -- schema ----------------------------------------------------------------------------

    def current_revision(self, connection) -> str | None:
        """The schema revision recorded in the database, or None for an empty database."""
        if self.is_sqlite:
            exists = scalar(connection, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'")
            any_table = "SELECT 1 FROM sqlite_master WHERE type = 'table' LIMIT 1"
        else:
            exists = scalar(connection, "SELECT to_regclass('alembic_version')")
            any_table = "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() LIMIT 1"
        if not exists:
            if scalar(connection, any_table):
                raise StoreUnavailable(
                    f"{self.display} is not an ordercli database (it has tables but no schema version)"
                )
            return None
        return scalar(connection, "SELECT version_num FROM alembic_version")

    def ensure_schema(self, *, create: bool = True) -> None:
        """Bring an older database up to this ordercli's schema; create a new one if `create`."""
        if self._schema_checked:
            return
        known = known_revisions()
        if self.is_sqlite and not self.path.exists():
            if not create:
                raise StoreUnavailable(f"no database at {self.path}: a command that writes creates it "
                                       "(or run `ordercli db upgrade`)")
            self._create_file_if_missing()
        with self.inspect() as connection:
            current = self.current_revision(connection)
        if current is None and not create:
            raise StoreUnavailable(f"no ordercli tables in {self.display} yet: a command that writes creates them "
                                   "(or run `ordercli db upgrade`)")
        if current != known[-1]:
            if current is not None and current not in known:
                raise StoreUnavailable(
                    f"the database schema ({current}) is newer than this ordercli knows "
                    f"(up to {known[-1]}): upgrade ordercli"
                )
            from ordercli.db.migrate import upgrade

            with self._translate_errors():
                before, after = upgrade(self)
            if before is None and not self.is_sqlite:
                self.notices.append(f"set up a new ordercli schema in {self.display}")
            elif before is not None and before != after:
                self.notices.append(f"upgraded the database schema from {before} to {after}")
        self._schema_checked = True

    def dispose(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._engine is not None:
            self._engine.dispose()
