"""Warehouses and stores: `location add | list | set-default`."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli.cli import values
from ordercli.cli.context import app_context
from ordercli.cli.output import Format, Output, Table, key, number, output_options, text
from ordercli.domain.stock import LOCATION_KINDS

app = typer.Typer(no_args_is_help=True)


def _locations_rows(locations):
    from ordercli.cli.render import address_text

    return [(l.name, l.kind, "yes" if l.is_default else "", l.on_hand, l.reserved, l.available,
             address_text(l.address) if l.address else None) for l in locations]


LOCATIONS = Table(
    (key("Name"), key("Kind"), key("Default"), number("On hand"), number("Reserved"), number("Available"),
     text("Address")),
    _locations_rows,
    drop=("Reserved", "On hand", "Default", "Address", "Kind"),
    empty="no locations yet: add one with `ordercli location add NAME`",
)


@app.command("add")
@output_options(json="Print JSON.")
def add(
    ctx: typer.Context,
    output: Output,
    name: Annotated[str, typer.Argument(metavar="NAME", help="A short name used with --at (letters, digits, . _ -; lower-cased).")],
    kind: Annotated[values.LocationKind, typer.Option(metavar="KIND", case_sensitive=False, help=f"{values.one_of(LOCATION_KINDS)}.")] = values.LocationKind("warehouse"),
    address: Annotated[str | None, typer.Option(metavar="STREET", help="Street address.")] = None,
    address2: Annotated[str | None, typer.Option(metavar="TEXT", help="Address, second line.")] = None,
    city: Annotated[str | None, typer.Option(metavar="CITY", help="City.")] = None,
    region: Annotated[str | None, typer.Option(metavar="REGION", help="State, province or region.")] = None,
    postal_code: Annotated[str | None, typer.Option(metavar="CODE", help="Postal code.")] = None,
    country: Annotated[str | None, typer.Option(metavar="COUNTRY", help="ISO 3166 code (DE) or name.")] = None,
    default: Annotated[bool, typer.Option("--default", help="Make it the default location (the first one always is).")] = False,
) -> None:
    """Add a warehouse or a store. The first location added is the default one.

    Orders are promised from the default location first; stock commands use it when --at is
    left out.

    \b
    Example:
      ordercli location add berlin-store --kind store \\
        --address "Unter den Linden 1" --city Berlin --country DE
    """
    from ordercli.cli import shapes
    from ordercli.domain.orders import AddressRequest
    from ordercli.services.locations import add_location

    state = app_context(ctx)
    location = add_location(state.database(), name, kind.value,
                            AddressRequest(None, address, address2, city, region, postal_code, country),
                            state.stamp("location add"), make_default=default)
    output.emit(location, shape=shapes.location, table=lambda added: print(added.name))
    state.say(f"added {location.kind} {location.name}" + (" (the default location)" if location.is_default else ""))


@app.command("list")
@output_options(Format.JSONL)
def list_(
    ctx: typer.Context,
    output: Output,
) -> None:
    """List locations, the default first, with the units on hand and promised at each.

    \b
    Example:
      ordercli location list
    """
    from ordercli.cli import shapes
    from ordercli.services.locations import list_locations

    locations = list_locations(app_context(ctx).database())
    output.emit(locations, shape=shapes.each(shapes.location), table=LOCATIONS)


@app.command("set-default")
def set_default(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The location to make the default.")],
) -> None:
    """Make a location the default: orders are promised from it first, and --at defaults to it.

    \b
    Example:
      ordercli location set-default berlin-store
    """
    from ordercli.services.locations import set_default as make_default

    state = app_context(ctx)
    location = make_default(state.database(), name)
    state.say(f"{location.name} is now the default location")
