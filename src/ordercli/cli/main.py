"""Entry point of the `ordercli` console script and of `python -m ordercli`."""

from __future__ import annotations

import os
import signal
import sys


def _terminated(signum, frame) -> None:
    """SIGTERM (a service manager stopping a job, `kill`) ends ordercli as Ctrl-C does:
    the open transaction rolls back and temporary files are removed; the exit code is 143."""
    raise SystemExit(128 + signum)


def _closed_streams() -> None:
    """A standard stream the caller closed (`ordercli list >&-`) reads as /dev/null: what
    would have gone there is dropped, as with `> /dev/null`, rather than a crash."""
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))


def main() -> None:
    _closed_streams()
    signal.signal(signal.SIGTERM, _terminated)
    from ordercli.cli.app import app

    app(prog_name="ordercli")
