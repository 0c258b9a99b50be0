"""Appointments: a named resource (a technician, a van, a room) booked for a span of time for an
order, or for one of its service lines, which completing the appointment fulfills.

One call is one transaction. A resource is never double-booked: a booking or a move locks the
order's row, then the resource's (the lock order of every change: orders, then resources), and
only then looks for an overlapping live appointment. On PostgreSQL the exclusion constraint of
migration 0007 refuses an overlap whoever writes it; its refusal is told as the same Refused.
On SQLite the write transaction holds the whole database.

Times are UTC here; `zone` is where people read them (the messages and the history say local
times in it, with its name).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from ordercli.db import dialect
from ordercli.db.queries import appointments, history
from ordercli.db.sql import rows
from ordercli.documents.addresses import address_lines
from ordercli.domain.appointments import (
    RESOURCE_KINDS, check_future, parse_appointment_duration, parse_local_time, span_text, zone_name,
)
from ordercli.domain.errors import Field, InvalidData, NotFound, Problem, Refused
from ordercli.domain.statuses import Status, Trigger
from ordercli.domain.stock import normalize_location_name
from ordercli.domain.validation import clean_text, normalize_sku, shown
from ordercli.services.views import CustomerView, HistoryEntry, Stamp

# Orders nothing is booked for any more: nothing will be delivered or done.
NOT_BOOKABLE = frozenset({Status.CANCELED, Status.ABANDONED, Status.FAILED, Status.RETURNED})
# Statuses in which a service line's appointment is completed: the order is ready and goes on
# to closed or partially_shipped through the transition table.
COMPLETES_A_LINE = frozenset({Status.READY_TO_SHIP, Status.PARTIALLY_SHIPPED})
# An appointment for the order as a whole (a visit, a repair) may also be done after it closed.
COMPLETES_AN_ORDER = COMPLETES_A_LINE | {Status.CLOSED, Status.PARTIALLY_CLOSED}


# -- read models -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResourceView:
    name: str
    kind: str
    note: str | None
    created_at: datetime
    booked: int = 0  # appointments booked and not yet done


@dataclass(frozen=True)
class AppointmentView:
    id: int
    order: int
    order_status: str
    line_no: int | None
    sku: str | None
    description: str | None
    customer: CustomerView
    resource: str
    resource_kind: str
    stage: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    note: str | None
    signed_by: str | None
    created_at: datetime
    created_by: str
    updated_at: datetime
    completed_at: datetime | None
    completed_by: str | None
    canceled_at: datetime | None
    canceled_by: str | None
    cancel_reason: str | None
    sequence: int = 0  # how often it was moved or canceled (iCalendar's SEQUENCE)
    history: tuple[HistoryEntry, ...] = ()

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


@dataclass(frozen=True)
class Change:
    """What a command did to an appointment: the appointment after it, whether anything was
    written, the order's status before and after, and notes for people (an ambiguous time)."""

    appointment: AppointmentView
    changed: bool = True
    from_status: str | None = None
    to_status: str | None = None
    notes: tuple[str, ...] = ()


def _view(row, entries: tuple[HistoryEntry, ...] = ()) -> AppointmentView:
    return AppointmentView(
        row.id, row.order_id, row.order_status, row.line_no, row.sku, row.description,
        CustomerView(row.customer_id, row.customer_name, row.customer_email, row.customer_phone), row.resource,
        row.resource_kind, row.stage, row.starts_at, row.ends_at, row.place, row.note, row.signed_by, row.created_at,
        row.created_by, row.updated_at, row.completed_at, row.completed_by, row.canceled_at, row.canceled_by,
        row.cancel_reason, int(row.sequence), entries)


def _load(connection, appointment_id: int) -> AppointmentView:
    return _view(appointments.get(connection, appointment_id))


# -- resources -------------------------------------------------------------------------------------


def normalize_resource_name(text: str) -> str:
    """Resource names are identifiers, as location names are: lower case letters, digits, '.',
    '_' and '-' (so `Tom` and `tom` are one resource)."""
    try:
        return normalize_location_name(text)
    except InvalidData:
        raise InvalidData(f"resource name {shown(text)} is not valid (letters, digits, '.', '_' and '-', "
                          "at most 64)") from None


