"""Warehouses and stores: `location add | list | set-default`."""

from __future__ import annotations

from typing import Annotated

import typer

from ordercli.cli.context import app_context

app = typer.Typer(no_args_is_help=True)


def location_json(location) -> dict:
    from ordercli.cli.render import address_json

    return {
        "name": location.name,
        "kind": location.kind,
        "default": location.is_default,
        "address": address_json(location.address) if location.address else None,
        "on_hand": location.on_hand,
        "reserved": location.reserved,
        "available": location.available,
    }


@app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A short name used with --at (letters, digits, . _ -; lower-cased).")],
    kind: Annotated[str, typer.Option(help="warehouse or store.")] = "warehouse",
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    address2: Annotated[str | None, typer.Option(help="Address, second line.")] = None,
    city: Annotated[str | None, typer.Option()] = None,
    region: Annotated[str | None, typer.Option()] = None,
    postal_code: Annotated[str | None, typer.Option()] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166 code (DE) or name.")] = None,
    default: Annotated[bool, typer.Option("--default", help="Make it the default location (the first one always is).")] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Add a warehouse or a store. The first location added is the default one.

    Orders are promised from the default location first; stock commands use it when --at is
    left out.

    Example: ordercli location add berlin-store --kind store --address "Unter den Linden 1" --city Berlin --country DE
    """
    from ordercli.domain.orders import AddressRequest
    from ordercli.services.locations import add_location

    state = app_context(ctx)
    location = add_location(state.database(), name, kind,
                            AddressRequest(None, address, address2, city, region, postal_code, country),
                            state.stamp("location add"), make_default=default)
    if json_out:
        from ordercli.cli.output import print_json

        print_json(location_json(location))
    else:
        print(location.name)
    state.say(f"added {location.kind} {location.name}" + (" (the default location)" if location.is_default else ""))


@app.command("list")
def list_(
    ctx: typer.Context,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List locations, the default first, with the units on hand and promised at each.

    Example: ordercli location list
    """
    from ordercli.services.locations import list_locations

    locations = list_locations(app_context(ctx).database())
    if json_out:
        from ordercli.cli.output import print_json

        print_json([location_json(l) for l in locations])
        return
    from ordercli.cli.output import table
    from ordercli.cli.render import address_text

    table(("Name", "Kind", "Default", "On hand", "Reserved", "Available", "Address"),
          [(l.name, l.kind, "yes" if l.is_default else "", l.on_hand, l.reserved, l.available,
            address_text(l.address) if l.address else "") for l in locations],
          right=("On hand", "Reserved", "Available"))


@app.command("set-default")
def set_default(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The location to make the default.")],
) -> None:
    """Make a location the default: orders are promised from it first, and --at defaults to it.

    Example: ordercli location set-default berlin-store
    """
    from ordercli.services.locations import set_default as make_default

    state = app_context(ctx)
    location = make_default(state.database(), name)
    state.say(f"{location.name} is now the default location")
