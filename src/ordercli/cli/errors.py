"""The one place that turns errors into exit codes and one-line messages."""

from __future__ import annotations

import sys
import traceback

import typer
from typer.core import TyperGroup

from ordercli.domain.errors import InvalidData, NotFound, OrderCliError, Refused, StoreUnavailable

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_INVALID = 5
EXIT_UNAVAILABLE = 6
EXIT_INTERRUPTED = 130

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_UNEXPECTED: "unexpected error (a bug: run with --debug and report it)",
    EXIT_USAGE: "usage error: unknown command or option, missing or malformed argument",
    EXIT_NOT_FOUND: "not found: no such order, product, location or promo code",
    EXIT_REFUSED: "refused by a business rule: illegal transition, insufficient stock, promo used up, duplicate",
    EXIT_INVALID: "invalid data: bad email, phone, country, quantity, price, file",
    EXIT_UNAVAILABLE: "database busy, unreachable, read-only, or of an unknown schema version",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the transaction was rolled back",
}


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, Refused):
        return EXIT_REFUSED
    if isinstance(error, InvalidData):
        return EXIT_INVALID
    if isinstance(error, StoreUnavailable):
        return EXIT_UNAVAILABLE
    return EXIT_UNEXPECTED


def fail(message: str, code: int) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise."""
    print(f"ordercli: {message}", file=sys.stderr)
    return typer.Exit(code)


class OrderCliGroup(TyperGroup):
    """The root command: runs a subcommand and translates what it raises."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except OrderCliError as error:
            self._debug_trace(ctx)
            self._flush_notices(ctx)
            raise fail(_masked(ctx, str(error)), exit_code_for(error)) from None
        except KeyboardInterrupt:
            raise fail("interrupted; nothing was changed", EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`ordercli list | head`): stop quietly.
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except Exception as error:  # noqa: BLE001 - the last resort: one line, no traceback
            self._debug_trace(ctx)
            self._flush_notices(ctx)
            raise fail(
                _masked(ctx, f"unexpected error: {type(error).__name__}: {error}. Run with --debug for details."),
                EXIT_UNEXPECTED,
            ) from None

    @staticmethod
    def _flush_notices(ctx) -> None:
        """What the database said it did (created, upgraded) comes before the error."""
        flush = getattr(ctx.obj, "flush_notices", None)
        if flush is not None:
            flush()

    @staticmethod
    def _debug_trace(ctx) -> None:
        app = ctx.obj
        if getattr(app, "debug", False):
            print(_masked(ctx, traceback.format_exc()), end="", file=sys.stderr)


def _masked(ctx, text: str) -> str:
    """What is printed, with no password of the database URL in it, whichever exception carried it.

    Every message ordercli makes shows the URL only parsed and masked; this also covers the
    driver's and SQLAlchemy's messages in a --debug traceback (the chain of causes).
    """
    target = getattr(ctx.obj, "db_target", None)
    if not target or "://" not in target:
        return text
    from ordercli.db.engine import mask_secrets

    return mask_secrets(text, target)


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