def add_resource(db, name: str, kind: str, note: str | None, stamp: Stamp) -> ResourceView:
    key = normalize_resource_name(name)
    kind = (kind or "").strip().lower()
    if kind not in RESOURCE_KINDS:
        raise InvalidData(f"kind {shown(kind)} is not one of {', '.join(RESOURCE_KINDS)}")
    note = clean_text(note, Field("note"), max_length=500)
    try:
        with db.write() as connection:
            if appointments.resource_by_name(connection, key) is not None:
                raise Refused(f"resource {key} already exists")
            appointments.add_resource(connection, key, kind, note, stamp.at)
    except Exception as error:  # two adding the same name at once: the unique constraint says so
        if appointments.is_duplicate_resource(error):
            raise Refused(f"resource {key} already exists") from None
        raise
    return ResourceView(key, kind, note, stamp.at)


def list_resources(db) -> list[ResourceView]:
    with db.read() as connection:
        return [ResourceView(r.name, r.kind, r.note, r.created_at, r.booked)
                for r in appointments.resources(connection)]


def _resource(connection, name: str):
    key = normalize_resource_name(name)
    row = appointments.resource_by_name(connection, key)
    if row is None:
        raise NotFound(f"resource {key} does not exist (add it: ordercli appointment resource add {key} "
                       "--kind technician|van|room|other)")
    return row


# -- booking ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Booking:
    """What `appointment book` asks for; times and durations as typed, read in the zone."""

    order: int
    at: str
    duration: str
    resource: str
    line: str | None = None  # a service line's SKU
    place: str | None = None
    note: str | None = None


def _when(at: str, duration: str, zone: tzinfo, stamp: Stamp) -> tuple[datetime, datetime, tuple[str, ...]]:
    """The span [start, end) that `at` and `duration` name, checked to lie ahead."""
    local = parse_local_time(at, zone, stamp.at)
    length = parse_appointment_duration(duration)
    check_future(local.at, stamp.at, zone)
    return local.at, local.at + length, ((local.note,) if local.note else ())


def _span(start: datetime, end: datetime, zone: tzinfo) -> str:
    return f"{span_text(start, end, zone)} {zone_name(zone)}"


def _conflict_refusal(resource: str, row, zone: tzinfo) -> Refused:
    what = f"appointment {row.id} for order {row.order_id}"
    return Refused(f"{resource} is already booked then: {what}, {_span(row.starts_at, row.ends_at, zone)}"
                   + (" (completed)" if row.stage == "completed" else ""))


def _check_free(connection, resource, start: datetime, end: datetime, zone: tzinfo,
                leaving_out: int | None = None) -> None:
    """Refuse a span that overlaps a live appointment of the resource (its row locked first)."""
    dialect.lock_ids(connection, "resources", [resource.id])
    found = appointments.conflicts(connection, resource.id, start, end, leaving_out)
    if found:
        raise _conflict_refusal(resource.name, found[0], zone)


def _overlap_refusal(db, resource: str, start: datetime, end: datetime, zone: tzinfo,
                     leaving_out: int | None) -> Refused:
    """What PostgreSQL's exclusion constraint refused, told as the check tells it: the
    appointment that took the time meanwhile, read after the failed transaction."""
    with db.read() as connection:
        row = appointments.resource_by_name(connection, resource)
        found = appointments.conflicts(connection, row.id, start, end, leaving_out) if row is not None else []
    if found:
        return _conflict_refusal(resource, found[0], zone)
    return Refused(f"{resource} is already booked then; nothing was changed")


def _order(connection, number: int):
    dialect.lock_ids(connection, "orders", [number])
    order = appointments.order_for_booking(connection, number)
    if order is None:
        raise NotFound(f"order {number} does not exist")
    return order


def _service_line(connection, order, sku_text: str, zone: tzinfo):
    """The order's service line of this SKU that can still be booked."""
    sku = normalize_sku(sku_text)
    found = appointments.lines_with_sku(connection, order.id, sku)
    if not found:
        raise Refused(f"{sku} is not on order {order.id}")
    services = [line for line in found if line.delivery_method == "service"]
    if not services:
        method = found[0].delivery_method.replace("_", " ")
        raise Refused(f"{sku} on order {order.id} is not a service line (it is delivered by {method}): "
                      f"an appointment fulfills only a service line")
    for line in services:
        live = appointments.live_of_line(connection, line.id)
        if live is None and line.handed < line.quantity:
            return line
    line = services[0]
    live = appointments.live_of_line(connection, line.id)
    if live is None:
        raise Refused(f"{sku} on order {order.id} is fulfilled already (the order was closed by hand)")
    if live.stage == "completed":
        raise Refused(f"{sku} on order {order.id} was fulfilled by appointment {live.id} (completed)")
    raise Refused(f"{sku} on order {order.id} has appointment {live.id} booked "
                  f"({_span(live.starts_at, live.ends_at, zone)}): move it with "
                  f"ordercli appointment reschedule {live.id} --at TIME")


