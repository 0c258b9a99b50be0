"""Appointments: resources, booking on a service line, a resource never double-booked, moving,
canceling and completing (which fulfills the line and moves the order), the agenda in a time
zone, and the iCalendar export, on both backends.

Each test reads what a user would: exit codes, messages, JSON, the order's history and status,
and, after every refusal, that the database holds what it held before.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import CUSTOMER, force_status, query

BERLIN = ZoneInfo("Europe/Berlin")
YEAR = datetime.now(timezone.utc).year + 1  # every booked time lies in the year to come


def on(month: int, day: int, clock: str) -> str:
    """A local time of next year, as typed: 2027-06-14T09:00."""
    return f"{YEAR}-{month:02d}-{day:02d}T{clock}"


def last_sunday(month: int) -> date:
    """The last Sunday of a month of next year: when the clocks change in Europe."""
    end = date(YEAR + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return end - timedelta(days=(end.weekday() - 6) % 7)


def span(start: str, end_clock: str) -> str:
    """How messages show a span of one day: `Mon 2027-06-14 09:00-11:00 Europe/Berlin`."""
    moment = datetime.fromisoformat(start)
    return f"{moment:%a %Y-%m-%d %H:%M}-{end_clock} Europe/Berlin"


def appointment(cli, *args: str, tz: str | None = "Europe/Berlin", env: dict | None = None):
    """`ordercli appointment ...` with times in Europe/Berlin (unless `tz` is None)."""
    return cli("appointment", *args, *(("--tz", tz) if tz else ()), env=env)


def booked(cli, *args: str) -> int:
    outcome = appointment(cli, "book", *args)
    assert outcome.exit_code == 0, outcome
    return int(outcome.stdout)


def as_json(cli, *args: str, tz: str | None = "Europe/Berlin", env: dict | None = None):
    outcome = appointment(cli, *args, "--json", tz=tz, env=env)
    assert outcome.exit_code == 0, outcome
    return json.loads(outcome.stdout)


@pytest.fixture
def shop(cli):
    """A warehouse `main` with 5 OVEN, an INSTALL service in the catalogue, technicians tom and
    anna and a van."""
    for args in (["location", "add", "main"],
                 ["product", "add", "INSTALL", "--name", "Installation", "--price", "80.00", "--kind", "service"],
                 ["product", "add", "OVEN", "--name", "Oven", "--price", "500.00"],
                 ["stock", "receive", "OVEN", "5"],
                 ["appointment", "resource", "add", "tom", "--kind", "technician"],
                 ["appointment", "resource", "add", "anna", "--kind", "technician"],
                 ["appointment", "resource", "add", "van-1", "--kind", "van", "--note", "B-XY 123"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


def order(cli, *lines: str, ready: bool = True, extra: tuple[str, ...] = ()) -> int:
    """An order of these lines (INSTALL:1 by default), verified and ready to ship unless `ready` is False."""
    args = [*CUSTOMER]
    for line in lines or ("INSTALL:1",):
        args += ["--line", line]
    outcome = cli("create", *args, *extra)
    assert outcome.exit_code == 0, outcome
    number = int(outcome.stdout)
    if ready:
        for step in (["verify", str(number), "--by", "anna"], ["status", str(number), "--to", "ready_to_ship"]):
            assert cli(*step).exit_code == 0
    return number


def snapshot(cli) -> dict:
    """Everything a refused command must leave as it was."""
    return {table: query(cli, f"SELECT * FROM {table} ORDER BY 1")
            for table in ("appointments", "resources", "orders", "order_history")}


def events(cli, number: int) -> list[tuple[str, str | None]]:
    return [(h["event"], h["reason"]) for h in cli.json("show", str(number))["history"]
            if h["event"].startswith("appointment") or h["event"] == "status"]


# -- resources -------------------------------------------------------------------------------------


def test_resources_are_added_and_listed(shop):
    listed = shop.json("appointment", "resource", "list")
    assert [(r["name"], r["kind"], r["note"], r["booked_count"]) for r in listed] == [
        ("anna", "technician", None, 0), ("tom", "technician", None, 0), ("van-1", "van", "B-XY 123", 0)]
    assert all(r["created_at"].endswith("Z") for r in listed)
    added = shop.json("appointment", "resource", "add", "Room.2", "--kind", "ROOM", "--note", "second floor")
    assert (added["name"], added["kind"], added["note"]) == ("room.2", "room", "second floor")
    table = shop("appointment", "resource", "list")
    assert table.exit_code == 0 and "room.2\troom\t0\tsecond floor" in table.stdout


@pytest.mark.parametrize("args, code, message", [
    (["TOM", "--kind", "van"], 4, "resource tom already exists"),
    (["tom smith", "--kind", "technician"], 5, "resource name 'tom smith' is not valid"),
    (["bob", "--kind", "robot"], 2, "--kind 'robot' is not one of technician, van, room, other"),
    (["bob"], 2, "missing option --kind"),
    (["bob", "--kind", "van", "--note", "a\nb"], 5, "--note must be one line"),
])
def test_resources_that_are_refused(shop, args, code, message):
    before = snapshot(shop)
    outcome = shop("appointment", "resource", "add", *args)
    assert outcome.exit_code == code, outcome
    assert message in outcome.stderr and outcome.stderr.count("\n") == 1
    assert snapshot(shop) == before


def test_a_name_taken_meanwhile_is_told_as_taken(shop, monkeypatch):
    """Two adding one name at once: the one whose check came too late meets the unique
    constraint, and is told the name exists (exit 4), not an unexpected error."""
    from ordercli.db.queries import appointments

    monkeypatch.setattr(appointments, "resource_by_name", lambda connection, name: None)  # the check sees nothing
    before = snapshot(shop)
    outcome = shop("appointment", "resource", "add", "Tom", "--kind", "van")
    assert (outcome.exit_code, outcome.stderr) == (4, "ordercli: resource tom already exists\n")
    assert snapshot(shop) == before


# -- booking ---------------------------------------------------------------------------------------


def test_booking_a_service_line(shop):
    number = order(shop, "INSTALL:1", "OVEN:1")
    start = on(6, 14, "09:00")
    outcome = appointment(shop, "book", str(number), "--line", "install", "--at", start, "--duration", "2h",
                          "--with", "Tom", "--note", "bring the long hose")
    assert outcome.exit_code == 0, outcome
    appt = int(outcome.stdout)
    assert f"booked appointment {appt} for order {number} (INSTALL): tom, {span(start, '11:00')}" in outcome.stderr
    shown = as_json(shop, "show", str(appt))
    assert {k: shown[k] for k in ("number", "order", "order_status", "line", "sku", "resource", "resource_kind",
                                  "stage", "starts_at", "ends_at", "starts_local", "ends_local", "time_zone",
                                  "duration_minutes", "place", "note", "sequence", "completed", "canceled")} == {
        "number": appt, "order": number, "order_status": "ready_to_ship", "line": 1, "sku": "INSTALL",
        "resource": "tom", "resource_kind": "technician", "stage": "booked",
        "starts_at": f"{YEAR}-06-14T07:00:00Z", "ends_at": f"{YEAR}-06-14T09:00:00Z",  # summer time: +02:00
        "starts_local": f"{YEAR}-06-14T09:00:00+02:00", "ends_local": f"{YEAR}-06-14T11:00:00+02:00",
        "time_zone": "Europe/Berlin", "duration_minutes": 120,
        # the order's shipping address, as one line, by default
        "place": "Obere Str. 57, 12209 Berlin, Germany", "note": "bring the long hose", "sequence": 0,
        "completed": None, "canceled": None}
    assert shown["customer"] == {"id": 1, "name": "Maria Anders", "email": "maria@example.com",
                                 "phone": "+49300074321"}
    # the order's history says it in a sentence
    [(event, reason)] = [e for e in events(shop, number) if e[0] == "appointment_booked"]
    assert reason == (f"appointment {appt} booked for INSTALL (line 1): tom (technician), {span(start, '11:00')}, "
                      "at Obere Str. 57, 12209 Berlin, Germany; note: bring the long hose")
    assert [h["event"] for h in shown["history"]] == ["appointment_booked"]
    assert shop.json("appointment", "resource", "list")[1]["booked_count"] == 1


def test_an_appointment_for_the_whole_order_at_a_place_given(shop):
    number = order(shop, "OVEN:1", ready=False)  # an open order may be booked
    appt = booked(shop, str(number), "--at", on(6, 14, "14:00"), "--duration", "45m", "--with", "van-1",
                  "--where", "Depot; Hafenstr. 3, Hamburg")
    shown = as_json(shop, "show", str(appt))
    assert (shown["line"], shown["sku"], shown["place"], shown["duration_minutes"]) == (
        None, None, "Depot; Hafenstr. 3, Hamburg", 45)


def refusal_cases():
    gap = last_sunday(3)
    return [
        (lambda n: ["99999", "--at", on(6, 14, "09:00")], 3, "order 99999 does not exist"),
        (lambda n: [n, "--with", "bob", "--at", on(6, 14, "09:00")], 3,
         "resource bob does not exist (add it: ordercli appointment resource add bob --kind"),
        (lambda n: [n, "--line", "GIFT", "--at", on(6, 14, "09:00")], 4, "GIFT is not on order {n}"),
        (lambda n: [n, "--line", "OVEN", "--at", on(6, 14, "09:00")], 4,
         "OVEN on order {n} is not a service line (it is delivered by ship): an appointment fulfills only a "
         "service line"),
        (lambda n: [n, "--at", f"{YEAR - 2}-06-14T09:00"], 5,
         "is in the past: an appointment is booked for a time to come"),
        (lambda n: [n, "--at", "next tuesday"], 5, "'next tuesday' is not a date and time (examples: 2026-12-03T09:00"),
        (lambda n: [n, "--at", f"{YEAR}-06-14"], 5, "has no time of day"),
        (lambda n: [n, "--at", f"{gap}T02:30"], 5,
         f"02:30 on {gap} does not exist in Europe/Berlin (the clocks go forward): 02:00 becomes 03:00"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--duration", "0m"], 5, "'0m' is no time at all"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--duration", "-1h"], 5, "'-1h' is not a duration"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--duration", "two hours"], 5, "'two hours' is not a duration"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--duration", "40d"], 5, "too long for an appointment"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--where", "x" * 501], 5, "--where is longer than 500 characters"),
        (lambda n: [n, "--at", on(6, 14, "09:00"), "--tz", "Mars/Base"], 5,
         "--tz 'Mars/Base' is not a time zone (examples: Europe/Berlin"),
        (lambda n: [n, "--with", "tom smith", "--at", on(6, 14, "09:00")], 5, "resource name 'tom smith' is not valid"),
        (lambda n: ["abc", "--at", on(6, 14, "09:00")], 2, "ORDER 'abc' is not an order number"),
    ]


@pytest.mark.parametrize("case", range(len(refusal_cases())))
def test_what_cannot_be_booked_is_refused_and_changes_nothing(shop, case):
    args, code, message = refusal_cases()[case]
    number = order(shop, "INSTALL:1", "OVEN:1")
    booked(shop, str(order(shop)), "--at", on(6, 20, "09:00"), "--duration", "1h", "--with", "tom")  # something there
    before = snapshot(shop)
    given = args(str(number))
    defaults = []
    for flag, value in (("--duration", "2h"), ("--with", "tom")):
        if flag not in given:
            defaults += [flag, value]
    outcome = shop("appointment", "book", *given, *defaults, *(() if "--tz" in given else ("--tz", "Europe/Berlin")))
    assert outcome.exit_code == code, outcome
    assert message.format(n=number) in outcome.stderr
    assert outcome.stderr.startswith("ordercli: ") and outcome.stderr.count("\n") == 1, outcome
    assert "Traceback" not in outcome.stderr and outcome.stdout == ""
    assert snapshot(shop) == before


@pytest.mark.parametrize("status", ["canceled", "abandoned", "failed", "returned"])
def test_orders_that_are_over_cannot_be_booked(shop, status):
    number = order(shop)
    force_status(shop, number, status)
    before = snapshot(shop)
    outcome = appointment(shop, "book", str(number), "--at", on(6, 14, "09:00"), "--duration", "1h", "--with", "tom")
    assert outcome.exit_code == 4 and f"order {number} is {status}: nothing is booked for it" in outcome.stderr
    assert snapshot(shop) == before


def test_a_service_line_has_one_appointment_at_a_time(shop):
    number = order(shop)
    first = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                   "--with", "tom")
    before = snapshot(shop)
    again = appointment(shop, "book", str(number), "--line", "INSTALL", "--at", on(6, 15, "09:00"), "--duration", "2h",
                        "--with", "anna")
    assert again.exit_code == 4, again
    assert again.stderr == (f"ordercli: INSTALL on order {number} has appointment {first} booked "
                            f"({span(on(6, 14, '09:00'), '11:00')}): move it with "
                            f"ordercli appointment reschedule {first} --at TIME\n")
    assert snapshot(shop) == before
    # canceled, the line can be booked again
    assert appointment(shop, "cancel", str(first), "--reason", "customer away").exit_code == 0
    booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 15, "09:00"), "--duration", "2h", "--with", "anna")


# -- a resource is never double-booked ----------------------------------------------------------------


def test_an_overlap_is_refused_naming_the_appointment_in_the_way(shop):
    first_order, second_order = order(shop), order(shop)
    first = booked(shop, str(first_order), "--at", on(6, 14, "09:00"), "--duration", "2h", "--with", "tom")
    before = snapshot(shop)
    for start, length in ((on(6, 14, "10:00"), "2h"), (on(6, 14, "08:00"), "90m"), (on(6, 14, "09:30"), "30m"),
                          (on(6, 14, "08:00"), "4h"), (on(6, 14, "09:00"), "2h")):
        outcome = appointment(shop, "book", str(second_order), "--at", start, "--duration", length, "--with", "tom")
        assert outcome.exit_code == 4, (start, length, outcome)
        assert outcome.stderr == (f"ordercli: tom is already booked then: appointment {first} for order {first_order}, "
                                  f"{span(on(6, 14, '09:00'), '11:00')}\n")
    assert snapshot(shop) == before


def test_back_to_back_is_fine_and_another_resource_is_free(shop):
    numbers = [order(shop) for _ in range(4)]
    booked(shop, str(numbers[0]), "--at", on(6, 14, "09:00"), "--duration", "2h", "--with", "tom")
    booked(shop, str(numbers[1]), "--at", on(6, 14, "11:00"), "--duration", "1h", "--with", "tom")  # ends at 11:00
    booked(shop, str(numbers[2]), "--at", on(6, 14, "08:00"), "--duration", "1h", "--with", "tom")  # starts at 09:00
    booked(shop, str(numbers[3]), "--at", on(6, 14, "09:00"), "--duration", "2h", "--with", "anna")
    agenda = as_json(shop, "list", "--day", f"{YEAR}-06-14")
    assert [(a["order"], a["resource"], a["starts_local"][11:16], a["ends_local"][11:16]) for a in agenda] == [
        (numbers[2], "tom", "08:00", "09:00"), (numbers[0], "tom", "09:00", "11:00"),
        (numbers[3], "anna", "09:00", "11:00"), (numbers[1], "tom", "11:00", "12:00")]


def test_a_canceled_appointment_frees_the_slot(shop):
    first_order, second_order = order(shop), order(shop)
    first = booked(shop, str(first_order), "--at", on(6, 14, "09:00"), "--duration", "2h", "--with", "tom")
    outcome = appointment(shop, "cancel", str(first), "--reason", "customer ill", "--json")
    assert outcome.exit_code == 0, outcome
    canceled = json.loads(outcome.stdout)
    assert canceled["stage"] == "canceled" and canceled["canceled"]["reason"] == "customer ill"
    assert canceled["canceled"]["by"] and canceled["canceled"]["at"].endswith("Z")
    second = booked(shop, str(second_order), "--at", on(6, 14, "09:00"), "--duration", "2h", "--with", "tom")
    # the agenda leaves canceled ones out unless --all
    assert [a["number"] for a in as_json(shop, "list")] == [second]
    assert [(a["number"], a["stage"]) for a in as_json(shop, "list", "--all")] == [(first, "canceled"),
                                                                                     (second, "booked")]
    assert ("appointment_canceled", f"appointment {first} canceled (tom, {span(on(6, 14, '09:00'), '11:00')}): "
                                    "customer ill") in events(shop, first_order)
    # a canceled appointment stays canceled
    before = snapshot(shop)
    for args, word in ((["cancel", str(first), "--reason", "again"], "canceled"),
                       (["reschedule", str(first), "--at", on(6, 16, "09:00")], "rescheduled"),
                       (["complete", str(first), "--signed-by", "M. Anders"], "completed")):
        outcome = appointment(shop, *args)
        assert outcome.exit_code == 4 and f"appointment {first} was canceled: it can no longer be {word}" in \
            outcome.stderr, outcome
    assert snapshot(shop) == before


def test_cancel_needs_a_reason(shop):
    appt = booked(shop, str(order(shop)), "--at", on(6, 14, "09:00"), "--duration", "1h", "--with", "tom")
    before = snapshot(shop)
    assert appointment(shop, "cancel", str(appt)).exit_code == 2
    blank = appointment(shop, "cancel", str(appt), "--reason", "  ")
    assert blank.exit_code == 5 and "say why the appointment is canceled (--reason)" in blank.stderr
    missing = appointment(shop, "cancel", "999", "--reason", "x")
    assert missing.exit_code == 3 and "appointment 999 does not exist" in missing.stderr
    assert snapshot(shop) == before


# -- rescheduling ----------------------------------------------------------------------------------


def test_rescheduling_moves_the_time_the_resource_and_the_place(shop):
    number, other = order(shop), order(shop)
    appt = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                  "--with", "tom")
    booked(shop, str(other), "--at", on(6, 15, "13:00"), "--duration", "2h", "--with", "anna")
    moved = as_json(shop, "reschedule", str(appt), "--at", on(6, 15, "10:00"))
    assert (moved["starts_local"], moved["ends_local"], moved["sequence"]) == (
        f"{YEAR}-06-15T10:00:00+02:00", f"{YEAR}-06-15T12:00:00+02:00", 1)  # as long as before
    # anna is busy from 13:00: 4 hours from 10:00 would overlap
    before = snapshot(shop)
    busy = appointment(shop, "reschedule", str(appt), "--with", "anna", "--duration", "4h")
    assert busy.exit_code == 4 and "anna is already booked then: appointment 2 for order" in busy.stderr, busy
    assert snapshot(shop) == before
    moved = as_json(shop, "reschedule", str(appt), "--with", "anna", "--where", "Hinterhof 2")
    assert (moved["resource"], moved["place"], moved["sequence"]) == ("anna", "Hinterhof 2", 2)
    reasons = [r for e, r in events(shop, number) if e == "appointment_rescheduled"]
    assert reasons == [
        f"appointment {appt} rescheduled: {span(on(6, 14, '09:00'), '11:00')} -> {span(on(6, 15, '10:00'), '12:00')}",
        f"appointment {appt} rescheduled: tom -> anna; at Obere Str. 57, 12209 Berlin, Germany -> Hinterhof 2"]
    # its own old time is no conflict, and the same again changes nothing
    same = appointment(shop, "reschedule", str(appt), "--at", on(6, 15, "10:00"), "--with", "anna")
    assert same.exit_code == 0 and "nothing changed" in same.stderr
    assert as_json(shop, "show", str(appt))["sequence"] == 2


@pytest.mark.parametrize("args, code, message", [
    ([], 2, "nothing to change: give --at, --duration, --with or --where"),
    (["--at", f"{YEAR - 2}-06-14T09:00"], 5, "is in the past"),
    (["--at", "whenever"], 5, "'whenever' is not a date and time"),
    (["--duration", "0h"], 5, "is no time at all"),
    (["--with", "nobody"], 3, "resource nobody does not exist"),
])
def test_what_cannot_be_rescheduled_is_refused_and_changes_nothing(shop, args, code, message):
    appt = booked(shop, str(order(shop)), "--at", on(6, 14, "09:00"), "--duration", "1h", "--with", "tom")
    before = snapshot(shop)
    outcome = appointment(shop, "reschedule", str(appt), *args)
    assert outcome.exit_code == code and message in outcome.stderr, outcome
    assert snapshot(shop) == before


# -- completing ----------------------------------------------------------------------------------------


def test_completing_the_only_open_line_closes_the_order(shop):
    number = order(shop, "INSTALL:1", "OVEN:1")
    assert shop("ship", str(number)).exit_code == 0
    assert shop.json("show", str(number))["status"] == "partially_shipped"  # the installation is still to come
    appt = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                  "--with", "tom")
    outcome = appointment(shop, "complete", str(appt), "--signed-by", "M. Anders", "--note", "oven runs", "--json")
    assert outcome.exit_code == 0, outcome
    done = json.loads(outcome.stdout)
    assert (done["stage"], done["order_status"], done["completed"]["signed_by"], done["note"]) == (
        "completed", "closed", "M. Anders", "oven runs")
    assert f"order {number} went from partially_shipped to closed" in outcome.stderr
    assert shop.json("show", str(number))["status"] == "closed"
    assert events(shop, number)[-2:] == [
        ("appointment_completed", f"appointment {appt} completed (tom, {span(on(6, 14, '09:00'), '11:00')}): "
                                  "INSTALL (line 1) fulfilled, signed by M. Anders; note: oven runs"),
        ("status", f"appointment {appt} completed")]
    # done is done
    before = snapshot(shop)
    for args, word in ((["complete", str(appt), "--signed-by", "x"], "completed"),
                       (["cancel", str(appt), "--reason", "x"], "canceled"),
                       (["reschedule", str(appt), "--at", on(6, 16, "09:00")], "rescheduled")):
        outcome = appointment(shop, *args)
        assert outcome.exit_code == 4 and f"appointment {appt} was completed on" in outcome.stderr and \
            f"it can no longer be {word}" in outcome.stderr, outcome
    again = appointment(shop, "book", str(number), "--line", "INSTALL", "--at", on(6, 20, "09:00"), "--duration", "1h",
                        "--with", "tom")
    assert again.exit_code == 4 and f"INSTALL on order {number} was fulfilled by appointment {appt} (completed)" in \
        again.stderr
    assert snapshot(shop) == before


def test_an_order_with_a_service_line_closes_only_when_its_appointment_is_done(shop):
    number = order(shop, "INSTALL:1", "OVEN:1")
    appt = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                  "--with", "tom")
    outcome = appointment(shop, "complete", str(appt), "--signed-by", "M. Anders")
    assert outcome.exit_code == 0 and "went from ready_to_ship to partially_shipped" in outcome.stderr, outcome
    assert shop("ship", str(number)).exit_code == 0  # the oven leaves: now everything is done
    assert shop.json("show", str(number))["status"] == "closed"


def test_completing_needs_an_order_that_is_ready(shop):
    number = order(shop, ready=False)
    appt = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                  "--with", "tom")
    before = snapshot(shop)
    outcome = appointment(shop, "complete", str(appt), "--signed-by", "M. Anders")
    assert outcome.exit_code == 4, outcome
    assert outcome.stderr == f"ordercli: order {number} is open: verify it and mark it ready_to_ship first\n"
    blank = appointment(shop, "complete", str(appt), "--signed-by", " ")
    assert blank.exit_code == 5 and "say who signed for the appointment (--signed-by)" in blank.stderr
    assert appointment(shop, "complete", str(appt)).exit_code == 2
    assert snapshot(shop) == before


def test_an_appointment_without_a_line_may_be_completed_after_the_order_closed(shop):
    number = order(shop, "OVEN:1")
    appt = booked(shop, str(number), "--at", on(6, 14, "09:00"), "--duration", "1h", "--with", "tom")
    assert shop("ship", str(number)).exit_code == 0
    done = as_json(shop, "complete", str(appt), "--signed-by", "M. Anders")
    assert (done["stage"], done["order_status"]) == ("completed", "closed")
    assert ("appointment_completed", f"appointment {appt} completed (tom, {span(on(6, 14, '09:00'), '10:00')}): "
                                     "done, signed by M. Anders") in events(shop, number)


# -- time zones ----------------------------------------------------------------------------------------


def test_times_are_shown_in_the_zone_asked_for(shop):
    appt = booked(shop, str(order(shop)), "--at", on(12, 3, "09:00"), "--duration", "2h", "--with", "tom")
    berlin = as_json(shop, "show", str(appt))
    new_york = as_json(shop, "show", str(appt), tz="America/New_York")
    assert berlin["starts_at"] == new_york["starts_at"] == f"{YEAR}-12-03T08:00:00Z"
    assert (berlin["starts_local"], berlin["time_zone"]) == (f"{YEAR}-12-03T09:00:00+01:00", "Europe/Berlin")
    assert (new_york["starts_local"], new_york["time_zone"]) == (f"{YEAR}-12-03T03:00:00-05:00", "America/New_York")
    # ORDERCLI_TZ, then TZ, set the zone; --tz wins over both
    assert as_json(shop, "show", str(appt), tz=None, env={"ORDERCLI_TZ": "Asia/Tokyo", "TZ": "UTC"})[
        "starts_local"] == f"{YEAR}-12-03T17:00:00+09:00"
    assert as_json(shop, "show", str(appt), tz=None, env={"ORDERCLI_TZ": "", "TZ": "America/New_York"})[
        "time_zone"] == "America/New_York"
    assert as_json(shop, "show", str(appt), tz="UTC", env={"ORDERCLI_TZ": "Asia/Tokyo"})["time_zone"] == "UTC"
    table = appointment(shop, "list", tz="America/New_York")
    assert f"{datetime(YEAR, 12, 3):%a} {YEAR}-12-03 03:00\t05:00\ttom" in table.stdout
    shown = appointment(shop, "show", str(appt), tz="America/New_York")
    assert f"When         {datetime(YEAR, 12, 3):%a} {YEAR}-12-03 03:00-05:00 America/New_York (2h)" in shown.stdout


@pytest.mark.parametrize("env, message", [
    ({"ORDERCLI_TZ": "Mars/Base"}, "ordercli: ORDERCLI_TZ 'Mars/Base' is not a time zone"),
    ({"ORDERCLI_TZ": "", "TZ": "Nowhere/Land"}, "ordercli: TZ 'Nowhere/Land' is not a time zone"),
])
def test_an_unknown_zone_from_the_environment_is_one_line(shop, env, message):
    outcome = appointment(shop, "list", tz=None, env=env)
    assert outcome.exit_code == 5 and outcome.stderr.startswith(message) and outcome.stderr.count("\n") == 1


def test_a_time_the_clocks_pass_twice_is_the_first_and_the_offset_picks_the_second(shop):
    day = last_sunday(10)
    outcome = appointment(shop, "book", str(order(shop)), "--at", f"{day} 02:30", "--duration", "30m",
                          "--with", "tom", "--json")
    assert outcome.exit_code == 0, outcome
    assert json.loads(outcome.stdout)["starts_local"] == f"{day}T02:30:00+02:00"
    assert (f"02:30 on {day} happens twice in Europe/Berlin (the clocks go back): taken as the first, 02:30 CEST "
            f"(+02:00); for the second give {day}T02:30+01:00") in outcome.stderr
    second = as_json(shop, "book", str(order(shop)), "--at", f"{day}T02:30+01:00", "--duration", "30m",
                     "--with", "tom")  # an hour later: no overlap
    assert (second["starts_local"], second["starts_at"]) == (f"{day}T02:30:00+01:00", f"{day}T01:30:00Z")


# -- the agenda ------------------------------------------------------------------------------------------


def test_the_agenda_by_day_week_resource_and_order(shop):
    first, second = order(shop), order(shop)
    monday = date(YEAR, 6, 14) - timedelta(days=date(YEAR, 6, 14).weekday())
    a = booked(shop, str(first), "--at", f"{monday}T09:00", "--duration", "1h", "--with", "tom")
    b = booked(shop, str(second), "--at", f"{monday + timedelta(days=6)}T23:00", "--duration", "2h",
               "--with", "anna")  # Sunday night into Monday
    c = booked(shop, str(first), "--at", f"{monday + timedelta(days=7)}T09:00", "--duration", "1h", "--with", "tom")
    numbers = lambda *args: [x["number"] for x in as_json(shop, "list", *args)]  # noqa: E731
    assert numbers() == [a, b, c]
    assert numbers("--week", "--day", str(monday + timedelta(days=3))) == [a, b]
    assert numbers("--week", str(monday + timedelta(days=3))) == [a, b]  # the day as an argument
    assert numbers(str(monday + timedelta(days=7))) == [b, c]  # across midnight: on both days
    assert numbers("--day", str(monday)) == [a]
    assert numbers("--with", "tom") == [a, c]
    assert numbers("--order", str(second)) == [b]
    assert numbers("--day", str(monday + timedelta(days=1))) == []
    assert appointment(shop, "list", "--ids").stdout == f"{a}\n{b}\n{c}\n"
    rows = list(csv.reader(io.StringIO(appointment(shop, "list", "--csv").stdout)))
    assert rows[0][:6] == ["appointment", "order", "line", "sku", "resource", "stage"]
    assert [r[0] for r in rows[1:]] == [str(a), str(b), str(c)]
    assert rows[1][6:9] == [f"{monday}T09:00:00+02:00", f"{monday}T10:00:00+02:00", "Europe/Berlin"]
    empty = appointment(shop, "list", "--day", str(monday + timedelta(days=1)))
    assert empty.exit_code == 0 and empty.stdout == "" and "no appointments match" in empty.stderr


@pytest.mark.parametrize("args, code, message", [
    (["--with", "nobody"], 3, "resource nobody does not exist"),
    (["--order", "99999"], 3, "order 99999 does not exist"),
    (["--day", "someday"], 2, "--day 'someday' is not a day"),
    (["tomorrow", "--day", "today"], 2, "give the day once"),
])
def test_the_agenda_refuses_what_it_cannot_read(shop, args, code, message):
    outcome = appointment(shop, "list", *args)
    assert outcome.exit_code == code and message in outcome.stderr, outcome


def test_customer_text_is_shown_as_text(shop):
    hostile = "Maria [/x] [bold]Anders[/bold] %s {0}"
    outcome = shop("create", "--name", hostile, *CUSTOMER[2:], "--line", "INSTALL:1")
    assert outcome.exit_code == 0, outcome
    number = int(outcome.stdout)
    appt = booked(shop, str(number), "--at", on(6, 14, "09:00"), "--duration", "1h", "--with", "tom",
                  "--where", "[/where] Hof; 3, links", "--note", "[red]klingeln[/red]")
    for env in ({}, {"ORDERCLI_FORCE_TTY": "200"}):
        listed = appointment(shop, "list", env=env)
        assert listed.exit_code == 0 and "Maria [/x] [bold]Anders[/bold] %s {0}" in listed.stdout, listed
        assert "[/where] Hof; 3, links" in listed.stdout
        shown = appointment(shop, "show", str(appt), env=env)
        assert shown.exit_code == 0 and "[red]klingeln[/red]" in shown.stdout and hostile in shown.stdout
    assert as_json(shop, "show", str(appt))["customer"]["name"] == hostile


# -- the iCalendar export ---------------------------------------------------------------------------------


def test_the_export_is_an_icalendar_file_that_reads_back(shop, tmp_path):
    from icalendar import Calendar

    number, other = order(shop), order(shop)
    kept = booked(shop, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                  "--with", "tom", "--where", "Hof 3; links, 2. OG", "--note", "Hund, bellt")
    assert appointment(shop, "reschedule", str(kept), "--at", on(6, 14, "10:00")).exit_code == 0
    dropped = booked(shop, str(other), "--at", on(6, 15, "09:00"), "--duration", "1h", "--with", "anna")
    assert appointment(shop, "cancel", str(dropped), "--reason", "no time").exit_code == 0
    target = tmp_path / "agenda.ics"
    outcome = appointment(shop, "export", "--ics", str(target), "--all")
    assert outcome.exit_code == 0 and f"exported 2 appointment(s) to {target}" in outcome.stderr, outcome
    parsed = Calendar.from_ical(target.read_bytes())
    assert str(parsed["prodid"]) == "-//ordercli//appointments//EN" and str(parsed["version"]) == "2.0"
    events_ = {str(e["uid"]): e for e in parsed.walk("VEVENT")}
    assert set(events_) == {f"appointment-{kept}@ordercli", f"appointment-{dropped}@ordercli"}
    event = events_[f"appointment-{kept}@ordercli"]
    assert event.decoded("dtstart") == datetime(YEAR, 6, 14, 8, 0, tzinfo=timezone.utc)
    assert event.decoded("dtend") == datetime(YEAR, 6, 14, 10, 0, tzinfo=timezone.utc)
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert str(event["summary"]) == f"Installation, order {number} (tom)"
    assert str(event["location"]) == "Hof 3; links, 2. OG"  # escaped in the file, the same text read back
    assert "Customer: Maria Anders, +49300074321, maria@example.com" in str(event["description"])
    assert "Note: Hund, bellt" in str(event["description"])
    assert (str(event["status"]), int(event["sequence"])) == ("CONFIRMED", 1)
    assert isinstance(event.decoded("dtstamp"), datetime)
    canceled = events_[f"appointment-{dropped}@ordercli"]
    assert (str(canceled["status"]), int(canceled["sequence"])) == ("CANCELLED", 1)
    # to stdout, the same filters as the agenda: tom's only, canceled ones left out
    out = appointment(shop, "export", "--ics", "-", "--with", "tom")
    assert out.exit_code == 0, out
    assert [str(e["uid"]) for e in Calendar.from_ical(out.stdout.encode()).walk("VEVENT")] == [
        f"appointment-{kept}@ordercli"]


def test_the_export_needs_its_format_and_a_file(shop, tmp_path):
    assert appointment(shop, "export").exit_code == 2
    into_folder = appointment(shop, "export", "--ics", str(tmp_path))
    assert into_folder.exit_code == 2 and "a directory; give the calendar file's name" in into_folder.stderr
    nowhere = appointment(shop, "export", "--ics", str(tmp_path / "missing" / "a.ics"))
    assert nowhere.exit_code == 5 and "does not exist" in nowhere.stderr
    assert list(tmp_path.glob("*.ics")) == []


def test_the_system_zone_when_none_is_named(shop):
    """No --tz, ORDERCLI_TZ or TZ: the zone /etc/localtime names (by its link into the zone
    database, else the file itself), else UTC; TZ may name a zone file too."""
    import os
    from importlib.resources import files

    appt = booked(shop, str(order(shop)), "--at", on(12, 3, "09:00"), "--duration", "1h", "--with", "tom")
    unset = {"ORDERCLI_TZ": None, "TZ": None}
    shown = as_json(shop, "show", str(appt), tz=None, env=unset)
    if os.path.islink("/etc/localtime") and "/zoneinfo/" in os.path.realpath("/etc/localtime"):
        expected = os.path.realpath("/etc/localtime").rsplit("/zoneinfo/", 1)[1]
    else:
        expected = "localtime" if os.path.exists("/etc/localtime") else "UTC"
    assert shown["time_zone"] == expected
    local = datetime(YEAR, 12, 3, 8, tzinfo=timezone.utc).astimezone(ZoneInfo(expected) if expected != "localtime"
                                                                     else None)
    assert shown["starts_local"] == local.isoformat(timespec="seconds")
    tokyo = str(files("tzdata").joinpath("zoneinfo", "Asia", "Tokyo"))
    from_file = as_json(shop, "show", str(appt), tz=None, env={"ORDERCLI_TZ": None, "TZ": f":{tokyo}"})
    assert (from_file["time_zone"], from_file["starts_local"]) == (tokyo, f"{YEAR}-12-03T17:00:00+09:00")


def test_an_order_that_is_called_off_cancels_its_booked_appointments(shop):
    cli = shop
    number = order(cli)
    first = booked(cli, str(number), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                   "--with", "tom")
    assert cli("status", str(number), "--to", "canceled", "--reason", "customer called", "--yes").exit_code == 0
    gone = as_json(cli, "show", str(first))
    assert (gone["stage"], gone["canceled"]["reason"]) == ("canceled", "order canceled: customer called")
    # the slot is free again for another order
    other = order(cli)
    assert appointment(cli, "book", str(other), "--line", "INSTALL", "--at", on(6, 14, "09:00"), "--duration", "2h",
                       "--with", "tom").exit_code == 0


def test_show_lists_the_appointments_and_a_completed_one_fulfills_its_line(shop):
    cli = shop
    number = order(cli, "INSTALL:1", "OVEN:1")
    assert cli("ship", str(number)).exit_code == 0
    visit = booked(cli, str(number), "--line", "INSTALL", "--at", on(6, 15, "14:00"), "--duration", "90m",
                   "--with", "anna")
    shown = cli("show", str(number), env={"ORDERCLI_TZ": "Europe/Berlin"})
    assert "Appointments (Europe/Berlin)" in shown.stdout and f"{YEAR}-06-15 14:00" in shown.stdout
    assert "anna" in shown.stdout
    assert cli.json("show", str(number))["status"] == "partially_shipped"
    assert appointment(cli, "complete", str(visit), "--signed-by", "M. Anders").exit_code == 0
    after = cli.json("show", str(number))
    assert after["status"] == "closed"
    assert [(l["sku"], l["shipped"]) for l in after["lines"]] == [("INSTALL", 1), ("OVEN", 1)]
    [seen] = after["appointments"]
    assert (seen["number"], seen["stage"], seen["completed"]["signed_by"]) == (visit, "completed", "M. Anders")


def test_seconds_and_the_end_of_the_calendar_are_refused(shop):
    cli = shop
    number = order(cli)
    for at, message in (("2099-02-28T09:00:30", "appointments start on a whole minute"),
                        ("9999-12-31T23:30", "is out of range (years 2 to 9998)")):
        outcome = appointment(cli, "book", str(number), "--at", at, "--duration", "1h", "--with", "tom")
        assert (outcome.exit_code, len(outcome.stderr.splitlines())) == (5, 1) and message in outcome.stderr
    assert appointment(cli, "list", "--week", "9999-12-31").exit_code == 2
    assert as_json(cli, "list", "--all") == []


def test_a_returned_order_frees_its_booked_resources(shop):
    cli = shop
    number = order(cli, "OVEN:1")
    assert cli("ship", str(number)).exit_code == 0
    visit = booked(cli, str(number), "--at", on(7, 1, "09:00"), "--duration", "1h", "--with", "tom")
    assert cli("status", str(number), "--to", "returned", "--reason", "sent back").exit_code == 0
    assert as_json(cli, "show", str(visit))["stage"] == "canceled"
    other = order(cli)
    booked(cli, str(other), "--at", on(7, 1, "09:00"), "--duration", "1h", "--with", "tom")


def test_a_posix_tz_setting_shows_an_order_in_utc_rather_than_fail(shop):
    cli = shop
    number = order(cli)
    booked(cli, str(number), "--at", on(7, 2, "09:00"), "--duration", "1h", "--with", "tom")
    shown = cli("show", str(number), "--json", env={"TZ": "EST5", "ORDERCLI_TZ": ""})
    assert shown.exit_code == 0 and json.loads(shown.stdout)["appointments"][0]["time_zone"] == "UTC"
