"""A password in a database URL is never printed: not in errors, not in `db info`, not in a
--debug traceback, whatever the shape of the URL; and masking it garbles nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ordercli.db.engine import Database, mask_secrets
from tests.helpers import CUSTOMER, Cli

SERVER = "127.0.0.1:5432"  # the test PostgreSQL server: trust auth, so a password is never checked
CLOSED = "127.0.0.1:1"  # nothing listens there
MISSING_DB = "ordercli_no_such_database"

# name: (URL with {where} and {db}, the secret texts that must never be printed, the URL as printed)
SHAPES = {
    "plain": ("postgresql://postgres:s3cret-pw@{where}/{db}", ["s3cret-pw"],
              "postgresql://postgres:***@{where}/{db}"),
    "raw-at-in-password": ("postgresql://postgres:p@ssw0rdX@{where}/{db}", ["ssw0rdX"],
                           None),
    "password-in-query": ("postgresql://postgres@{where}/{db}?password=QueryPW9", ["QueryPW9"],
                          "postgresql://postgres@{where}/{db}?password=***"),
    "one-letter": ("postgresql://postgres:a@{where}/{db}", [":a@"],
                   "postgresql://postgres:***@{where}/{db}"),
}
COMMANDS = [["db", "info"], ["db", "info", "--json"], ["show", "1"], ["list"],
            ["create", *CUSTOMER, "--line", "FEE:1@1:Fee"], ["db", "upgrade"]]
PLACES = {"closed-port": (CLOSED, "orders"), "missing-database": (SERVER, MISSING_DB)}


def url_of(shape: str, place: str) -> tuple[str, list[str], str | None]:
    template, secrets, shown = SHAPES[shape]
    where, db = PLACES[place]
    return template.format(where=where, db=db), secrets, shown and shown.format(where=where, db=db)


def assert_safe(outcome, secrets: list[str], shown: str | None, place: str) -> None:
    printed = outcome.stdout + outcome.stderr
    for secret in secrets:
        assert secret not in printed, outcome
    assert "f***" not in printed and "***t " not in printed, outcome  # nothing garbled
    assert outcome.exit_code == 6, outcome
    last = outcome.stderr.strip().splitlines()[-1]
    if shown is None:  # a raw '@' in the password: refused before connecting, the URL not shown
        assert last == ("ordercli: the database URL postgresql://*** has an '@' in its password or host: write "
                        "each '@' inside a user name, password or database name as %40 (the URL is not shown: it "
                        "holds a password)")
        return
    reason = ('port 1 failed: Connection refused' if place == "closed-port"
              else f'FATAL:  database "{MISSING_DB}" does not exist')
    assert last.startswith(f"ordercli: cannot use the database {shown}: connection failed: "), outcome
    assert last.endswith(reason), outcome


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("shape", SHAPES)
def test_no_command_prints_the_password_of_any_url_shape(shape, place, tmp_path):
    url, secrets, shown = url_of(shape, place)
    cli = Cli(url, tmp_path)
    for command in COMMANDS:
        for debug in ([], ["--debug"]):
            outcome = cli(*debug, *command)
            assert_safe(outcome, secrets, shown, place)
            if debug:
                assert "Traceback" in outcome.stderr and "StoreUnavailable" in outcome.stderr, outcome
            else:
                assert len(outcome.stderr.strip().splitlines()) == 1, outcome


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("shape", SHAPES)
def test_a_real_process_with_debug_prints_no_password(shape, place, tmp_path):
    url, secrets, shown = url_of(shape, place)
    for args in (["--debug", "list"], ["--debug", "create", *CUSTOMER, "--line", "FEE:1@1:Fee"]):
        proc = subprocess.run([sys.executable, "-m", "ordercli", "--db", url, *args], capture_output=True, text=True,
                              timeout=120, env={**os.environ, "NO_COLOR": "1"})
        from tests.helpers import Outcome

        assert_safe(Outcome(proc.returncode, proc.stdout, proc.stderr), secrets, shown, place)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_db_info_of_a_reachable_database_shows_the_url_without_its_password(db_target, tmp_path):
    """The test server, reached with a password (trust auth ignores it) in either place."""
    base, query = db_target.split("?", 1)
    for secret_url, shown in (
        (db_target.replace("postgres@", "postgres:Sekr1tPW@", 1), db_target.replace("postgres@", "postgres:***@", 1)),
        (f"{base}?password=Sekr1tPW&{query}", f"{base}?{query}&password=***"),
    ):
        cli = Cli(secret_url, tmp_path)
        text = cli("db", "info")
        data = cli("db", "info", "--json")
        assert text.exit_code == 0 and data.exit_code == 0, (text, data)
        assert "Sekr1tPW" not in text.stdout + text.stderr + data.stdout + data.stderr
        assert json.loads(data.stdout)["location"] == shown
        assert f"location      {shown}\n" in text.stdout


@pytest.mark.parametrize("password", ["Db4ndPw", "ab"])
def test_a_driver_message_that_quotes_the_password_is_masked_too(tmp_path, password):
    """The server quotes the database name; here it is the password, so its message carries it.
    A password of 4 characters or more is masked wherever it appears (here also in the URL's
    database name); a shorter one where a message quotes it, so that no other text is garbled."""
    url = f"postgresql://postgres:{password}@{SERVER}/{password}"
    for debug in ([], ["--debug"]):
        outcome = Cli(url, tmp_path)(*debug, "list")
        assert outcome.exit_code == 6, outcome
        assert f'"{password}"' not in outcome.stderr, outcome
        assert 'connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "***" ' \
               'does not exist' in outcome.stderr, outcome
        if len(password) >= 4:
            assert password not in outcome.stderr, outcome


@pytest.mark.parametrize("url, message", [
    ("mysql://root:MyS3cretPW@localhost/shop", "ordercli: unsupported database mysql://root:***@localhost/shop: "
                                               "give a SQLite file path or a postgresql:// URL"),
    ("mysql://root@localhost/shop?password=MyS3cretPW", "ordercli: unsupported database "
                                                       "mysql://root@localhost/shop?password=***: give a SQLite file "
                                                       "path or a postgresql:// URL"),
    ("postgresql+psycopg2://ops:MyS3cretPW@db/shop", "ordercli: ordercli reaches PostgreSQL with psycopg (version 3), "
                                                     "not psycopg2: write postgresql:// or postgresql+psycopg:// in "
                                                     "postgresql+psycopg2://ops:***@db/shop"),
    ("postgresql://ops:MyS3cretPW@db1:5432,db2:5432/shop", "ordercli: not a database URL: postgresql://*** (not shown "
                                                           "in full: it may hold a password)"),
    ("postgresql://ops:p@ss:MyS3cretPW@db:5432/shop", "ordercli: not a database URL: postgresql://*** (not shown in "
                                                      "full: it may hold a password)"),
    ("postgresql://ops:p@ss/MyS3cretPW@db/shop", "ordercli: the database URL postgresql://*** has an '@' in its "
                                                 "password or host: write each '@' inside a user name, password or "
                                                 "database name as %40 (the URL is not shown: it holds a password)"),
    ("postgresql:ops:MyS3cretPW@db/shop", "ordercli: the database location starts with 'postgresql:' but not "
                                          "'postgresql://': write a database URL as postgresql://user@host/database"),
])
def test_refused_urls_are_shown_without_their_password(tmp_path, url, message):
    for debug in ([], ["--debug"]):
        outcome = Cli(url, tmp_path)(*debug, "list")
        assert outcome.exit_code == 6, outcome
        assert outcome.stderr.strip().splitlines()[-1] == message
        assert "MyS3cretPW" not in outcome.stdout + outcome.stderr
    assert not any(tmp_path.iterdir())  # nothing made on disk from a URL mistaken for a path


@pytest.mark.parametrize("url, password, shown", [
    ("postgresql://u:p%40ss%3Aw0rd@h/db", "p@ss:w0rd", "postgresql://u:***@h/db"),
    ("postgresql://u:pa/ss?w#rd@h/db", "pa/ss?w#rd", "postgresql://u:***@h/db"),
    ("postgresql://u@h/db?sslpassword=KeyPass1&sslmode=require", "KeyPass1",
     "postgresql://u@h/db?sslmode=require&sslpassword=***"),
    ("postgresql://u@h/db?password=p%26ss%3Dw0rd", "p&ss=w0rd", "postgresql://u@h/db?password=***"),
    ("postgres://azure@server:Pw0rd1234@h/db", "Pw0rd1234", "postgres://azure%40server:***@h/db"),
])
def test_the_displayed_url_and_masked_messages_hold_no_password(url, password, shown):
    database = Database(url)
    assert database.display == shown
    assert password not in database.display
    assert mask_secrets(f"server said: bad '{password}' in {password}", url) == "server said: bad '***' in ***"


def test_masking_a_short_password_leaves_other_text_alone():
    url = "postgresql://postgres:a@127.0.0.1:1/x"
    message = 'connection failed: connection to server at "127.0.0.1", port 1 failed: role "a" is not a user'
    assert mask_secrets(message, url) == message.replace('"a"', '"***"')
