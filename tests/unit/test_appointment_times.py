"""Appointment times: local times read in a zone, the days the clocks change, durations, the
half-open overlap rule, and the days and weeks of an agenda (domain/appointments.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from ordercli.domain.appointments import (
    day_window, load_zone, local_iso, overlaps, parse_appointment_duration, parse_day, parse_local_time, span_text,
    week_window,
)
from ordercli.domain.errors import InvalidData

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=timezone.utc)  # a Sunday; 11:00 in Berlin


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-03T09:00", utc(2026, 12, 3, 8, 0)),          # CET, +01:00
    ("2026-12-03 09:00", utc(2026, 12, 3, 8, 0)),
    ("  2026-12-03 09:00:00 ", utc(2026, 12, 3, 8, 0)),     # seconds, when they are none
    ("2027-06-15T09:00", utc(2027, 6, 15, 7, 0)),          # CEST, +02:00
    ("2026-12-03T09:00+05:00", utc(2026, 12, 3, 4, 0)),    # an offset names the instant itself
    ("2026-12-03T09:00Z", utc(2026, 12, 3, 9, 0)),
    ("2026-12-03T09:00z", utc(2026, 12, 3, 9, 0)),
    ("tomorrow 9:00", utc(2026, 11, 30, 8, 0)),
    ("today 14:30", utc(2026, 11, 29, 13, 30)),
    ("Tomorrow T09:15", utc(2026, 11, 30, 8, 15)),
])
def test_a_local_time_is_read_in_the_zone(text, expected):
    read = parse_local_time(text, BERLIN, NOW)
    assert (read.at, read.note) == (expected, None)
    assert read.at.tzinfo == timezone.utc


def test_the_same_wall_clock_time_is_another_instant_in_another_zone():
    assert parse_local_time("2026-12-03 09:00", NEW_YORK, NOW).at == utc(2026, 12, 3, 14, 0)
    assert parse_local_time("2026-12-03 09:00", ZoneInfo("UTC"), NOW).at == utc(2026, 12, 3, 9, 0)


@pytest.mark.parametrize("text, zone, message", [
    ("2027-03-28T02:30", BERLIN,
     "02:30 on 2027-03-28 does not exist in Europe/Berlin (the clocks go forward): 02:00 becomes 03:00"),
    ("2027-03-28 02:00", BERLIN,
     "02:00 on 2027-03-28 does not exist in Europe/Berlin (the clocks go forward): 02:00 becomes 03:00"),
    ("2027-03-14T02:59", NEW_YORK,
     "02:59 on 2027-03-14 does not exist in America/New_York (the clocks go forward): 02:00 becomes 03:00"),
    ("2026-10-04T02:15", ZoneInfo("Australia/Lord_Howe"),  # a half-hour change
     "02:15 on 2026-10-04 does not exist in Australia/Lord_Howe (the clocks go forward): 02:00 becomes 02:30"),
])
def test_a_time_the_clocks_skip_does_not_exist(text, zone, message):
    with pytest.raises(InvalidData) as refused:
        parse_local_time(text, zone, NOW)
    assert str(refused.value) == message


def test_the_edges_of_the_skipped_hour_exist():
    assert parse_local_time("2027-03-28T01:59", BERLIN, NOW).at == utc(2027, 3, 28, 0, 59)
    assert parse_local_time("2027-03-28T03:00", BERLIN, NOW).at == utc(2027, 3, 28, 1, 0)


def test_a_time_the_clocks_pass_twice_is_the_first_and_says_so():
    read = parse_local_time("2026-10-25T02:30", BERLIN, NOW)
    assert read.at == utc(2026, 10, 25, 0, 30)  # still summer time, +02:00
    assert read.note == ("02:30 on 2026-10-25 happens twice in Europe/Berlin (the clocks go back): taken as the "
                         "first, 02:30 CEST (+02:00); for the second give 2026-10-25T02:30+01:00")
    # the offset it suggests picks the second, an hour later, without a note
    second = parse_local_time("2026-10-25T02:30+01:00", BERLIN, NOW)
    assert (second.at, second.note) == (utc(2026, 10, 25, 1, 30), None)


@pytest.mark.parametrize("text", ["", "   ", "nonsense", "2026-13-01T09:00", "2026-12-03T25:00", "03.12.2026 09:00",
                                  "2026-12-03T09:00 Europe/Berlin", "٢٠٢٦-12-03T09:00", "2026-12-03T" + "0" * 50,
                                  "tomorrow", "tomorrow 25:00"])
def test_what_is_not_a_date_and_time_is_refused(text):
    with pytest.raises(InvalidData) as refused:
        parse_local_time(text, BERLIN, NOW)
    assert "is not a date and time" in str(refused.value) or "has no time of day" in str(refused.value)


def test_a_date_without_a_time_of_day_is_refused():
    with pytest.raises(InvalidData, match="has no time of day: an appointment starts at a time"):
        parse_local_time("2026-12-03", BERLIN, NOW)


@pytest.mark.parametrize("text, expected", [("2h", timedelta(hours=2)), ("90m", timedelta(minutes=90)),
                                            ("1h30m", timedelta(minutes=90)), ("1.5h", timedelta(minutes=90)),
                                            ("2 days", timedelta(days=2)), ("31d", timedelta(days=31))])
def test_durations(text, expected):
    assert parse_appointment_duration(text) == expected


@pytest.mark.parametrize("text, message", [
    ("0m", "'0m' is no time at all: an appointment lasts a while"),
    ("0h", "'0h' is no time at all"),
    ("-2h", "'-2h' is not a duration"),
    ("2", "'2' is not a duration"),
    ("", "'' is not a duration"),
    ("soon", "'soon' is not a duration"),
    ("32d", "'32d' is too long for an appointment (at most 31 days)"),
    ("30s", "'30s' is not a whole number of minutes"),
])
def test_durations_that_are_refused(text, message):
    with pytest.raises(InvalidData) as refused:
        parse_appointment_duration(text)
    assert str(refused.value).startswith(message)


@pytest.mark.parametrize("a, b, expected", [
    ((9, 11), (11, 13), False),   # back to back
    ((11, 13), (9, 11), False),
    ((9, 11), (10, 12), True),
    ((9, 11), (9, 11), True),
    ((9, 13), (10, 11), True),    # one within the other
    ((10, 11), (9, 13), True),
    ((9, 10), (12, 13), False),
])
def test_spans_are_half_open(a, b, expected):
    at = lambda hour: utc(2026, 12, 3, hour)  # noqa: E731
    assert overlaps(at(a[0]), at(a[1]), at(b[0]), at(b[1])) is expected


def test_a_day_is_local_and_has_23_or_25_hours_when_the_clocks_change():
    assert day_window(date(2026, 12, 3), BERLIN) == (utc(2026, 12, 2, 23), utc(2026, 12, 3, 23))
    start, end = day_window(date(2027, 3, 28), BERLIN)
    assert end - start == timedelta(hours=23)
    start, end = day_window(date(2026, 10, 25), BERLIN)
    assert end - start == timedelta(hours=25)
    assert day_window(date(2026, 12, 3), NEW_YORK) == (utc(2026, 12, 3, 5), utc(2026, 12, 4, 5))


def test_a_week_runs_from_monday_to_monday_local():
    # 2026-12-03 is a Thursday: its week starts on Monday 2026-11-30
    assert week_window(date(2026, 12, 3), BERLIN) == (utc(2026, 11, 29, 23), utc(2026, 12, 6, 23))
    assert week_window(date(2026, 11, 30), BERLIN) == week_window(date(2026, 12, 6), BERLIN)
    start, end = week_window(date(2026, 10, 25), BERLIN)  # the Sunday the clocks go back
    assert end - start == timedelta(days=7, hours=1)


def test_days_people_name():
    assert parse_day("2026-12-03", BERLIN, NOW) == date(2026, 12, 3)
    assert parse_day("today", BERLIN, NOW) == date(2026, 11, 29)
    assert parse_day("Tomorrow", BERLIN, NOW) == date(2026, 11, 30)
    assert parse_day("yesterday", BERLIN, NOW) == date(2026, 11, 28)
    # at 23:30 UTC it is already the next day in Berlin
    assert parse_day("today", BERLIN, utc(2026, 11, 29, 23, 30)) == date(2026, 11, 30)
    with pytest.raises(InvalidData, match="is not a day"):
        parse_day("someday", BERLIN, NOW)


def test_zones_by_name_their_case_forgiven():
    assert load_zone("Europe/Berlin", "--tz").key == "Europe/Berlin"
    assert load_zone(" europe/berlin ", "--tz").key == "Europe/Berlin"
    assert load_zone("utc", "--tz").key == "UTC"


@pytest.mark.parametrize("name", ["Mars/Base", "Europe", "../../etc/passwd", "/etc/localtime", "", "Europe/\nBerlin",
                                  "Éurope/Berlin", "x" * 100])
def test_unknown_zones_are_refused_naming_where_they_came_from(name):
    with pytest.raises(InvalidData) as refused:
        load_zone(name, "ORDERCLI_TZ")
    assert str(refused.value).startswith("ORDERCLI_TZ ") and "is not a time zone (examples: Europe/Berlin" in str(
        refused.value)


def test_times_shown_in_the_zone():
    start, end = utc(2026, 12, 3, 8), utc(2026, 12, 3, 10)
    assert span_text(start, end, BERLIN) == "Thu 2026-12-03 09:00-11:00"
    assert span_text(utc(2026, 12, 3, 22), utc(2026, 12, 4, 1), BERLIN) == "Thu 2026-12-03 23:00 - Fri 2026-12-04 02:00"
    assert local_iso(start, BERLIN) == "2026-12-03T09:00:00+01:00"
    assert local_iso(utc(2027, 6, 15, 7), BERLIN) == "2027-06-15T09:00:00+02:00"
    assert local_iso(start, NEW_YORK) == "2026-12-03T03:00:00-05:00"
    assert local_iso(None, BERLIN) is None
