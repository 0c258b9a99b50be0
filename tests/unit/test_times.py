from datetime import datetime, timedelta, timezone

import pytest

from ordercli.domain.errors import InvalidData
from ordercli.domain.times import parse_duration, parse_last_moment, parse_when

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def test_durations():
    assert parse_duration("90m") == timedelta(minutes=90)
    assert parse_duration("2h") == timedelta(hours=2)
    assert parse_duration("3d") == timedelta(days=3)
    assert parse_duration("1w") == timedelta(weeks=1)
    for bad in ["0h", "2", "h", "-2h", "2 hours", "2y"]:
        with pytest.raises(InvalidData, match="not a duration"):
            parse_duration(bad)


def test_times_are_dates_iso_times_or_durations_ago_in_utc():
    assert parse_when("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=timezone.utc)
    assert parse_when("2026-11-01", NOW, end_of_day=True) == datetime(2026, 11, 2, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30", NOW) == datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30+01:00", NOW) == datetime(2026, 11, 1, 7, 30, tzinfo=timezone.utc)
    assert parse_when("2026-11-01T08:30Z", NOW) == datetime(2026, 11, 1, 8, 30, tzinfo=timezone.utc)
    assert parse_when("2h", NOW) == NOW - timedelta(hours=2)


def test_an_inclusive_end_date_lasts_the_whole_day():
    assert parse_last_moment("2026-12-31", NOW) == datetime(2026, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert parse_last_moment("2026-12-31T18:00", NOW) == datetime(2026, 12, 31, 18, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "2026-02-30", "31/12/2026"])
def test_bad_times_are_refused(text):
    with pytest.raises(InvalidData):
        parse_when(text, NOW)
