"""The command line: Typer only. Parse, call one service, render."""
