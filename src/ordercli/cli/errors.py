"""The one place that turns errors into exit codes and one-line messages.

The rule for 2 and 5 (docs/exit-codes.md): 2 when the command line itself is wrong (an
unknown command or option, a missing argument or option, a value outside an option's choices,
or a value that says what to act on and cannot be read: an order number, a count, a duration,
a date); 5 when the command line reads but the data it carries, or a file or stdin, is refused.
"""

from __future__ import annotations

import copy
import errno
import sys
import traceback

import typer
from typer._click.core import ParameterSource
from typer._click.exceptions import BadParameter, MissingParameter, NoArgsIsHelpError, NoSuchOption, UsageError
from typer._click.globals import get_current_context
from typer.core import TyperArgument, TyperGroup

from ordercli.domain.errors import (DeviceUnavailable, InvalidData, MissingFields, NotFound, OrderCliError, ReferenceTaken, Refused,
                                    StoreUnavailable)

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_REFUSED = 4
EXIT_INVALID = 5
EXIT_UNAVAILABLE = 6
EXIT_INTERRUPTED = 130

# What the command line calls the input fields the services name in their errors: each by its
# flag. Files keep the fields' own names (`create --from-file` says `customer.name`).
FLAG_FOR_FIELD = {
    "at": "--at",
    "duration": "--duration",
    "resource": "--with",
    "place": "--where",
    "force": "--force",
    "restock": "--restock",
    "return": "--return",
    "for": "--for",
    "reference": "--reference",
    "customer.name": "--name",
    "customer.email or customer.phone": "--email or --phone",
    "customer.email": "--email",
    "customer.phone": "--phone",
    "billing_address.line1": "--address",
    "billing_address.line2": "--address2",
    "billing_address.city": "--city",
    "billing_address.region": "--region",
    "billing_address.postal_code": "--postal-code",
    "billing_address.country": "--country",
    "shipping_address.name": "--ship-name",
    "shipping_address.line1": "--ship-address",
    "shipping_address.line2": "--ship-address2",
    "shipping_address.city": "--ship-city",
    "shipping_address.region": "--ship-region",
    "shipping_address.postal_code": "--ship-postal-code",
    "shipping_address.country": "--ship-country",
    "currency": "--currency",
    "promo": "--promo",
    "lines": "--line",
    "by": "--by",
    "note": "--note",
    "reason": "--reason",
    "name": "--name",
    "price": "--price",
    "percent": "--percent",
    "amount": "--amount",
    "valid_from": "--valid-from",
    "valid_until": "--valid-until",
    "max_uses": "--max-uses",
    "from": "--from",
    "to": "--to",
    "address.line1": "--address",
    "address.line2": "--address2",
    "address.city": "--city",
    "address.region": "--region",
    "address.postal_code": "--postal-code",
    "issued": "--issued",
    "signed_by": "--signed-by",
    "salesperson": "--salesperson",
    "parcels": "--parcels",
    "weight_grams": "--weight",
    "tracking": "--tracking",
    "carrier": "--carrier",
    "tracking_url": "--tracking-url",
    "since_last": "--since-last",
    # profile set
    "line1": "--address",
    "line2": "--address2",
    "city": "--city",
    "region": "--region",
    "postal_code": "--postal-code",
    "tax_id": "--tax-id",
    "bank": "--bank",
    "payment_terms": "--payment-terms",
    "payment_days": "--payment-days",
    "return_days": "--return-days",
    "footer": "--footer",
    "invoice_prefix": "--invoice-prefix",
    "credit_prefix": "--credit-prefix",
    "number_padding": "--padding",
    "fallback_font": "--fallback-font",
    "logo": "--logo",
    "shipping.amount": "--shipping",
    "shipping.tax_rate": "--shipping-tax-rate",
    "write_off": "--write-off",
}

EXIT_CODES = {
    EXIT_OK: "success",
    EXIT_UNEXPECTED: "unexpected error (a bug: run with --debug and report it)",
    EXIT_USAGE: "usage error: unknown command or option, missing argument or option, a value not among the "
                "choices, or an order number, count, duration or date that cannot be read",
    EXIT_NOT_FOUND: "not found: no such order, product, location, promo code, shipment, carrier, return, "
                    "appointment or resource",
    EXIT_REFUSED: "refused by a business rule (illegal transition, insufficient stock, promo used up, duplicate) "
                  "or by you at a confirmation prompt",
    EXIT_INVALID: "invalid data: bad email, phone, country, quantity, price, text; a wrong file or stdin",
    EXIT_UNAVAILABLE: "database busy, unreachable, read-only (a read-only file, or a PostgreSQL user who may only "
                      "read or may not upgrade the schema), or of an unknown schema version; or a PostgreSQL URL "
                      "while the PostgreSQL driver is not installed; or no way to print (no `lp`, or the print system does "
                      "not answer) or a directory for the documents that cannot be written; or output that cannot "
                      "be written (a full disk behind stdout)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C, or Ctrl-C or Ctrl-D at a prompt); the transaction was rolled back",
}


