from datetime import datetime, timedelta, timezone

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.times import parse_duration, parse_last_moment, parse_when

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def test_durations_as_people_write_them():
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("1h 30m") == timedelta(minutes=90)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("2 hours") == timedelta(hours=2)
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("2 days") == timedelta(days=2)
    assert parse_duration("1w") == timedelta(weeks=1)
    assert parse_duration("1.5h") == timedelta(minutes=90)


@pytest.mark.parametrize("bad", ["0h", "2", "h", "-2h", "2y", "1:30", "1e3h", "soon", "", "2 fortnights"])
def test_what_is_not_a_duration_is_refused(bad):
    # '2' and '1:30' name no unit ('1:30' would be read as 1 minute 30 seconds)
    with pytest.raises(InvalidData, match="not a duration"):
        parse_duration(bad)


def test_a_duration_over_a_hundred_years_is_refused():
    assert parse_duration("5000w") == timedelta(weeks=5000)
    with pytest.raises(InvalidData, match="is too long a duration"):
        parse_duration("100000w")


def test_times_are_dates_iso_times_or_durations_ago_in_utc():
    assert parse_when("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert parse_when("2026-11-01", NOW, end_of_day=True) == datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30", NOW) == datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30+01:00", NOW) == datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30Z", NOW) == datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)
    assert parse_when("2h", NOW) == NOW - timedelta(hours=2)
    assert parse_when("1h30m", NOW) == NOW - timedelta(minutes=90)
    assert parse_when("7 days", NOW) == NOW - timedelta(days=7)


def test_day_words_are_days_in_utc():
    assert parse_when("today", NOW) == datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert parse_when("Yesterday", NOW) == datetime(2026, 11, 27, tzinfo=timezone.utc)
    assert parse_when("yesterday", NOW, end_of_day=True) == datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert parse_when("tomorrow", NOW) == datetime(2026, 11, 29, tzinfo=timezone.utc)
    late = datetime(2026, 11, 28, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # already the 29th in UTC
    assert parse_when("today", late) == datetime(2026, 11, 29, tzinfo=timezone.utc)
    assert parse_last_moment("yesterday", NOW) == datetime(2026, 11, 27, 23, 59, 59, 999999, tzinfo=timezone.utc)


def test_an_inclusive_end_date_lasts_the_whole_day():
    assert parse_last_moment("2026-12-31", NOW) == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert parse_last_moment("2026-12-31T18:00", NOW) == datetime(2026, 12, 31, 18, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["yesterday at noon", "2026-13-01", "2026-02-30", "31/12/2026", "90", "soon",
                                  "x" * 41])
def test_bad_times_are_refused(text):
    with pytest.raises(InvalidData):
        parse_when(text, NOW)
