"""Appointments as an iCalendar file (RFC 5545) that calendar programs import and subscribe to.

Written by the `icalendar` library: it folds long lines and escapes what customers typed
(commas, semicolons, line breaks), so text is always data. One VEVENT per appointment:
- UID `appointment-<number>@ordercli`, the same in every export, so a calendar that imports the
  file again updates the event rather than adding a second one;
- SEQUENCE: how often the appointment was moved or canceled, so that update wins;
- DTSTART and DTEND in UTC (the calendar shows them in its own zone);
- DTSTAMP and LAST-MODIFIED: when the appointment last changed (the file has no METHOD, so
  DTSTAMP is the last revision, RFC 5545 3.8.7.2), CREATED when it was booked;
- STATUS CONFIRMED (booked or completed) or CANCELLED;
- SUMMARY (what, for which order, with whom), LOCATION, DESCRIPTION and RESOURCES.
"""

from __future__ import annotations

from collections.abc import Iterable

PRODID = "-//ordercli//appointments//EN"
UID_DOMAIN = "ordercli"


def uid(number: int) -> str:
    return f"appointment-{number}@{UID_DOMAIN}"


def summary(view) -> str:
    what = (view.description or view.sku) if view.sku else "Appointment"
    return f"{what}, order {view.order} ({view.resource})"


def description(view) -> str:
    lines = [f"Order {view.order} ({view.order_status})"]
    if view.sku:
        lines.append(f"Line {view.line_no}: {view.sku} {view.description or ''}".rstrip())
    customer = view.customer
    lines.append("Customer: " + ", ".join(x for x in (customer.name, customer.phone, customer.email) if x))
    lines.append(f"Resource: {view.resource} ({view.resource_kind})")
    if view.note:
        lines.append(f"Note: {view.note}")
    if view.stage == "completed":
        lines.append(f"Completed, signed by {view.signed_by}")
    if view.stage == "canceled":
        lines.append(f"Canceled: {view.cancel_reason}")
    return "\n".join(lines)


def calendar(views: Iterable, name: str = "ordercli appointments") -> bytes:
    """The iCalendar file of these appointments (read models of services/appointments.py)."""
    from icalendar import Calendar, Event

    document = Calendar()
    document.add("prodid", PRODID)
    document.add("version", "2.0")
    document.add("calscale", "GREGORIAN")
    document.add("x-wr-calname", name)
    for view in views:
        event = Event()
        event.add("uid", uid(view.id))
        event.add("dtstamp", view.updated_at)
        event.add("created", view.created_at)
        event.add("last-modified", view.updated_at)
        event.add("sequence", view.sequence)
        event.add("dtstart", view.starts_at)
        event.add("dtend", view.ends_at)
        event.add("summary", summary(view))
        if view.place:
            event.add("location", view.place)
        event.add("description", description(view))
        event.add("resources", [view.resource])
        event.add("status", "CANCELLED" if view.stage == "canceled" else "CONFIRMED")
        document.add_component(event)
    return document.to_ical()
