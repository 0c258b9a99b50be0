"""Appointment commands: book, reschedule, cancel, complete, list, show, export; named resources.

Times are stored in UTC and read and shown in one time zone: --tz, else ORDERCLI_TZ, else TZ,
else the system's (/etc/localtime), else UTC.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Annotated

import typer

from ordercli.cli import shapes, values
from ordercli.cli.context import app_context
from ordercli.cli.errors import EXIT_USAGE, fail
from ordercli.cli.output import Format, Output, Table, key, number, output_options, print_facts, text, time_text
from ordercli.domain.appointments import RESOURCE_KINDS

app = typer.Typer(no_args_is_help=True)  # appointment ...
resources = typer.Typer(no_args_is_help=True)  # appointment resource ...
app.add_typer(resources, name="resource", help="""Resources an appointment books: technicians, vans, rooms.

\b
Examples:
  ordercli appointment resource add tom --kind technician
  ordercli appointment resource list
""")

ResourceKind = values._choices("ResourceKind", RESOURCE_KINDS)



# -- the time zone ---------------------------------------------------------------------------------


def system_zone() -> tzinfo:
    """The zone of this machine: TZ if set (a zone name, or a file), else /etc/localtime (its name
    read from where the link points, else the file itself), else UTC."""
    from zoneinfo import ZoneInfo

    from ordercli.domain.appointments import load_zone

    tz = os.environ.get("TZ", "").strip()
    if tz:
        tz = tz.removeprefix(":")
        if tz.startswith("/"):
            return _zone_file(tz, "TZ")
        return load_zone(tz, "TZ")
    localtime = Path("/etc/localtime")
    if localtime.exists():
        target = os.path.realpath(localtime)
        if "/zoneinfo/" in target:
            try:
                return load_zone(target.rsplit("/zoneinfo/", 1)[1], "/etc/localtime")
            except Exception:  # noqa: BLE001 - a name the zone database lacks: read the file itself
                pass
        return _zone_file(str(localtime), "/etc/localtime")
    return ZoneInfo("UTC")


def _zone_file(path: str, source: str) -> tzinfo:
    from zoneinfo import ZoneInfo

    from ordercli.domain.errors import InvalidData

    try:
        with open(path, "rb") as file:
            return ZoneInfo.from_file(file, key=path if source == "TZ" else "localtime")
    except (OSError, ValueError):
        raise InvalidData(f"{source} {path!r} is not a time zone file (give --tz ZONE, e.g. Europe/Berlin)") from None


def zone_of(option: str | None) -> tzinfo:
    """The zone times are read and shown in: --tz, ORDERCLI_TZ, or the system's (exit 5 for one
    that does not exist)."""
    from ordercli.domain.appointments import load_zone

    if option is not None:
        return load_zone(option, "--tz")
    configured = os.environ.get("ORDERCLI_TZ", "").strip()
    if configured:
        return load_zone(configured, "ORDERCLI_TZ")
    return system_zone()


def display_zone() -> tzinfo:
    """The zone an order's appointments are shown in by `show`: as `zone_of`, but a zone
    setting ordercli cannot read (a POSIX rule in TZ) shows them in UTC rather than fail."""
    from zoneinfo import ZoneInfo

    from ordercli.domain.errors import InvalidData

    try:
        return zone_of(None)
    except InvalidData:
        return ZoneInfo("UTC")


Tz = Annotated[str | None, typer.Option("--tz", metavar="ZONE", show_default=False, help=(
    "Time zone to read and show times in (Europe/Berlin); default: ORDERCLI_TZ, else TZ, else the system's."))]


def _read_appointment(text_: str) -> int:
    from ordercli.domain.validation import parse_order_number

    try:
        return parse_order_number(text_)
    except Exception:
        raise ValueError(f"{text_.strip()!r} is not an appointment number") from None


AppointmentNumber = Annotated[int, typer.Argument(metavar="APPOINTMENT", parser=_read_appointment, show_default=False,
                                                  help="Appointment number (ordercli appointment list shows them).")]
With = Annotated[str | None, typer.Option("--with", metavar="RESOURCE", show_default=False,
                                          help="The resource (ordercli appointment resource list).")]
Where = Annotated[str | None, typer.Option("--where", metavar="ADDRESS", show_default=False,
                                           help="Where it takes place (default: the order's shipping address).")]
TIME_HELP = "2026-12-03T09:00, \"2026-12-03 09:00\", \"tomorrow 09:00\", or with an offset: 2026-12-03T09:00+01:00"
DURATION_HELP = "2h, 90m, 1h30m"


# -- resources ---------------------------------------------------------------------------------------


@resources.command("add")
@output_options(json="Print the resource.")
def resource_add(
    ctx: typer.Context,
    output: Output,
    name: Annotated[str, typer.Argument(metavar="NAME", help=(
        "A short name used with --with (letters, digits, . _ -; lower-cased)."))],
    kind: Annotated[ResourceKind, typer.Option("--kind", metavar="KIND", case_sensitive=False, show_default=False,
                                               help=f"{values.one_of(RESOURCE_KINDS)}.")],
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note (a phone number, a plate).")] = None,
) -> None:
    """Add a resource that appointments book: a technician, a van, a room.

    \b
    Example:
      ordercli appointment resource add tom --kind technician \\
        --note "mobile 0171 2345678"
    """
    from ordercli.services.appointments import add_resource

    state = app_context(ctx)
    view = add_resource(state.database(), name, kind.value, note, state.stamp("appointment resource add"))
    output.emit(view, shape=shapes.resource, table=lambda added: print(added.name))
    state.say(f"added {view.kind} {view.name}")


RESOURCES = Table((key("Name"), key("Kind"), number("Booked"), text("Note")),
                  lambda views: [(v.name, v.kind, v.booked, v.note or "") for v in views],
                  drop=("Note",), empty="no resources yet: ordercli appointment resource add NAME --kind technician")


@resources.command("list")
@output_options(json="Print the resources.")
def resource_list(ctx: typer.Context, output: Output) -> None:
    """List resources, with how many appointments each has booked.

    \b
    Example:
      ordercli appointment resource list
    """
    from ordercli.services.appointments import list_resources

    output.emit(list_resources(app_context(ctx).database()), shape=lambda views: [shapes.resource(v) for v in views],
                table=RESOURCES)


# -- booking and changing ----------------------------------------------------------------------------


def _said(state, change, zone: tzinfo, verb: str) -> None:
    from ordercli.services.appointments import describe

    for note in change.notes:
        state.say(note)
    moved = (f"; order {change.appointment.order} went from {change.from_status} to {change.to_status}"
             if change.from_status != change.to_status else "")
    state.say(f"{verb} {describe(change.appointment, zone)}{moved}")


@app.command("book")
@output_options(json="Print the appointment (times in UTC and in the zone).")
def book(
    ctx: typer.Context,
    output: Output,
    order: values.Order,
    at: Annotated[str, typer.Option("--at", metavar="TIME", show_default=False, help=f"When it starts: {TIME_HELP}.")],
    duration: Annotated[str, typer.Option("--duration", metavar="DURATION", show_default=False,
                                          help=f"How long it takes: {DURATION_HELP}.")],
    resource: Annotated[str, typer.Option("--with", metavar="RESOURCE", show_default=False,
                                          help="The resource booked (ordercli appointment resource list).")],
    line: Annotated[str | None, typer.Option("--line", metavar="SKU", show_default=False, help=(
        "The order's service line it fulfills (completing the appointment fulfills the line)."))] = None,
    where: Where = None,
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note for whoever goes.")] = None,
    tz: Tz = None,
) -> None:
    """Book a resource for an order (or one of its service lines) at a time to come.

    The resource must be free then: an overlapping appointment of it is named and the booking
    refused (one ending at 11:00 and one starting at 11:00 do not overlap). A service line has
    one appointment at a time: move it with `appointment reschedule`. Prints the appointment
    number.

    \b
    Examples:
      ordercli appointment book 1042 --line INSTALL --at "2026-12-03 09:00" \\
        --duration 2h --with tom
      ordercli appointment book 1042 --at "tomorrow 14:00" --duration 45m \\
        --with van-2 --where "Depot, Hafenstr. 3" --tz Europe/Berlin
    """
    from ordercli.services.appointments import Booking, book as book_

    state = app_context(ctx)
    zone = zone_of(tz)
    change = book_(state.database(), Booking(order, at, duration, resource, line, where, note), zone,
                   state.stamp("appointment book"))
    output.emit(change, shape=lambda c: shapes.appointment(c.appointment, zone), table=lambda c: print(c.appointment.id))
    _said(state, change, zone, "booked")


@app.command("reschedule")
@output_options(json="Print the appointment.")
def reschedule(
    ctx: typer.Context,
    output: Output,
    appointment: AppointmentNumber,
    at: Annotated[str | None, typer.Option("--at", metavar="TIME", show_default=False,
                                           help=f"When it starts now: {TIME_HELP}.")] = None,
    duration: Annotated[str | None, typer.Option("--duration", metavar="DURATION", show_default=False, help=(
        f"How long it takes now ({DURATION_HELP}); default: as long as before."))] = None,
    resource: With = None,
    where: Annotated[str | None, typer.Option("--where", metavar="ADDRESS", show_default=False,
                                              help="Where it takes place now.")] = None,
    tz: Tz = None,
) -> None:
    """Move a booked appointment: another time, length, resource or place.

    The resource must be free at the new time; the history keeps where it was.

    \b
    Examples:
      ordercli appointment reschedule 7 --at "2026-12-04 14:00"
      ordercli appointment reschedule 7 --with anna --duration 3h
    """
    from ordercli.services.appointments import Move, reschedule as move

    if at is None and duration is None and resource is None and where is None:
        raise fail("nothing to change: give --at, --duration, --with or --where", EXIT_USAGE)
    state = app_context(ctx)
    zone = zone_of(tz)
    change = move(state.database(), appointment, Move(at, duration, resource, where), zone,
                  state.stamp("appointment reschedule"))
    output.emit(change, shape=lambda c: shapes.appointment(c.appointment, zone))
    if change.changed:
        _said(state, change, zone, "rescheduled")
    else:
        state.say(f"appointment {appointment} already is so; nothing changed")


@app.command("cancel")
@output_options(json="Print the appointment.")
def cancel(
    ctx: typer.Context,
    output: Output,
    appointment: AppointmentNumber,
    reason: Annotated[str, typer.Option(metavar="TEXT", show_default=False, help="Why; kept in the history.")],
    tz: Tz = None,
) -> None:
    """Cancel a booked appointment: its resource is free again then.

    \b
    Example:
      ordercli appointment cancel 7 --reason "customer ill"
    """
    from ordercli.services.appointments import cancel as cancel_

    state = app_context(ctx)
    zone = zone_of(tz)
    change = cancel_(state.database(), appointment, reason, zone, state.stamp("appointment cancel"))
    output.emit(change, shape=lambda c: shapes.appointment(c.appointment, zone))
    _said(state, change, zone, "canceled")


@app.command("complete")
@output_options(json="Print the appointment.")
def complete(
    ctx: typer.Context,
    output: Output,
    appointment: AppointmentNumber,
    signed_by: Annotated[str, typer.Option("--signed-by", metavar="NAME", show_default=False,
                                           help="Who signed for the work done.")],
    note: Annotated[str | None, typer.Option(metavar="TEXT", help="A note on the work done.")] = None,
    tz: Tz = None,
) -> None:
    """Record that an appointment took place, signed for by the customer.

    One for a service line fulfills the line: the order moves to closed (or partially_shipped
    while other lines wait). The order must be ready_to_ship or partially_shipped (closed is
    fine for an appointment without a line).

    \b
    Example:
      ordercli appointment complete 7 --signed-by "M. Anders"
    """
    from ordercli.services.appointments import complete as complete_

    state = app_context(ctx)
    zone = zone_of(tz)
    change = complete_(state.database(), appointment, signed_by, note, zone, state.stamp("appointment complete"))
    output.emit(change, shape=lambda c: shapes.appointment(c.appointment, zone))
    _said(state, change, zone, "completed")


# -- the agenda ----------------------------------------------------------------------------------------


def _filter(when: str | None, day: str | None, week: bool, resource: str | None, order: int | None, everything: bool,
            zone: tzinfo):
    """The appointments a listing shows: a day, a week, or from today on (everything with an
    order or --all), of a resource and an order, canceled ones with --all."""
    from ordercli.domain.appointments import day_window, parse_day, week_window
    from ordercli.domain.errors import InvalidData
    from ordercli.services.appointments import AppointmentFilter

    if when is not None and day is not None:
        raise fail("give the day once: as DATE or as --day DATE", EXIT_USAGE)
    named = when if when is not None else day
    now = datetime.now(timezone.utc)
    try:
        chosen = parse_day(named, zone, now) if named is not None else None
    except InvalidData as error:
        raise fail(f"{'--day ' if day is not None else 'DATE '}{error}", EXIT_USAGE) from None
    since = until = None
    if week:
        since, until = week_window(chosen or now.astimezone(zone).date(), zone)
    elif chosen is not None:
        since, until = day_window(chosen, zone)
    elif order is None and not everything:
        since = day_window(now.astimezone(zone).date(), zone)[0]  # from today on
    return AppointmentFilter(since, until, resource, order, canceled=everything)


When = Annotated[str | None, typer.Argument(metavar="DATE", show_default=False, help=(
    "A day (2026-12-03, today, tomorrow): its appointments; with --week, that day's week."))]
Day = Annotated[str | None, typer.Option("--day", metavar="DATE", show_default=False, help=(
    "Only this day (2026-12-03, today, tomorrow); with --week, that day's week."))]
Week = Annotated[bool, typer.Option("--week", help=(
    "The week, Monday to Sunday: this one, or that of the day given (--week 2026-12-07)."))]
ForOrder = Annotated[int | None, typer.Option("--order", metavar="ORDER", parser=values.read_order_number_arg,
                                              show_default=False, help="Only of this order (past ones too).")]
OfResource = Annotated[str | None, typer.Option("--with", metavar="RESOURCE", show_default=False,
                                              help="Only this resource's.")]
Everything = Annotated[bool, typer.Option("--all", help="Past and canceled ones too.")]


class Agenda(list):
    """Appointments, and the zone their times are shown in."""

    def __init__(self, views, zone: tzinfo) -> None:
        super().__init__(views)
        self.zone = zone


def _agenda_rows(agenda: Agenda):
    zone = agenda.zone
    for v in agenda:
        start, end = v.starts_at.astimezone(zone), v.ends_at.astimezone(zone)
        ends = f"{end:%H:%M}" if start.date() == end.date() else f"{end:%a %Y-%m-%d %H:%M}"
        yield (v.id, v.order, f"{start:%a %Y-%m-%d %H:%M}", ends, v.resource, v.stage, v.sku or "", v.customer.name,
               v.place or "")


AGENDA = Table(
    (number("Appt"), number("Order"), key("Starts"), key("Ends"), key("Resource"), key("Stage"), key("SKU"),
     text("Customer"), text("Place")),
    _agenda_rows,
    drop=("Place", "Customer", "SKU", "Stage", "Ends", "Resource"),
    empty="no appointments match",
)


def _zone_label(zone: tzinfo) -> str:
    from ordercli.domain.appointments import zone_name

    return zone_name(zone)


@app.command("list")
@output_options(Format.CSV, Format.IDS, json="Print the appointments (times in UTC and in the zone).",
                csv="Print CSV: a row per appointment.")
def list_(
    ctx: typer.Context,
    output: Output,
    when: When = None,
    day: Day = None,
    week: Week = False,
    resource: OfResource = None,
    order: ForOrder = None,
    everything: Everything = False,
    tz: Tz = None,
) -> None:
    """The agenda: appointments by start, in local time.

    Without a day or week: from today on (all of them with --order or --all). An appointment
    that runs across midnight shows on both days. Canceled ones are left out unless --all.

    \b
    Examples:
      ordercli appointment list --week
      ordercli appointment list tomorrow --with tom
      ordercli appointment list --week 2026-12-07 --csv > week.csv
      ordercli appointment list --order 1042 --all --json
    """
    from ordercli.services.appointments import list_appointments

    state = app_context(ctx)
    zone = zone_of(tz)
    where = _filter(when, day, week, resource, order, everything, zone)
    views = list_appointments(state.database(), where)
    output.emit(Agenda(views, zone), shape=lambda vs: [shapes.appointment(v, zone) for v in vs], table=AGENDA,
                csv=shapes.appointment_csv(zone), ids=lambda vs: (v.id for v in vs))
    if output.format is Format.TABLE and views:
        state.say(f"{len(views)} appointment(s); times in {_zone_label(zone)}")


def _duration_text(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    return "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0m"


def _print_appointment(view, zone: tzinfo) -> None:
    from ordercli.cli.render import HISTORY
    from ordercli.domain.appointments import span_text

    customer = view.customer
    facts = [
        ("Appointment", f"{view.id}  {view.stage}"),
        ("Order", f"{view.order}  {view.order_status}"),
        ("Line", f"{view.line_no}  {view.sku}  {view.description or ''}".rstrip() if view.sku else "-"),
        ("Customer", " ".join(p for p in (customer.name, f"<{customer.email}>" if customer.email else None,
                                          customer.phone) if p)),
        ("Resource", f"{view.resource} ({view.resource_kind})"),
        ("When", f"{span_text(view.starts_at, view.ends_at, zone)} {_zone_label(zone)} "
                 f"({_duration_text(view.duration)})"),
        ("Where", view.place or "-"),
    ]
    if view.note:
        facts.append(("Note", view.note))
    facts.append(("Booked", f"{time_text(view.created_at)} UTC by {view.created_by}"))
    if view.stage == "completed":
        facts.append(("Completed", f"{time_text(view.completed_at)} UTC by {view.completed_by}, "
                                   f"signed by {view.signed_by}"))
    if view.stage == "canceled":
        facts.append(("Canceled", f"{time_text(view.canceled_at)} UTC by {view.canceled_by}: {view.cancel_reason}"))
    print_facts(facts)
    if view.history:
        print()
        HISTORY(view.history, title="History")


@app.command("show")
@output_options(json="Print the appointment with its history.")
def show(ctx: typer.Context, output: Output, appointment: AppointmentNumber, tz: Tz = None) -> None:
    """Show an appointment: the order and line, who, when (local time), where, and its history.

    \b
    Example:
      ordercli appointment show 7 --tz Europe/Berlin
    """
    from ordercli.services.appointments import get_appointment

    state = app_context(ctx)
    zone = zone_of(tz)
    view = get_appointment(state.database(), appointment)
    output.emit(view, shape=lambda v: shapes.appointment_detail(v, zone), table=lambda v: _print_appointment(v, zone))


@app.command("export")
def export(
    ctx: typer.Context,
    out: Annotated[str | None, typer.Argument(metavar="FILE|-", show_default=False, help=(
        "The file to write (under a temporary name, renamed into place), or - for stdout (the default)."))] = None,
    ics: Annotated[bool, typer.Option("--ics", help="Write iCalendar (RFC 5545), the format export writes.")] = False,
    day: Day = None,
    week: Week = False,
    resource: OfResource = None,
    order: ForOrder = None,
    everything: Everything = False,
    tz: Tz = None,
) -> None:
    """Export appointments as an iCalendar file for calendar programs (the same choice as list).

    Each appointment is one event with a stable UID, so importing a newer export updates the
    events; canceled ones (with --all) come as CANCELLED. Times are in UTC; --tz only chooses
    which day or week --day and --week mean.

    \b
    Examples:
      ordercli appointment export --ics agenda.ics --with tom
      ordercli appointment export --ics - --week --day 2026-12-07 > week.ics
    """
    from ordercli.io.documents_out import STDOUT, Destination, destination, replacing
    from ordercli.io.ics import calendar
    from ordercli.services.appointments import list_appointments

    if not ics:
        raise fail("say the format: --ics (iCalendar)", EXIT_USAGE)
    state = app_context(ctx)
    zone = zone_of(tz)
    where = _filter(None, day, week, resource, order, everything, zone)
    if out is None or out == "-":
        dest = Destination(STDOUT, None, 1, "standard output")
    else:
        dest = destination(out, count=1, option="FILE")
        if dest.kind != "file":
            raise fail(f"{out}: a directory; give the calendar file's name (appointments.ics)", EXIT_USAGE)
    views = list_appointments(state.database(), where)
    data = calendar(views)
    with replacing(dest) as sink:
        sink.write(data)
    shown = "" if dest.kind == STDOUT else f" to {dest.shown}"
    state.say(f"exported {len(views)} appointment(s){shown}")
