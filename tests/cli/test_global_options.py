"""The global options --db, --debug, --quiet and --actor work after the command too (as `gh`
and `git -C` users expect), with the same meaning; given on both sides, the later one wins.
(--debug after the command: tests/cli/test_conventions.py.)"""

import os
import subprocess
import sys

import pytest
import typer

from ordercli.cli.errors import OrderCliGroup
from tests.cli.test_help import COMMANDS
from tests.helpers import CUSTOMER, Cli, query, table_count

EVERY_COMMAND = COMMANDS[1:]  # the root has them as its own

FEE = ["--line", "FEE:1@1:Fee"]


def ordercli(tmp_path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """A real process with no --db in front (the default database, if used, in `tmp_path`)."""
    return subprocess.run([sys.executable, "-m", "ordercli", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", "ORDERCLI_DB": "", "XDG_DATA_HOME": str(tmp_path / "xdg"),
                               **(env or {})})


def test_db_after_the_command_chooses_the_database(tmp_path):
    first, second = str(tmp_path / "first.db"), str(tmp_path / "second.db")
    made = ordercli(tmp_path, "create", *CUSTOMER, *FEE, "--db", first)
    assert made.returncode == 0, made.stderr
    listed = ordercli(tmp_path, "list", "--ids", "--db", first)
    assert (listed.returncode, listed.stdout) == (0, "1\n"), listed.stderr
    # before and after: the later one wins, as when an option is given twice
    later = ordercli(tmp_path, "--db", second, "create", *CUSTOMER, *FEE, "--db", first)
    assert later.returncode == 0, later.stderr
    assert table_count(Cli(first, tmp_path), "orders") == 2
    assert not os.path.exists(second) and not (tmp_path / "xdg").exists()


def test_db_after_the_command_wins_over_the_environment(tmp_path):
    chosen, other = str(tmp_path / "chosen.db"), str(tmp_path / "other.db")
    outcome = ordercli(tmp_path, "create", *CUSTOMER, *FEE, "--db", chosen, env={"ORDERCLI_DB": other})
    assert outcome.returncode == 0, outcome.stderr
    assert os.path.exists(chosen) and not os.path.exists(other)


def test_an_empty_db_after_the_command_is_refused_like_one_before(cli):
    outcome = cli("list", "--db", "")
    assert (outcome.exit_code, outcome.stderr) == (2, "ordercli: --db is empty: give a SQLite file path or a database "
                                                      "URL, or leave it out for the default database "
                                                      "(see ordercli list --help)\n")


def test_quiet_after_the_command_silences_messages(cli):
    outcome = cli("create", *CUSTOMER, *FEE, "-q")
    assert (outcome.exit_code, outcome.stdout, outcome.stderr) == (0, "1\n", "")
    loud = cli("create", *CUSTOMER, *FEE)
    assert "created order 2" in loud.stderr


def test_actor_after_the_command_is_written_to_history_and_checked(cli):
    assert cli("--actor", "anna", "create", *CUSTOMER, *FEE, "--actor", "night-batch").exit_code == 0
    assert [r.actor for r in query(cli, "SELECT actor FROM order_history")] == ["night-batch"]
    bad = cli("status", "1", "--to", "canceled", "--actor", "eve\x1b[2J")
    assert (bad.exit_code, bad.stderr) == (5, "ordercli: --actor (or ORDERCLI_ACTOR) contains a control character "
                                              "(U+001B)\n")
    assert query(cli, "SELECT status FROM orders")[0].status == "open"


def test_options_after_a_group_name_work_too(cli):
    assert cli("location", "--quiet", "add", "main").stderr == ""


@pytest.mark.parametrize("option", ["--db", "--actor", "--quiet", "-q", "--debug"])
def test_every_command_offers_the_global_options_with_their_help(option):
    for path, command in EVERY_COMMAND:
        given = [p for p in command.params if option in p.opts]
        assert len(given) == 1 and given[0].help, f"`ordercli {path}` lacks {option}"


def test_a_command_with_an_option_of_a_global_name_is_refused_when_the_app_is_built():
    clashing = typer.Typer(cls=OrderCliGroup)

    @clashing.callback()
    def root(debug: bool = typer.Option(False, "--debug", help="Traceback.")) -> None:
        """Root."""

    @clashing.command()
    def one(debug: bool = typer.Option(False, "--debug", help="Its own.")) -> None:
        """One."""

    @clashing.command()
    def two() -> None:
        """Two."""

    with pytest.raises(RuntimeError, match="`one` has its own --debug, a global option"):
        typer.main.get_command(clashing)
