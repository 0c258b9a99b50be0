"""Help that reads well: every option and argument has help text and a real placeholder (ORDER,
SKU:QTY[@PRICE][:DESC], PATH|URL, N, DURATION, WHEN), never a Python type (<str>, <list[str]>,
<int range>); every group shows examples; examples are printed as written, not rewrapped, and
no line of any help is wider than an 80-column terminal."""

import re

import pytest
import typer
from typer.testing import CliRunner

from ordercli.cli.app import app
from ordercli.domain.orders import CHANNELS, DELIVERY_METHODS, PRODUCT_KINDS, VERIFICATION_METHODS
from ordercli.domain.statuses import Status
from ordercli.domain.stock import LOCATION_KINDS

TYPE_PLACEHOLDER = re.compile(r"<[a-z][^>]*>|\{[a-z_]+\}")


def _every_command():
    """(path, command) for the root, every group and every command."""
    found = [("", typer.main.get_command(app))]

    def walk(group, path):
        for name, command in group.commands.items():
            found.append((" ".join([*path, name]), command))
            if hasattr(command, "commands"):
                walk(command, [*path, name])

    walk(found[0][1], [])
    return found


COMMANDS = _every_command()
IDS = [path or "ordercli" for path, _ in COMMANDS]


def _help(path: str) -> str:
    outcome = CliRunner().invoke(app, [*path.split(), "--help"], env={"COLUMNS": "80", "NO_COLOR": "1"})
    assert outcome.exit_code == 0, outcome.output
    return outcome.stdout


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_every_option_and_argument_has_help_and_a_placeholder(path, command):
    ctx = typer.Context(command, info_name=path or "ordercli")
    for param in command.get_params(ctx):
        name, text = param.get_help_record(ctx) or ("", "")
        where = f"`ordercli {path}` {name or param.name}"
        assert text.strip() and not text.startswith("["), f"{where} has no help text"
        assert not TYPE_PLACEHOLDER.search(name), f"{where} shows a Python type, not a placeholder"
        takes_a_value = param.param_type_name == "argument" or not (param.is_flag or param.count)
        if takes_a_value:
            assert param.metavar and param.metavar == param.metavar.upper(), f"{where} has no placeholder"


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if hasattr(c, "commands")], ids=lambda p: p or "ordercli")
def test_every_group_shows_examples(path):
    text = _help(path)
    assert re.search(r"^  Examples?:\n    ordercli ", text, re.MULTILINE), f"`ordercli {path} --help` has no example"


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_examples_are_printed_as_written_at_80_columns(path, command):
    text = _help(path)
    wide = [line for line in text.splitlines() if len(line) > 80]
    assert wide == [], f"`ordercli {path} --help` is wider than 80 columns"
    printed = {line.strip() for line in text.splitlines()}
    examples = [line.strip() for block in command.help.split("\b")[1:] for line in block.strip("\n").splitlines()[1:]
                if line.strip()]
    assert examples, f"`ordercli {path}` has no example block (a paragraph after \\b)"
    for line in examples:
        assert line in printed, f"`ordercli {path} --help` rewrapped {line!r}"


@pytest.mark.parametrize("path, option, choices", [
    ("list", "--status", [s.value for s in Status]),
    ("list", "--channel", list(CHANNELS)),
    ("status", "--to", [s.value for s in Status]),
    ("create", "--channel", list(CHANNELS)),
    ("create", "--delivery", list(DELIVERY_METHODS["physical"])),
    ("verify", "--method", list(VERIFICATION_METHODS)),
    ("product add", "--kind", list(PRODUCT_KINDS)),
    ("product list", "--kind", list(PRODUCT_KINDS)),
    ("location add", "--kind", list(LOCATION_KINDS)),
])
def test_options_with_fixed_choices_list_them_in_help_and_completion(path, option, choices):
    command = dict(COMMANDS)[path]
    param = next(p for p in command.params if option in p.opts)
    ctx = typer.Context(command, info_name=path)
    assert [item.value for item in param.shell_complete(ctx, "")] == choices
    assert ", ".join(choices[:-1]) + f" or {choices[-1]}" in param.help
