"""Confirmation before what cannot be undone: moving orders to a final status (canceled, failed,
abandoned), by `status` or by `expire`; and before placing an order typed in at a terminal.

On a terminal (stdin and stderr both are one) ordercli says what it would do and how many
orders, and goes on only on `y` or `yes`; `no` (or just Enter) changes nothing and exits 4.
Without a terminal it never asks, but a batch that would move more than BATCH_WITHOUT_YES
orders needs --yes (exit 2 otherwise), so that a script fed the wrong list cannot cancel a
whole shop. --yes answers yes; --dry-run never asks, it changes nothing.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Annotated

import typer

from ordercli.cli.errors import EXIT_REFUSED, EXIT_USAGE, fail

BATCH_WITHOUT_YES = 100
# `expire --older-than 1s` is more likely a typo for 1d than a wish to abandon orders placed a
# second ago: windows under this need --force.
MIN_EXPIRY_WINDOW = timedelta(hours=1)


Yes = Annotated[bool, typer.Option("--yes", "-y", help=(
    f"Answer yes to the confirmation; without a terminal, needed to move more than {BATCH_WITHOUT_YES} orders."))]


def orders(count: int, kind: str = "") -> str:
    """'1 open order', '3 orders'."""
    return f"{count} {kind + ' ' if kind else ''}order{'' if count == 1 else 's'}"


def on_terminal() -> bool:
    """Whether a person can answer: stdin and stderr are a terminal."""
    try:
        return sys.stdin.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def confirm(what: str, count: int, *, detail: str = "") -> None:
    """Go on with `what` ("cancel 3 open orders"), which would move `count` orders, or raise the
    Exit that refuses it: asked on a terminal, refused without one above the threshold."""
    if count == 0:
        return
    if on_terminal():
        if not _ask(f"{what}{detail}?"):
            raise fail("nothing changed: you answered no", EXIT_REFUSED)
    elif count > BATCH_WITHOUT_YES:
        raise fail(f"this would {what}: without a terminal, more than {BATCH_WITHOUT_YES} orders "
                   "need --yes (--dry-run lists them)", EXIT_USAGE)


def ask(question: str) -> None:
    """Ask `question` ("create this order?") on the terminal and go on only on yes; anything
    else raises the Exit that refuses (exit 4, nothing changed)."""
    if not _ask(question):
        raise fail("nothing changed: you answered no", EXIT_REFUSED)


def answer(question: str, default: str = "") -> str:
    """What is typed at the terminal in reply to `question`, stripped; Enter gives `default`
    (shown as `[default]`). The question goes to stderr, so stdout keeps only data (click's
    prompt writes a space to stdout); Ctrl-D, like Ctrl-C, interrupts."""
    print(f"{question}{f' [{default}]' if default else ''}: ", end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline()
    if not line:
        raise KeyboardInterrupt
    return line.strip() or default


def _ask(question: str) -> bool:
    """y/yes or n/no (Enter: no) on stdin; the prompt on stderr, so stdout keeps only data."""
    while True:
        print(f"{question} [y/N] ", end="", file=sys.stderr, flush=True)
        line = sys.stdin.readline()
        if not line:  # Ctrl-D: as Ctrl-C, nothing is done
            raise KeyboardInterrupt
        answer = line.strip().lower()
        if answer in ("y", "yes"):
            return True
        if answer in ("", "n", "no"):
            return False
