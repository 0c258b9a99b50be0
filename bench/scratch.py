"""Databases made for one bench run: a new SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import itertools
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

_SCHEMAS = itertools.count()


def sqlite_file() -> str:
    """The path of a new SQLite database file (not made yet: ordercli makes it)."""
    return str(Path(tempfile.mkdtemp(prefix="ordercli-bench-")) / "bench.db")


@contextmanager
def postgresql_schema(url: str):
    """A new schema on the PostgreSQL server of `url`, as a URL whose search_path is that schema;
    dropped with everything in it at the end."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"ordercli_bench_{os.getpid()}_{next(_SCHEMAS)}"
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as connection:
        connection.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
        connection.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
