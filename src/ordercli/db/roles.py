"""What a PostgreSQL user may do with ordercli's schema, read from the server's catalog.

A team gives people roles (docs/postgresql-roles.md): a reader may only SELECT, an operator may
also change rows, and only the role that owns the tables changes the schema. Before an upgrade
ordercli asks the catalog whether this user may make it, so that a user who may not is told
whom to ask and no DDL is tried; after the server refused a statement for want of a privilege
(SQLSTATE 42501) it asks whether this user may change any table at all, to say so plainly.

An upgrade runs as the role that owns ordercli's tables (the owner of alembic_version, or for
a new schema the schema's owner) when the user is a member of it and not that role itself:
what the upgrade creates then belongs to that role too, so the default privileges it set for
readers and operators apply to the new tables.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordercli.db.sql import execute, first, scalar

# The role the upgrade would act as: the tables' owner when the user may become it, else the
# user. Predefined roles (pg_database_owner owns `public` since PostgreSQL 15) are never acted as.
_RIGHTS = """
WITH found AS (
    SELECT current_user AS user_name, current_schema() AS schema_name,
           current_setting('default_transaction_read_only') = 'on' OR pg_is_in_recovery() AS read_only,
           coalesce((SELECT relowner FROM pg_class WHERE oid = to_regclass('alembic_version')),
                    (SELECT n.nspowner FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
                     WHERE n.nspname = current_schema() AND left(r.rolname, 3) <> 'pg_')) AS owner_oid
), acting AS (
    SELECT found.*,
           CASE WHEN owner_oid IS NOT NULL AND pg_has_role(owner_oid, 'MEMBER') THEN owner_oid
                ELSE (SELECT oid FROM pg_roles WHERE rolname = current_user) END AS role_oid
    FROM found
)
SELECT user_name, schema_name, read_only,
       pg_get_userbyid(owner_oid) AS owner, pg_get_userbyid(role_oid) AS acting_role,
       schema_name IS NOT NULL AND has_schema_privilege(role_oid, schema_name, 'CREATE') AS may_create,
       ARRAY(SELECT o.name FROM (
                 SELECT relname::text AS name, relowner AS owner FROM pg_class
                 WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
                 UNION ALL
                 SELECT proname::text, proowner FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
             ) o
             WHERE NOT pg_has_role(role_oid, o.owner, 'USAGE') ORDER BY o.name) AS not_owned
FROM acting
"""

# Whether there are ordercli tables and the user may change a row of none of them
# (alembic_version belongs to upgrades). Without tables it cannot be told: NULL.
_MAY_ONLY_READ = """
SELECT NOT bool_or(has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE'))
FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
"""


@dataclass(frozen=True)
class SchemaRights:
    """Who the user is and whether they may create or change ordercli's schema here."""

    user: str
    schema: str | None
    read_only: bool  # a standby server, or transactions read-only by default (not just the one asking)
    owner: str | None  # the role that owns ordercli's tables (or the schema, before there are any)
    acting_role: str  # the role an upgrade runs as: `owner` when the user may become it, else the user
    may_create: bool
    not_owned: tuple[str, ...]  # objects of the schema the acting role may not alter

    @property
    def refusal(self) -> str | None:
        """Why this user may not change the schema (a clause to follow "but"), or None."""
        if self.read_only:
            return "this database session is read-only (a standby server, or read-only transactions by default)"
        if self.schema is None:
            return (f"the search_path names no schema that exists and that this database user ({self.user}) "
                    "may use")
        if self.may_create and not self.not_owned:
            return None
        who = f"this database user ({self.user})"
        if self.acting_role != self.user:
            who = f"the role {self.acting_role}, which owns its tables and which {self.user} acts as,"
        if not self.may_create:
            return f"{who} may not create tables in the schema {self.schema}"
        shown = ", ".join(self.not_owned[:3]) + (", ..." if len(self.not_owned) > 3 else "")
        return f"{who} may not change its schema (it does not own {shown})"

    @property
    def ask(self) -> str:
        """Whom to ask to run `ordercli db upgrade`."""
        if self.read_only:
            return "run `ordercli db upgrade` where it can be written"
        if self.owner and self.owner != self.user:
            return f"ask someone who may (the role {self.owner} or one of its members) to run `ordercli db upgrade`"
        return "ask someone who may to run `ordercli db upgrade`"


def schema_rights(connection) -> SchemaRights:
    """Whether the connection's user may create or change ordercli's schema (one query)."""
    row = first(connection, _RIGHTS)
    return SchemaRights(row.user_name, row.schema_name, bool(row.read_only), row.owner, row.acting_role,
                        bool(row.may_create), tuple(row.not_owned or ()))


def may_only_read(connection) -> bool:
    """Whether there are ordercli tables and the connection's user may change a row of none."""
    return scalar(connection, _MAY_ONLY_READ) is True


def act_as_owner(connection) -> None:
    """For the rest of the transaction, act as the role that owns ordercli's tables when the
    user is a member of it (see the module's docstring): an upgrade's new tables are then its."""
    rights = schema_rights(connection)
    if rights.acting_role != rights.user:
        execute(connection, "SELECT set_config('role', :role, true)", {"role": rights.acting_role})
