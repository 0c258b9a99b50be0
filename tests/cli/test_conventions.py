"""Conventions every command keeps: help with an example, documented in docs/commands.md and at a
glance in the README, one-line errors with documented exit codes, --debug for the traceback, and
the README's commands."""

import re

import pytest
import typer

from ordercli.cli.app import app
from ordercli.cli.errors import EXIT_CODES
from tests.helpers import CUSTOMER, ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS_DOC = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
EXIT_CODES_DOC = (ROOT / "docs" / "exit-codes.md").read_text(encoding="utf-8")


def _commands():
    root = typer.main.get_command(app)
    found = []

    def walk(group, path):
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, [*path, name])
            else:
                found.append((" ".join([*path, name]), command))

    walk(root, [])
    return found


COMMANDS = _commands()


@pytest.mark.parametrize("path, command", COMMANDS, ids=[p for p, _ in COMMANDS])
def test_every_command_has_help_with_an_example_and_is_documented(path, command):
    assert command.help and len(command.help.strip()) > 20
    assert "Example" in command.help, f"`ordercli {path} --help` shows no example"
    assert f"ordercli {path}" in COMMANDS_DOC, f"docs/commands.md does not document `ordercli {path}`"
    glance = README[README.index("## The commands at a glance"):]
    assert re.search(rf"`(ordercli )?{re.escape(path)}[` ]", glance), \
        f"the README's commands at a glance leave out `ordercli {path}`"


def test_every_exit_code_is_documented():
    summary = re.search(r"^Exit codes, the same in every command:(.*?)\n\n", README, re.MULTILINE | re.DOTALL)
    for code, meaning in EXIT_CODES.items():
        assert re.search(rf"^\| {code} \|", EXIT_CODES_DOC, re.MULTILINE), f"exit code {code} missing from docs/exit-codes.md"
        assert re.search(rf"\b{code}\s", summary.group(1)), f"exit code {code} missing from the README's summary"


def test_help_answers_on_every_level(sqlite_target, tmp_path):
    from tests.helpers import Cli

    cli = Cli(sqlite_target, tmp_path)
    outcome = cli("--help")
    assert outcome.exit_code == 0 and "create" in outcome.stdout and "status" in outcome.stdout
    assert cli("promo", "--help").exit_code == 0
    assert cli("status", "--help").exit_code == 0


def test_an_unknown_command_or_option_is_a_usage_error(cli):
    assert cli("frobnicate").exit_code == 2
    assert cli("list", "--colour").exit_code == 2


@pytest.mark.parametrize("args", [["--debug", "show", "9"], ["show", "9", "--debug"]], ids=["before", "after"])
def test_debug_shows_the_traceback_of_an_error(cli, args):
    plain = cli("show", "9")
    assert plain.exit_code == 3 and "Traceback" not in plain.stderr
    debug = cli(*args)
    assert debug.exit_code == 3
    assert "Traceback" in debug.stderr and "NotFound" in debug.stderr


def test_quiet_silences_messages_but_not_data_or_errors(cli):
    outcome = cli("--quiet", "create", *CUSTOMER, "--line", "FEE:1@1:Fee")
    assert outcome.stdout == "1\n" and outcome.stderr == ""
    failed = cli("--quiet", "show", "9")
    assert failed.stderr.strip() == "ordercli: order 9 does not exist"


def test_ci_runs_the_readme_test_command():
    block = re.search(r"```bash\n(.*?)```", README[README.index("## Quick start"):], re.DOTALL).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2, "the quick start is two commands"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1] in ci, ".ci/run must run the README's test command as written"


def test_the_version(cli):
    from ordercli import __version__

    outcome = cli("--version")
    assert outcome.exit_code == 0 and outcome.stdout.strip() == f"ordercli {__version__}"