def exit_code_for(error: BaseException) -> int:
    if isinstance(error, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(error, Refused):
        return EXIT_REFUSED
    if isinstance(error, InvalidData):
        return EXIT_INVALID
    if isinstance(error, (StoreUnavailable, DeviceUnavailable)):
        return EXIT_UNAVAILABLE
    return EXIT_UNEXPECTED


# Where the context of the command being run is kept (click's `meta` is shared by the contexts of
# one run): the root, which translates errors, no longer sees it once the command has returned.
_COMMAND_KEY = "ordercli.command"


class CommandContext(typer.Context):
    """The context of a command (or group) below the root: it records itself as the one running."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.meta[_COMMAND_KEY] = self


def _running(ctx):
    """The context of the command being run (the deepest made), else `ctx`."""
    return ctx.meta.get(_COMMAND_KEY, ctx) if ctx is not None else None


def fail(message: str, code: int) -> typer.Exit:
    """Print one line on stderr and return the Exit to raise. A usage error ends by saying
    where help is: `ordercli: <message> (see ordercli CMD --help)`."""
    if code == EXIT_USAGE:
        message += usage_hint(_running(get_current_context(silent=True)))
    print(f"ordercli: {message}", file=sys.stderr)
    return typer.Exit(code)


def usage_hint(ctx) -> str:
    """' (see ordercli CMD --help)' for the command of `ctx` (whatever the program was called)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return f" (see {' '.join(['ordercli', *reversed(names)])} --help)"


class OrderCliGroup(TyperGroup):
    """The root command: shares the global options with every command, runs a subcommand and
    translates what it raises, usage errors included, into one line and an exit code."""

    # Root options that also work after the command (`ordercli show 1 --debug`), as `gh` and
    # `git -C` users expect. Given on both sides, the later one wins, as when an option is repeated.
    OPTIONS_ANYWHERE = ("db", "actor", "quiet", "debug")

    def __init__(self, **attrs):
        super().__init__(**attrs)
        shared = [_after_command(p) for p in self.params if p.name in self.OPTIONS_ANYWHERE]
        flags = {flag for p in shared for flag in p.opts}
        for command in _commands_below(self):
            clash = flags & {flag for p in command.params for flag in p.opts}
            if clash:
                raise RuntimeError(f"`{command.name}` has its own {', '.join(sorted(clash))}, a global option")
            command.params.extend(shared)
            command.context_class = CommandContext
            for param in command.params:
                if isinstance(param, TyperArgument) and param.metavar:
                    param.__class__ = PlaceholderArgument

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as error:  # in the options before the command
            if isinstance(error, NoArgsIsHelpError):
                raise
            raise _usage_exit(error) from None

    def invoke(self, ctx):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk behind stdout is said here, not lost at exit
            return result
        except OrderCliError as error:
            self._debug_trace(ctx)
            self._flush_notices(ctx)
            # Required fields left out of the command line are missing options (a file that
            # lacks them holds invalid data).
            flags = isinstance(error, MissingFields) and getattr(ctx.obj, "fields_as_flags", True)
            raise fail(_masked(ctx, _worded(ctx, error)), EXIT_USAGE if flags else exit_code_for(error)) from None
        except (KeyboardInterrupt, typer.Abort):  # Ctrl-C, or Ctrl-C or Ctrl-D at a prompt
            raise fail("interrupted; nothing was changed", EXIT_INTERRUPTED) from None
        except BrokenPipeError:
            # The reader went away (`ordercli list | head`): stop quietly.
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except UsageError as error:  # a command name, or a command's own options and arguments
            if isinstance(error, NoArgsIsHelpError):
                raise
            raise _usage_exit(error) from None
        except (typer.Exit, typer.TyperException):
            raise
        except Exception as error:  # noqa: BLE001 - the last resort: one line, no traceback
            self._debug_trace(ctx)
            self._flush_notices(ctx)
            if isinstance(error, OSError) and error.errno in _OUTPUT_ERRORS:  # stdout on a full disk, say
                _silence_stdout()
                raise fail(f"cannot write the output: {error.strerror}", EXIT_UNAVAILABLE) from None
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


class PlaceholderArgument(TyperArgument):
    """An argument shown by its placeholder alone, `ORDER` or `[ORDER]...`, where typer would
    add its Python type (`ORDER <str>`) and braces (`{ORDER}`)."""

    def display_type_rich(self, ctx):
        return None

    def _rich_display_name(self) -> str:
        return self.metavar + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self.metavar if self.required else f"[{self.metavar}]"
        return name + ("..." if self.nargs != 1 else "")


def _commands_below(group):
    for command in group.commands.values():
        yield command
        if hasattr(command, "commands"):
            yield from _commands_below(command)


def _after_command(option):
    """The root's `option` for use after a command: the same flags and meaning, read from the
    command line only (its environment variable was read before the command)."""
    twin = copy.copy(option)
    twin.envvar = None
    twin.show_envvar = False
    twin.expose_value = False  # the command's function does not take it
    twin.callback = _given_after_command
    return twin


def _given_after_command(ctx, param, value):
    use = getattr(ctx.obj, "use", None)  # None while completing, before the root has run
    if use is not None and ctx.get_parameter_source(param.name) is ParameterSource.COMMANDLINE:
        use(param.name, value)
    return value


def _usage_exit(error: UsageError) -> typer.Exit:
    """Click's usage error as one line (`ordercli: <what is wrong> (see ordercli CMD --help)`), exit 2."""
    param = getattr(error, "param", None)
    if isinstance(error, MissingParameter) and param is not None:
        choices = _choices(param)
        text = f"missing {param.param_type_name} {_placeholder(param)}" + (
            f" (one of {', '.join(choices)})" if choices else "")
    elif isinstance(error, BadParameter) and param is not None:
        text = f"{_placeholder(param)} {_why(error, param)}"
    elif isinstance(error, NoSuchOption):
        maybe = sorted(error.possibilities or ())
        text = f"no such option {error.option_name}" + (f"; did you mean {' or '.join(maybe)}?" if maybe else "")
    else:
        text = error.format_message()
    text = " ".join(text.split()).rstrip(".")
    if text[1:2].islower():  # click's sentences start with a capital ("No such command"), ours not
        text = text[:1].lower() + text[1:]
    print(f"ordercli: {text}{usage_hint(error.ctx or _running(get_current_context(silent=True)))}", file=sys.stderr)
    return typer.Exit(EXIT_USAGE)


def _placeholder(param) -> str:
    if param.param_type_name == "option":
        return max(param.opts, key=len)
    return param.metavar or param.name.upper()


def _choices(param) -> list[str]:
    from enum import Enum

    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice:
        return []
    return [c.value if isinstance(c, Enum) else str(c) for c in descriptor.choices]


def _why(error: BadParameter, param) -> str:
    """Why a value was refused, starting with the value: the parser's own sentence, or one made
    from what pydantic (which typer reads values with) found, without its "Value error," prefix."""
    from ordercli.domain.validation import shown

    found = error.__cause__.errors() if hasattr(error.__cause__, "errors") else []
    if not found:  # typer's own sentence ("file 'x' does not exist")
        return f"is refused: {error.message[:1].lower()}{error.message[1:]}"
    kind, value, context = found[0]["type"], found[0].get("input"), found[0].get("ctx") or {}
    if _choices(param):
        return f"{shown(value)} is not one of {', '.join(_choices(param))}"
    if kind == "value_error":
        return str(context["error"])
    if kind == "int_parsing":
        return f"{shown(value)} is not a whole number"
    if kind == "greater_than_equal":
        return f"{shown(value)} is less than {context['ge']}"
    if kind == "less_than_equal":
        return f"{shown(value)} is more than {context['le']}"
    return f"{shown(value)}: {found[0]['msg']}"


def _worded(ctx, error: OrderCliError) -> str:
    """The error's message, naming each input field by its flag, unless the fields came from a file."""
    if isinstance(error, (InvalidData, ReferenceTaken)) and getattr(ctx.obj, "fields_as_flags", True):
        return error.worded(FLAG_FOR_FIELD)
    return str(error)


def _masked(ctx, text: str) -> str:
    """What is printed, with no password of the database URL in it, whichever exception carried it.

    Every message ordercli makes shows the URL only parsed and masked; this also covers the
    driver's and SQLAlchemy's messages in a --debug traceback (the chain of causes).
    """
    targets = [getattr(ctx.obj, "db_target", None), *getattr(ctx.obj, "masked", ())]
    targets = [target for target in targets if target and "://" in target]
    if not targets:
        return text
    from ordercli.db.engine import mask_secrets

    for target in targets:
        text = mask_secrets(text, target)
    return text


# What writing out can meet that is no bug: a full disk, a quota, a device error, a file too big.
_OUTPUT_ERRORS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG})


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
