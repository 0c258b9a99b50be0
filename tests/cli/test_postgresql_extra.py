"""The PostgreSQL driver is the extra `ordercli[postgres]`: without it, SQLite works as always and
a PostgreSQL URL gets one line naming the fix and exit 6, never a traceback.

The driver is taken away the way a missing package is missing: a real `ordercli` process whose
import system cannot find `psycopg` (a finder first on `sys.meta_path` that answers every
`psycopg` import with ModuleNotFoundError, as Python does for a module that is not installed).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import CUSTOMER

WITHOUT_PSYCOPG = """
import importlib.abc, sys

class NotInstalled(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "psycopg" or name.startswith(("psycopg.", "psycopg_")):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
sys.argv = ["ordercli", *sys.argv[1:]]
from ordercli.cli.main import main
main()
"""

# Nothing listens on this host (.invalid never resolves): the driver is missed before any connection.
URL = "postgresql://ops@db.invalid/orders"
FIX = "pip install 'ordercli[postgres]'"


def run_without_psycopg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", WITHOUT_PSYCOPG, *args], capture_output=True, text=True,
                          timeout=60, env={**os.environ, "NO_COLOR": "1", **(env or {})})


def test_the_blocker_really_hides_the_driver():
    outcome = subprocess.run([sys.executable, "-c", WITHOUT_PSYCOPG.replace(
        "from ordercli.cli.main import main\nmain()", "import psycopg")], capture_output=True, text=True)
    assert outcome.returncode == 1 and "ModuleNotFoundError: No module named 'psycopg'" in outcome.stderr


@pytest.mark.parametrize("args", [["db", "info"], ["list"], ["db", "upgrade"],
                                  ["create", *CUSTOMER, "--line", "FEE:1@1:Fee"]],
                         ids=["db info", "list", "db upgrade", "create"])
def test_a_postgresql_url_without_the_driver_names_the_extra_and_exits_6(args):
    outcome = run_without_psycopg("--db", URL, *args)
    assert outcome.returncode == 6, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("ordercli: PostgreSQL needs the psycopg driver, which this ordercli was installed "
                               "without: "), lines
    assert FIX in lines[0] and "pipx inject ordercli 'psycopg[binary]'" in lines[0]
    assert "uv tool install --with 'psycopg[binary]'" in lines[0]


def test_the_url_may_come_from_the_environment_too():
    outcome = run_without_psycopg("show", "1", env={"ORDERCLI_DB": URL})
    assert outcome.returncode == 6 and FIX in outcome.stderr and "Traceback" not in outcome.stderr


def test_debug_still_shows_where_it_was_refused():
    outcome = run_without_psycopg("--db", URL, "list", "--debug")
    assert outcome.returncode == 6
    assert "Traceback" in outcome.stderr and "require_postgresql_driver" in outcome.stderr
    assert outcome.stderr.strip().splitlines()[-1].startswith("ordercli: PostgreSQL needs the psycopg driver")


def test_sqlite_needs_no_driver(tmp_path):
    """A new database (migrations through SQLAlchemy and Alembic), an order, and reading it back."""
    target = str(tmp_path / "orders.db")
    created = run_without_psycopg("--db", target, "create", *CUSTOMER, "--line", "FEE:1@1:Fee")
    assert created.returncode == 0, created.stderr
    assert created.stdout == "1\n"
    shown = run_without_psycopg("--db", target, "list", "--ids")
    assert shown.returncode == 0 and shown.stdout == "1\n", shown.stderr
