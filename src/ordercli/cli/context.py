"""What the root options decide (database, actor, verbosity), carried on Typer's context."""

from __future__ import annotations

import getpass
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone

import typer

ACTOR_SOURCE = "--actor (or ORDERCLI_ACTOR)"


@dataclass
class AppContext:
    db_target: str | None = None
    actor: str | None = None
    debug: bool = False
    quiet: bool = False
    fields_as_flags: bool = True  # errors call input fields by their flags; False when a file gave them
    masked: list[str] = field(default_factory=list)  # other database locations whose passwords are never shown
    _database: object = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.use("actor", self.actor)

    def use(self, option: str, value, where: str = "--db") -> None:
        """Take the value of a global option, given before the command or after it (then it
        comes later and wins). `where` names the database's source in a message."""
        if option == "db":
            if value is not None and not value.strip():
                # An empty --db must not quietly mean the default database. (An empty ORDERCLI_DB
                # never gets here: like most tools, ordercli takes an empty variable as unset.)
                from ordercli.cli.errors import EXIT_USAGE, fail

                raise fail(f"{where} is empty: give a SQLite file path or a database URL, "
                           "or leave it out for the default database", EXIT_USAGE)
            self.db_target = value
        elif option == "actor" and value is not None:
            # A name given with --actor or ORDERCLI_ACTOR is refused at once, whatever the command:
            # it is replayed by `history` and `stock history`, so it must be text a person can read.
            from ordercli.domain.validation import normalize_actor

            self.actor = normalize_actor(value, ACTOR_SOURCE)
        else:
            setattr(self, option, value)

    def mask(self, target: str) -> None:
        """Another database location the command uses (`db copy --to`): its password is masked
        in every message and traceback, as that of --db is."""
        self.masked.append(target)

    def database(self):
        """The database, opened on first use (so `--help` never loads SQLAlchemy)."""
        if self._database is None:
            from ordercli.db.engine import Database

            self._database = Database(self.db_target)
        return self._database

    def stamp(self, command: str):
        from ordercli.services.views import Stamp

        return Stamp(actor=self.who(), command=command, at=datetime.now(timezone.utc))

    def who(self) -> str:
        """The actor written to history: --actor, ORDERCLI_ACTOR, else the OS user name (which
        comes from LOGNAME or USER when they are set, so it is checked the same way)."""
        if self.actor:
            return self.actor
        try:
            user = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name in the environment
            return "unknown"
        from ordercli.domain.errors import InvalidData
        from ordercli.domain.validation import normalize_actor

        try:
            return normalize_actor(user, "the OS user name")
        except InvalidData as error:
            raise InvalidData(f"{error}; name the actor with {ACTOR_SOURCE}") from None

    def say(self, message: str) -> None:
        """A message for people, on stderr; silenced by --quiet."""
        self.flush_notices()
        if not self.quiet:
            print(message, file=sys.stderr)

    def flush_notices(self) -> None:
        """What the database did on open (created, upgraded): on stderr unless --quiet."""
        database = self._database
        if database is not None and database.notices:
            if not self.quiet:
                for notice in database.notices:
                    print(f"ordercli: {notice}", file=sys.stderr)
            database.notices.clear()

    def close(self) -> None:
        self.flush_notices()
        if self._database is not None:
            self._database.dispose()


def app_context(ctx: typer.Context) -> AppContext:
    return ctx.ensure_object(AppContext)