def _place_of(order) -> str | None:
    """The order's shipping address as one line: the recipient, the street, the city, the country."""
    parts = [order.s_name] if order.s_name and order.s_name != order.customer_name else []
    parts += address_lines(order.line1, order.line2, order.city, order.region, order.postal_code, order.country)
    return ", ".join(p for p in parts if p) or None


def book(db, booking: Booking, zone: tzinfo, stamp: Stamp) -> Change:
    """Book the resource for the order (or its service line) at a time to come, if it is free."""
    place = clean_text(booking.place, Field("place"), max_length=500)
    note = clean_text(booking.note, Field("note"), max_length=500)
    start, end, notes = _when(booking.at, booking.duration, zone, stamp)
    resource_name = normalize_resource_name(booking.resource)
    try:
        with db.write() as connection:
            order = _order(connection, booking.order)
            status = Status(order.status)
            if status in NOT_BOOKABLE:
                raise Refused(f"order {order.id} is {status}: nothing is booked for it")
            line = None
            if booking.line is not None:
                if status == Status.PARTIALLY_CLOSED:
                    raise Refused(f"order {order.id} is partially_closed: its lines are not fulfilled any more")
                line = _service_line(connection, order, booking.line, zone)
            resource = _resource(connection, resource_name)
            _check_free(connection, resource, start, end, zone)
            place = place or _place_of(order)
            appointment_id = appointments.add(connection, {
                "order_id": order.id, "order_line_id": line.id if line else None, "resource_id": resource.id,
                "starts_at": start, "ends_at": end, "place": place, "note": note, "stage": "booked",
                "created_at": stamp.at, "created_by": stamp.actor, "updated_at": stamp.at})
            what = f"{line.sku} (line {line.line_no})" if line else "the order"
            history.append(connection, stamp, [(order.id, "appointment_booked", None, None,
                                                f"appointment {appointment_id} booked for {what}: {resource.name} "
                                                f"({resource.kind}), {_span(start, end, zone)}"
                                                + (f", at {place}" if place else "")
                                                + (f"; note: {note}" if note else ""))])
            view = _load(connection, appointment_id)
    except Exception as error:
        if appointments.is_overlap_violation(error):
            raise _overlap_refusal(db, resource_name, start, end, zone, None) from None
        raise
    return Change(view, True, view.order_status, view.order_status, notes)


# -- one appointment: reschedule, cancel, complete ---------------------------------------------------


def _locked(connection, appointment_id: int):
    """The appointment, its order's row locked first (the lock order of every order change)."""
    number = appointments.order_of(connection, appointment_id)
    if number is None:
        raise NotFound(f"appointment {appointment_id} does not exist")
    dialect.lock_ids(connection, "orders", [number])
    return appointments.get(connection, appointment_id)


def _still_booked(row, verb: str) -> None:
    if row.stage == "completed":
        raise Refused(f"appointment {row.id} was completed on {row.completed_at:%Y-%m-%d %H:%M} UTC: "
                      f"it can no longer be {verb}")
    if row.stage == "canceled":
        raise Refused(f"appointment {row.id} was canceled: it can no longer be {verb}"
                      + ("; book a new one (ordercli appointment book)" if verb == "rescheduled" else ""))


@dataclass(frozen=True)
class Move:
    """What `appointment reschedule` changes (None: as it is)."""

    at: str | None = None
    duration: str | None = None
    resource: str | None = None
    place: str | None = None


