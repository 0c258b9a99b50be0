"""Where the data lives, how to connect, and the transactions every command uses.

SQLite: every read and write a command makes runs on the standard library's sqlite3 driver.
It is set up for several processes at once: WAL, foreign keys on, a busy timeout, synchronous
FULL, and write transactions that begin with BEGIN IMMEDIATE so that writers queue on the lock
instead of failing with "database is locked" or losing updates (a deferred transaction that
reads and then writes cannot be rescued by the busy timeout). Reads use a deferred BEGIN: a
consistent snapshot in WAL. A database whose file or folder cannot be written is read through
a read-only connection (`_read_only_connection`) and refuses writes with a message that says so.

PostgreSQL runs READ COMMITTED through SQLAlchemy and psycopg; write services lock the rows
they change with SELECT ... FOR UPDATE, always in the same order (orders, then products, by
id), and `lock_timeout` bounds the wait like SQLite's busy timeout does. What a user may do
there is the server's to say (docs/postgresql-roles.md): a statement refused for want of a
privilege, and an upgrade this user may not make, are told in one line (db/roles.py), exit 6.

SQLAlchemy is imported only for PostgreSQL and for migrations (Alembic, on either backend).

A database URL may hold a password, and no message may show it: `display` renders the parsed
URL with the password and any `?password=` hidden, the raw URL text never goes into an
exception, and driver messages (and `--debug` tracebacks, see cli/errors.py) pass through
`mask_secrets`.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from urllib.parse import quote, unquote, unquote_plus

from ordercli.db.sql import Transaction, execute, prepare_sqlite, scalar
from ordercli.domain.errors import InvalidData, PermissionDenied, StoreUnavailable

BUSY_TIMEOUT_SECONDS = 15
MAX_BUSY_TIMEOUT_SECONDS = 3600

# Schemes of database URLs: a target that starts with one of them and a colon but lacks the
# "//" is a mistyped URL, not a file name (as a file name it would be printed, password and all).
_URL_SCHEMES = ("postgresql", "postgres", "sqlite", "mysql", "mariadb", "oracle", "mssql")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*)://")
# Query parameters that libpq reads as secrets.
_SECRET_QUERY_KEYS = frozenset({"password", "sslpassword"})
# A secret at least this long is masked wherever its text appears; a shorter one only where a
# message quotes it ('a' or "a"): masking every "a" would garble the message and hide nothing.
_MASK_ANYWHERE_FROM = 4


def default_database_path() -> Path:
    """The SQLite file used when neither --db nor ORDERCLI_DB says otherwise."""
    from platformdirs import user_data_path

    return user_data_path("ordercli", appauthor=False) / "ordercli.db"


def busy_timeout_from_environment() -> float:
    """Seconds to wait for a lock: ORDERCLI_BUSY_TIMEOUT, else 15."""
    text = os.environ.get("ORDERCLI_BUSY_TIMEOUT", "").strip()
    if not text:
        return BUSY_TIMEOUT_SECONDS
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 <= seconds <= MAX_BUSY_TIMEOUT_SECONDS:  # also refuses nan and inf
        raise InvalidData(f"ORDERCLI_BUSY_TIMEOUT must be a number of seconds from 0 to "
                          f"{MAX_BUSY_TIMEOUT_SECONDS}, not {text!r}")
    return seconds


# -- database URLs and their secrets ---------------------------------------------------------


def redacted(text: str) -> str:
    """A URL that cannot be parsed, as it is safe to print: its scheme, nothing else."""
    match = _SCHEME.match(text)
    return f"{match.group(1)}://***" if match else "***"


def parse_url(text: str):
    """The SQLAlchemy URL of `text`. Refuses, without showing it, a URL that does not parse or
    whose password would spill into another part: SQLAlchemy (like libpq) ends a password at its
    first '@', so in `user:p@ss@host` the rest of the password would become the host name."""
    from sqlalchemy.engine import make_url

    try:
        url = make_url(text)
    except Exception:  # noqa: BLE001 - ArgumentError, or ValueError for a port that is no number
        raise StoreUnavailable(
            f"not a database URL: {redacted(text)} (not shown in full: it may hold a password)"
        ) from None
    spill = re.match(r"[^:]*://[^:/]*:[^@]*@([^?]*)", text) if url.password is not None else None
    if "@" in (url.host or "") or (spill and "@" in spill.group(1)):
        raise StoreUnavailable(
            f"the database URL {redacted(text)} has an '@' in its password or host: write each '@' inside "
            "a user name, password or database name as %40 (the URL is not shown: it holds a password)"
        )
    return url


def safe_url(url) -> str:
    """A parsed URL as it is safe to print: no password, neither after the user name nor in the query."""
    secret_keys = [key for key in url.query if key.lower() in _SECRET_QUERY_KEYS]
    text = url.difference_update_query(secret_keys).render_as_string(hide_password=True)
    if secret_keys:
        text += ("&" if "?" in text else "?") + "&".join(f"{key}=***" for key in secret_keys)
    return text


def url_secrets(target: str | None) -> list[str]:
    """Every string in a database location that is, or may be, a password; longest first.

    Generous on purpose: the password as SQLAlchemy reads it, as a parser that ends the user
    part at the last '@' reads it, the pieces between raw '@'s, and `password=`/`sslpassword=`
    query values, each also percent-decoded.
    """
    if not target or "://" not in target:
        return []
    found: set[str] = set()
    rest = target.split("://", 1)[1]
    ats = [i for i, char in enumerate(rest) if char == "@"]
    colon = rest.find(":")
    if ats and 0 <= colon < ats[0]:
        for at in ats:
            candidate = rest[colon + 1:at]
            found.add(candidate)
            found.update(candidate.split("@"))
    for match in re.finditer(r"(?i)(?:^|[?&;])(?:ssl)?password=([^&;]*)", rest):
        found.add(match.group(1))
    try:
        url = parse_url(target)
    except StoreUnavailable:
        url = None
    if url is not None:
        found.add(url.password or "")
        for key, value in url.query.items():
            if key.lower() in _SECRET_QUERY_KEYS:
                found.update([value] if isinstance(value, str) else value)
    found |= {unquote(value) for value in found} | {unquote_plus(value) for value in found}
    return sorted((value for value in found if value), key=len, reverse=True)


def mask_secrets(text: str, target: str | None) -> str:
    """`text` with every password of the database location `target` replaced by ***."""
    for secret in url_secrets(target):
        if len(secret) >= _MASK_ANYWHERE_FROM:
            text = text.replace(secret, "***")
        else:
            text = re.sub(rf"(['\"]){re.escape(secret)}\1", r"\1***\1", text)
    return text


# The PostgreSQL driver is the optional extra `ordercli[postgres]` (pyproject.toml): most users
# never leave SQLite. How to add it depends on how ordercli was installed, so the message names each way.
POSTGRESQL_DRIVER_MISSING = (
    "PostgreSQL needs the psycopg driver, which this ordercli was installed without: "
    "pip install 'ordercli[postgres]' (or: pipx inject ordercli 'psycopg[binary]'; "
    "uv tool install --with 'psycopg[binary]' SOURCE)"
)


def require_postgresql_driver() -> None:
    """Refuse (exit 6) a PostgreSQL database when psycopg cannot be imported: never a traceback."""
    try:
        import psycopg  # noqa: F401
    except ModuleNotFoundError as error:
        if (error.name or "").split(".", 1)[0] != "psycopg":
            raise  # psycopg is there but broken inside: a bug to report, with --debug
        raise StoreUnavailable(POSTGRESQL_DRIVER_MISSING) from None
    except ImportError as error:  # psycopg without a libpq wrapper: "no pq wrapper available"
        first = (str(error).strip().splitlines() or [""])[0]
        raise StoreUnavailable(f"the PostgreSQL driver psycopg cannot load ({first}): "
                               "pip install 'psycopg[binary]' brings one with its own libpq") from None


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _sqlite_error_name(error: BaseException) -> str:
    return getattr(error, "sqlite_errorname", None) or ""


def known_revisions() -> list[str]:
    """Revision ids of the migrations shipped with this ordercli: their file name prefixes."""
    names = resources.files("ordercli.db.migrations").joinpath("versions").iterdir()
    return sorted(n.name.split("_", 1)[0] for n in names if re.match(r"^\d{4}_.*\.py$", n.name))


class Database:
    """One database, opened lazily; `read()` and `write()` each give one transaction.

    `target` is a file path, a `sqlite:///` URL or a PostgreSQL URL (`postgresql://` and
    `postgres://` get the psycopg driver); None means the default file. `busy_timeout` is how
    many seconds to wait for a lock (default: ORDERCLI_BUSY_TIMEOUT, else 15).
    """

    def __init__(self, target: str | None = None, *, busy_timeout: float | None = None) -> None:
        self.busy_timeout = busy_timeout_from_environment() if busy_timeout is None else busy_timeout
        self.notices: list[str] = []
        self._engine = None
        self._raw: sqlite3.Connection | None = None
        self._raw_writer = False
        self._raw_read_only = False
        self._schema_checked = False
        self.path: Path | None = None
        self._url_text: str | None = None
        self._url = None
        self._default_location = target is None
        if target is None:
            target = str(default_database_path())
        target = target.strip()
        if not target:
            raise StoreUnavailable("the database location is empty: give a SQLite file path or a database URL")
        if target.startswith("sqlite:///") and "?" not in target:
            target = target[len("sqlite:///"):]
        if "://" not in target:
            prefix = target.split(":", 1)[0]
            if ":" in target and prefix.split("+", 1)[0].lower() in _URL_SCHEMES:
                raise StoreUnavailable(
                    f"the database location starts with '{prefix}:' but not '{prefix}://': "
                    f"write a database URL as {prefix}://user@host/database"
                )
            if target == ":memory:":
                raise StoreUnavailable("an in-memory SQLite database would be lost at exit: give a file path")
            self.backend = "sqlite"
            self.path = Path(target).expanduser().absolute()
            return
        self._url_text = target
        scheme = target.split("://", 1)[0].lower()
        url = parse_url(target)
        if scheme.split("+", 1)[0] not in ("postgresql", "postgres"):
            raise StoreUnavailable(
                f"unsupported database {safe_url(url)}: give a SQLite file path or a postgresql:// URL"
            )
        if "+" in scheme and scheme.split("+", 1)[1] != "psycopg":
            raise StoreUnavailable(
                f"ordercli reaches PostgreSQL with psycopg (version 3), not {scheme.split('+', 1)[1]}: "
                f"write postgresql:// or postgresql+psycopg:// in {safe_url(url)}"
            )
        self.backend = "postgresql"
        self._url = url

    @property
    def is_sqlite(self) -> bool:
        return self.backend == "sqlite"

    @property
    def url(self):
        """The SQLAlchemy URL (imports SQLAlchemy)."""
        from sqlalchemy.engine import URL

        if self.is_sqlite:
            return URL.create("sqlite", database=str(self.path))
        return self._url.set(drivername="postgresql+psycopg")

    @property
    def display(self) -> str:
        """The path or URL as it is safe to print: never with a password."""
        if self.is_sqlite:
            return str(self.path)
        return safe_url(self._url)

    # -- connecting ------------------------------------------------------------------------

    @property
    def engine(self):
        if self._engine is None:
            self._engine = self._sqlite_engine() if self.is_sqlite else self._postgresql_engine()
        return self._engine

    def _postgresql_engine(self):
        from sqlalchemy import create_engine

        require_postgresql_driver()
        url = self.url
        # lock_timeout 0 would mean "wait for ever": the shortest wait is 1 ms.
        timeout_ms = max(1, int(self.busy_timeout * 1000))
        # Keep any `options` the URL carries (a search_path, say) and add the lock timeout.
        options = " ".join(filter(None, [url.query.get("options"), f"-c lock_timeout={timeout_ms}"]))
        return create_engine(
            url.difference_update_query(["options"]),
            connect_args={"connect_timeout": 8, "application_name": "ordercli", "options": options},
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
        """A new database file is readable by its owner only: it holds customer data.

        Only the database's own folder is made (0700) when it is missing; existing folders are
        left alone. A missing folder above it means a mistyped path and is refused, except on
        the way to the default location, whose missing folders are made 0700 as the XDG base
        directory spec asks.
        """
        path = self.path
        if self.path_exists():
            return
        self.make_folder()
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
        except FileExistsError:
            return
        except OSError as error:
            raise StoreUnavailable(f"cannot create the database {path}: {error.strerror}") from None
        self.notices.append(f"created a new database at {path}")

    def make_folder(self) -> None:
        """Make the database's own folder (0700) if it is missing; a missing folder above it is
        refused as a likely typo, except on the way to the default location (see
        `_create_file_if_missing`)."""
        path = self.path
        missing = []
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            missing.append(folder)
            folder = folder.parent
        if len(missing) > 1 and not self._default_location:
            raise StoreUnavailable(
                f"cannot create the database {path}: the folder {missing[-1]} does not exist "
                "(ordercli makes only the database's own folder)"
            )
        try:
            for folder in reversed(missing):
                try:
                    os.mkdir(folder, 0o700)
                except FileExistsError:
                    pass
        except OSError as error:
            raise StoreUnavailable(f"cannot create the database {path}: {error.strerror}") from None

    def _make_private(self) -> None:
        """An existing empty file about to become a database: owner-only, like a new one."""
        try:
            status = self.path.stat()
        except OSError:
            return
        if status.st_mode & 0o077 and status.st_uid == os.geteuid():
            os.chmod(self.path, 0o600)
            self.notices.append(f"made {self.path} readable by its owner only (mode 0600): it holds customer data")

    def read_only_reason(self) -> str | None:
        """Why SQLite cannot write this database here, or None when it can."""
        path, folder = self.path, self.path.parent
        try:
            if os.statvfs(folder).f_flag & os.ST_RDONLY:
                return "it is on a read-only file system"
        except OSError:
            pass
        if path.exists() and not os.access(path, os.W_OK):
            return "the database file is read-only"
        if folder.exists() and not os.access(folder, os.W_OK | os.X_OK):
            return f"its folder {folder} is read-only (SQLite writes its -wal and -shm files beside the database)"
        # SQLite makes its -wal and -shm files with the database file's mode: a reader of a
        # read-only file leaves them read-only behind it.
        stuck = [side for side in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
                 if side.exists() and not os.access(side, os.W_OK)]
        if stuck:
            names = " and ".join(side.name for side in stuck)
            return (f"{names} {'is' if len(stuck) == 1 else 'are'} read-only (left by a reader while the database "
                    f"file was read-only): remove {'it' if len(stuck) == 1 else 'them'} when no process has the "
                    "database open")
        return None

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
            if not self.path_exists():
                raise StoreUnavailable(f"no database at {self.path}")
            with self._sqlite_transaction("BEGIN") as connection:
                yield connection
            return
        with self._translate_errors(), self.engine.connect() as connection:
            with connection.begin():
                yield connection

    @contextmanager
    def write(self):
        """A write transaction (a `Transaction`): committed when the block ends, unless the
        block raised or called `rollback()` (a dry run).

        On SQLite it runs on the standard library driver and begins with BEGIN IMMEDIATE.
        """
        self.ensure_schema()
        if self.is_sqlite:
            with self._sqlite_transaction("BEGIN IMMEDIATE", writer=True) as connection:
                transaction = Transaction(connection)
                yield transaction
                if transaction.rolled_back:
                    connection.execute("ROLLBACK")
            return
        with self._translate_errors(writing=True), self.engine.connect() as connection:
            connection = connection.execution_options(ordercli_write=True)
            with connection.begin() as outer:
                transaction = Transaction(connection)
                yield transaction
                if transaction.rolled_back:
                    outer.rollback()

    @contextmanager
    def snapshot(self):
        """A read transaction that sees the whole database as of one moment however long it
        lasts (a copy reads every table in it): REPEATABLE READ, read only, on PostgreSQL; any
        read transaction on SQLite in WAL. Times are read in UTC. The schema is neither made nor
        upgraded here."""
        with self.inspect() as connection:
            if not self.is_sqlite:
                execute(connection, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                execute(connection, "SET LOCAL TIME ZONE 'UTC'")
            yield connection

    @contextmanager
    def migrating_write(self):
        """A write transaction in which Alembic can migrate (on a SQLAlchemy connection), for
        filling a database from nothing: the schema it makes and the rows written after commit
        together, or nothing does. Unlike `write()` the schema is neither checked nor made
        first. On PostgreSQL it holds the migration lock, so a process starting meanwhile waits
        and then finds the work done. On SQLite foreign keys are off until the end and then
        checked, as during migrations (tables may be rebuilt)."""
        from ordercli.db.migrate import foreign_keys_checked, hold_migration_lock

        with self._translate_errors(writing=True), self.engine.connect() as connection:
            raw = connection.connection.driver_connection
            if self.is_sqlite:
                raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction: ignored inside one
            try:
                connection = connection.execution_options(ordercli_write=True)
                with connection.begin() as outer:
                    hold_migration_lock(connection)
                    if not self.is_sqlite:  # as in upgrades: the tables made are the owner role's
                        from ordercli.db.roles import act_as_owner

                        act_as_owner(connection)
                    transaction = Transaction(connection)
                    yield transaction
                    if transaction.rolled_back:
                        outer.rollback()
                    else:
                        foreign_keys_checked(connection)
            finally:
                if self.is_sqlite:
                    raw.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def _sqlite_transaction(self, begin: str, *, writer: bool = False):
        """A transaction on the standard library driver; the connection is kept for the next one."""
        with self._translate_errors(writing=writer):
            connection = self._sqlite_connection(writer)
            connection.execute(begin)
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise
            if connection.in_transaction:
                connection.execute("COMMIT")

    def _sqlite_connection(self, writer: bool) -> sqlite3.Connection:
        if self._raw is not None and writer and self._raw_read_only:
            self._raw.close()  # a read-only connection cannot write: try a writable one
            self._raw = None
        if self._raw is None:
            read_only = not writer and self.read_only_reason() is not None
            if read_only:
                connection = self._read_only_connection()
            else:
                connection = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
            prepare_sqlite(connection)
            self._configure_sqlite(connection, writer=False)
            self._raw, self._raw_writer, self._raw_read_only = connection, False, read_only
        if writer and not self._raw_writer:
            self._configure_sqlite(self._raw, writer=True)
            self._raw_writer = True
        return self._raw

    def _read_only_connection(self) -> sqlite3.Connection:
        """A connection that never writes, for a database whose file or folder cannot be written.

        `mode=ro` reads a WAL database as long as its -wal and -shm files exist or can be made
        (sqlite.org/wal.html, "Read-Only Databases"). Where they cannot (a read-only folder or
        file system, after the last writer closed the database and removed them), `immutable=1`
        reads the file alone; that is exact only when no -wal file holds changes the database
        file lacks, so with such a file it refuses rather than show old data.
        """
        uri = "file:" + quote(str(self.path)) + "?mode=ro"
        connection = sqlite3.connect(uri, uri=True, timeout=self.busy_timeout, isolation_level=None)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError as error:
            connection.close()
            if not _sqlite_error_name(error).startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY")):
                raise
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise StoreUnavailable(
                f"cannot read the database {self.path}: {self.read_only_reason()}, and its -wal file holds "
                "changes not yet in the database file, which SQLite reads only where it can write; open it "
                "once where it can be written"
            )
        return sqlite3.connect(uri + "&immutable=1", uri=True, timeout=self.busy_timeout, isolation_level=None)

    @contextmanager
    def _translate_errors(self, *, writing: bool = False, upgrading: bool = False):
        """Driver errors that mean "not now" or "not here" become StoreUnavailable (exit 6).

        Every statement path ends here: SQLAlchemy's wrapped errors, and the raw driver errors
        of statements run on the driver's own cursor (sql.tuples, executemany), which SQLAlchemy
        never sees.
        """
        try:
            yield
        except Exception as error:
            translated = self._translate(error, writing, upgrading)
            if translated is None:
                raise
            raise translated from error

    def _translate(self, error: Exception, writing: bool, upgrading: bool = False) -> StoreUnavailable | None:
        original, invalidated = error, False
        if "sqlalchemy" in sys.modules:
            from sqlalchemy.exc import DBAPIError

            if isinstance(error, DBAPIError):
                original, invalidated = error.orig, error.connection_invalidated
        if isinstance(original, sqlite3.Error):
            return self._sqlite_problem(original, writing)
        psycopg = sys.modules.get("psycopg")
        if psycopg is None or not isinstance(original, psycopg.Error):
            return None
        connection_problem = invalidated or isinstance(original, psycopg.OperationalError)
        if getattr(original, "sqlstate", None) == "42501" and not connection_problem:  # insufficient_privilege
            return self._permission_problem(original, writing, upgrading)
        return self._postgresql_problem(original, connection_problem)

    def _sqlite_problem(self, error: sqlite3.Error, writing: bool) -> StoreUnavailable | None:
        name = _sqlite_error_name(error)
        message = str(error)
        if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in message:
            return self._busy()
        if writing and (name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) or "readonly database" in message):
            reason = self.read_only_reason()
            if reason:
                return StoreUnavailable(f"cannot write to the database {self.path}: {reason}; nothing was changed")
        if name == "SQLITE_NOTADB" or name.startswith("SQLITE_CORRUPT") or (
                "not a database" in message or "malformed" in message):
            return StoreUnavailable(f"{self.display} is not a usable SQLite database: {message}")
        if name == "SQLITE_FULL":
            return StoreUnavailable(f"the disk of the database {self.path} is full; nothing was changed")
        if isinstance(error, sqlite3.OperationalError):
            return self._unavailable(message)
        return None

    def _postgresql_problem(self, error, connection_problem: bool) -> StoreUnavailable | None:
        state = getattr(error, "sqlstate", None) or ""
        if state == "55P03":  # lock_not_available: lock_timeout passed
            return self._busy()
        if state == "40P01":
            return StoreUnavailable("the database broke a deadlock with another process; nothing was changed, "
                                    "try again")
        if state == "40001":
            return StoreUnavailable("the database could not serialize this change with another made at the same "
                                    "time; nothing was changed, try again")
        if state == "57014":
            return StoreUnavailable("the database canceled the statement (a statement timeout, or an "
                                    "administrator); nothing was changed")
        if state == "25006":
            return StoreUnavailable(f"the database {self.display} is read-only (a standby server, or "
                                    "read-only transactions by default); nothing was changed")
        if connection_problem or state[:2] in ("08", "53", "57", "58", "XX") or state == "42501":
            return self._unavailable(str(error))
        return None

    def _permission_problem(self, error, writing: bool, upgrading: bool) -> PermissionDenied:
        """The server refused a statement for want of a privilege (SQLSTATE 42501). Whether this
        user may only read is asked of the catalog, not read from the server's message."""
        said = mask_secrets((str(error).strip().splitlines() or [""])[0], self._url_text)
        if upgrading:
            return PermissionDenied(f"permission denied: this database user may not change the schema of "
                                    f"{self.display} (the server said: {said}); ask someone who may to run "
                                    "`ordercli db upgrade`; nothing was changed")
        if writing and self._may_only_read():
            return PermissionDenied("permission denied: this database user may only read; nothing was changed")
        return PermissionDenied(f"permission denied: this database user lacks a right this command needs (the "
                                f"server said: {said})" + ("; nothing was changed" if writing else ""))

    def _may_only_read(self) -> bool:
        """Whether the user may change no ordercli table, asked on a connection of its own (the
        failed transaction is over); False when that cannot be told."""
        from ordercli.db.roles import may_only_read

        try:
            with self.engine.connect() as connection, connection.begin():
                return may_only_read(connection)
        except Exception:  # noqa: BLE001 - the server's own message is shown instead
            return False

    def _busy(self) -> StoreUnavailable:
        return StoreUnavailable(
            f"the database is busy: another process held its lock for more than "
            f"{self.busy_timeout:g} s; nothing was changed, try again"
        )

    def _unavailable(self, message: str) -> StoreUnavailable:
        message = mask_secrets((message.strip().splitlines() or [""])[0], self._url_text)
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
            if not self.is_sqlite and scalar(connection, "SELECT current_schema()") is None:
                raise StoreUnavailable(
                    f"{self.display} has no schema to use: its search_path names none that exists and that this "
                    "database user may use (a schema needs GRANT USAGE ON SCHEMA to its users)"
                )
            if scalar(connection, any_table):
                raise StoreUnavailable(
                    f"{self.display} is not an ordercli database (it has tables but no schema version)"
                )
            return None
        return scalar(connection, "SELECT version_num FROM alembic_version")

    def path_exists(self) -> bool:
        """Whether the SQLite file exists; a folder on the way that cannot be entered is a
        database that cannot be used (exit 6), not a crash."""
        try:
            return self.path.exists()
        except PermissionError:
            raise StoreUnavailable(f"cannot use the database {self.path}: a folder on its path cannot be entered "
                                   "(permission denied)") from None

    def ensure_schema(self, *, create: bool = True) -> None:
        """Bring an older database up to this ordercli's schema; create a new one if `create`."""
        if self._schema_checked:
            return
        known = known_revisions()
        if self.is_sqlite and not self.path_exists():
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
            if not self.is_sqlite:
                self._refuse_schema_change_without_rights(current, known[-1])
            reason = self.read_only_reason() if self.is_sqlite else None
            if reason and current is None:
                raise StoreUnavailable(f"cannot set up the database {self.path}: {reason}; nothing was changed")
            if reason:
                raise StoreUnavailable(
                    f"the database {self.path} has schema {current} and this ordercli needs {known[-1]}: it must be "
                    f"upgraded before use, but {reason}; run `ordercli db upgrade` where it can be written"
                )
            if self.is_sqlite and current is None:
                self._make_private()
            from ordercli.db.migrate import upgrade

            with self._translate_errors(writing=True, upgrading=True):
                before, after = upgrade(self)
            if before is None and not self.is_sqlite:
                self.notices.append(f"set up a new ordercli schema in {self.display}")
            elif before is not None and before != after:
                self.notices.append(f"upgraded the database schema from {before} to {after}")
        self._schema_checked = True

    def _refuse_schema_change_without_rights(self, current: str | None, latest: str) -> None:
        """On PostgreSQL, refuse before any DDL is tried a new schema or an upgrade that this
        user may not make (a reader, an operator, a read-only session), saying whom to ask."""
        from ordercli.db.roles import schema_rights

        with self.inspect() as connection:
            rights = schema_rights(connection)
        if rights.refusal is None:
            return
        if current is None:
            raise PermissionDenied(f"cannot set up ordercli's tables in {self.display}: {rights.refusal}; "
                                   f"{rights.ask}; nothing was changed")
        raise PermissionDenied(f"the database {self.display} has schema {current} and this ordercli needs {latest}: "
                               f"it must be upgraded before use, but {rights.refusal}; {rights.ask}")

    def dispose(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        if self._engine is not None:
            self._engine.dispose()
