"""Entry point of the `ordercli` console script and of `python -m ordercli`."""

from __future__ import annotations


def main() -> None:
    from ordercli.cli.app import app

    app(prog_name="ordercli")