def reschedule(db, appointment_id: int, move: Move, zone: tzinfo, stamp: Stamp) -> Change:
    """Move a booked appointment to another time, length, resource or place; a new time lies
    ahead, and the resource is free then."""
    if move.at is None and move.duration is None and move.resource is None and move.place is None:
        raise InvalidData(Problem("nothing to change: give ", Field("at"), ", ", Field("duration"), ", ",
                                  Field("resource"), " or ", Field("place")))
    place = clean_text(move.place, Field("place"), max_length=500)
    notes: tuple[str, ...] = ()
    new_start = None
    if move.at is not None:
        local = parse_local_time(move.at, zone, stamp.at)
        check_future(local.at, stamp.at, zone)
        new_start, notes = local.at, ((local.note,) if local.note else ())
    length = parse_appointment_duration(move.duration) if move.duration is not None else None
    resource_name = normalize_resource_name(move.resource) if move.resource is not None else None
    start = end = None
    try:
        with db.write() as connection:
            row = _locked(connection, appointment_id)
            _still_booked(row, "rescheduled")
            if Status(row.order_status) in NOT_BOOKABLE:
                raise Refused(f"order {row.order_id} is {row.order_status}: cancel the appointment instead "
                              f"(ordercli appointment cancel {row.id} --reason TEXT)")
            start = new_start or row.starts_at
            end = start + (length or (row.ends_at - row.starts_at))
            resource = _resource(connection, resource_name or row.resource)
            said = []
            if (start, end) != (row.starts_at, row.ends_at):
                said.append(f"{_span(row.starts_at, row.ends_at, zone)} -> {_span(start, end, zone)}")
            if resource.id != row.resource_id:
                said.append(f"{row.resource} -> {resource.name}")
            if place is not None and place != row.place:
                said.append(f"at {row.place or '-'} -> {place}")
            if not said:
                return Change(_view(row), False, row.order_status, row.order_status, notes)
            _check_free(connection, resource, start, end, zone, leaving_out=row.id)
            values = {"starts_at": start, "ends_at": end, "resource_id": resource.id, "updated_at": stamp.at}
            if place is not None:
                values["place"] = place
            appointments.update(connection, row.id, values)
            history.append(connection, stamp, [(row.order_id, "appointment_rescheduled", None, None,
                                                f"appointment {row.id} rescheduled: " + "; ".join(said))])
            view = _load(connection, row.id)
    except Exception as error:
        if appointments.is_overlap_violation(error) and start is not None:
            raise _overlap_refusal(db, resource_name or _name_of(db, appointment_id), start, end, zone,
                                   appointment_id) from None
        raise
    return Change(view, True, view.order_status, view.order_status, notes)


def _name_of(db, appointment_id: int) -> str:
    with db.read() as connection:
        return appointments.get(connection, appointment_id).resource


def cancel(db, appointment_id: int, reason: str, zone: tzinfo, stamp: Stamp) -> Change:
    """Cancel a booked appointment: its resource is free again then, and its service line can
    be booked anew."""
    reason = clean_text(reason, Field("reason"), max_length=500)
    if not reason:
        raise InvalidData(Problem("say why the appointment is canceled (", Field("reason"), ")"))
    with db.write() as connection:
        row = _locked(connection, appointment_id)
        _still_booked(row, "canceled")
        appointments.update(connection, row.id, {"stage": "canceled", "canceled_at": stamp.at,
                                                 "canceled_by": stamp.actor, "cancel_reason": reason,
                                                 "updated_at": stamp.at})
        history.append(connection, stamp, [(row.order_id, "appointment_canceled", None, None,
                                            f"appointment {row.id} canceled ({row.resource}, "
                                            f"{_span(row.starts_at, row.ends_at, zone)}): {reason}")])
        view = _load(connection, row.id)
    return Change(view, True, view.order_status, view.order_status)


def complete(db, appointment_id: int, signed_by: str, note: str | None, zone: tzinfo, stamp: Stamp) -> Change:
    """The appointment took place, signed for by the customer. One for a service line fulfills
    the line: the order moves on (to closed, or partially_shipped) through the transition table."""
    from ordercli.services.fulfillment import settle_statuses

    signed_by = clean_text(signed_by, Field("signed_by"), max_length=200)
    if not signed_by:
        raise InvalidData(Problem("say who signed for the appointment (", Field("signed_by"), ")"))
    note = clean_text(note, Field("note"), max_length=500)
    with db.write() as connection:
        row = _locked(connection, appointment_id)
        _still_booked(row, "completed")
        status = Status(row.order_status)
        allowed = COMPLETES_A_LINE if row.order_line_id is not None else COMPLETES_AN_ORDER
        if status not in allowed:
            if status == Status.OPEN:
                raise Refused(f"order {row.order_id} is open: verify it and mark it ready_to_ship first")
            raise Refused(f"order {row.order_id} is {status}: "
                          + ("a service line's appointment is completed while the order is ready_to_ship or "
                             "partially_shipped" if row.order_line_id is not None else
                             "nothing is done for it any more"))
        values = {"stage": "completed", "completed_at": stamp.at, "completed_by": stamp.actor,
                  "signed_by": signed_by, "updated_at": stamp.at}
        if note:
            values["note"] = f"{row.note}; on completion: {note}" if row.note else note
        appointments.update(connection, row.id, values)
        what = f"{row.sku} (line {row.line_no}) fulfilled" if row.order_line_id is not None else "done"
        history.append(connection, stamp, [(row.order_id, "appointment_completed", None, None,
                                            f"appointment {row.id} completed ({row.resource}, "
                                            f"{_span(row.starts_at, row.ends_at, zone)}): {what}, signed by "
                                            f"{signed_by}" + (f"; note: {note}" if note else ""))])
        after = status
        if row.order_line_id is not None:
            after = settle_statuses(connection, [row.order_id], stamp, Trigger.SHIPMENT,
                                    f"appointment {row.id} completed")[row.order_id]
        view = _load(connection, row.id)
    return Change(view, True, status.value, after.value)


# -- reading ---------------------------------------------------------------------------------------


def get_appointment(db, appointment_id: int) -> AppointmentView:
    """An appointment with the order history entries about it."""
    with db.read() as connection:
        row = appointments.get(connection, appointment_id)
        if row is None:
            raise NotFound(f"appointment {appointment_id} does not exist")
        entries = tuple(HistoryEntry(h.at, h.actor, h.command, h.event, h.from_status, h.to_status, h.reason)
                        for h in appointments.history_of(connection, row.id, row.order_id))
        return _view(row, entries)


@dataclass(frozen=True)
class AppointmentFilter:
    """Which appointments: overlapping [since, until) (None: unbounded), of a resource, of an
    order; canceled ones only with `canceled`."""

    since: datetime | None = None
    until: datetime | None = None
    resource: str | None = None
    order: int | None = None
    canceled: bool = False


def cancel_booked(connection, order_ids: list[int], stamp: Stamp, why: str) -> None:
    """Booked appointments of orders that are over (canceled, failed, abandoned, partially
    closed, returned) are canceled with them: their resources are free again."""
    if not order_ids:
        return
    booked = rows(connection, "SELECT id, order_id FROM appointments WHERE order_id IN :orders "
                              "AND stage = 'booked' ORDER BY id", {"orders": order_ids})
    if booked:
        dialect.update_where_in(connection, "appointments", {"stage": "canceled", "canceled_at": stamp.at,
                                                             "canceled_by": stamp.actor, "cancel_reason": why,
                                                             "updated_at": stamp.at}, "id", [r.id for r in booked])
        history.append(connection, stamp, [(r.order_id, "appointment_canceled", None, None,
                                            f"appointment {r.id} canceled: {why}") for r in booked])


def appointments_of_order(connection, number: int) -> list[AppointmentView]:
    """Every appointment of an order, canceled ones too, by start (for `show`)."""
    return [_view(row) for row in appointments.list_(connection, ["a.order_id = :order"], {"order": number})]


def list_appointments(db, where: AppointmentFilter) -> list[AppointmentView]:
    """The agenda: appointments matching every filter, by start."""
    conditions: list[str] = []
    params: dict = {}
    if not where.canceled:
        conditions.append("a.stage <> 'canceled'")
    if where.since is not None:
        conditions.append("a.ends_at > :since")
        params["since"] = where.since
    if where.until is not None:
        conditions.append("a.starts_at < :until")
        params["until"] = where.until
    if where.order is not None:
        conditions.append("a.order_id = :order")
        params["order"] = where.order
    with db.read() as connection:
        if where.resource is not None:
            conditions.append("a.resource_id = :resource")
            params["resource"] = _resource(connection, where.resource).id
        if where.order is not None and appointments.order_for_booking(connection, where.order) is None:
            raise NotFound(f"order {where.order} does not exist")
        return [_view(row) for row in appointments.list_(connection, conditions, params)]


def describe(view: AppointmentView, zone: tzinfo) -> str:
    """One line for people: `appointment 7 for order 1042 (INSTALL): tom, Thu 2026-12-03 09:00-11:00 Europe/Berlin`."""
    what = f" ({view.sku})" if view.sku else ""
    return f"appointment {view.id} for order {view.order}{what}: {view.resource}, " \
           f"{_span(view.starts_at, view.ends_at, zone)}"

