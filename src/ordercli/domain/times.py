"""Reading times and durations people type. `now` is always passed in; everything is UTC.

Durations are read by pytimeparse (`1h30m`, `90m`, `2d`, `1w`, `2 days`, `1.5h`); times are
an ISO 8601 date or date and time (the standard library reads them), `today`, `yesterday` or
`tomorrow` (midnight UTC), or a duration ago (`7d`). Only ASCII is read, so digits of other
scripts are refused rather than read as 0-9 (the rule of domain/validation.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from ordercli.domain.errors import InvalidData
from ordercli.domain.validation import shown

MAX_TEXT = 40  # longer than any duration or time a person types; checked before parsing
MAX_DURATION = timedelta(days=36_525)  # 100 years: far beyond any window, far from overflow
DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
DURATION_EXAMPLES = "examples: 30m, 2h, 3d, 1w"
TIME_EXAMPLES = "examples: 2026-11-28, 2026-11-28T14:30, 2026-11-28T14:30+01:00, today, yesterday, 2h, 1h30m"


def parse_duration(text: str) -> timedelta:
    """'90m', '1h30m', '2h', '3d', '1w', '2 days' as a timedelta (a positive one)."""
    from pytimeparse.timeparse import timeparse

    raw = text.strip()
    if len(raw) > MAX_TEXT:
        raise InvalidData(f"{shown(text)} is too long a duration")
    # A duration names its units: '90' and the clock form '1:30' (read as 1 minute 30) are refused.
    seconds = timeparse(raw) if raw.isascii() and any(c.isalpha() for c in raw) else None
    if seconds is None or seconds <= 0:
        raise InvalidData(f"{shown(text)} is not a duration ({DURATION_EXAMPLES})")
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidData(f"{shown(text)} is too long a duration (at most 100 years)")
    return timedelta(seconds=seconds)


def _day(raw: str, now: datetime) -> date | None:
    """The day a text names as a whole: an ISO date (2026-11-28), or today, yesterday, tomorrow."""
    if raw.lower() in DAY_WORDS:
        return now.astimezone(timezone.utc).date() + timedelta(days=DAY_WORDS[raw.lower()])
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def parse_when(text: str, now: datetime, *, end_of_day: bool = False) -> datetime:
    """A point in time: a day (its midnight UTC, or the next midnight with `end_of_day`), an
    ISO datetime (UTC unless it has an offset), or a duration ago ('2h', '1h30m', '7d')."""
    raw = text.strip()
    if len(raw) > MAX_TEXT or not raw.isascii():
        raise InvalidData(f"{shown(text)} is not a time ({TIME_EXAMPLES})")
    try:
        day = _day(raw, now)
        if day is not None:
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return moment + timedelta(days=1) if end_of_day else moment
        try:
            moment = datetime.fromisoformat(raw[:-1] + "Z" if raw.endswith("z") else raw)
        except ValueError:
            return now - _duration_ago(text, raw)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidData(f"{shown(text)} is out of range (years 1 to 9999)") from None


def _duration_ago(text: str, raw: str) -> timedelta:
    """A duration, for a time given as that long ago; refused as a time when it is neither."""
    try:
        return parse_duration(raw)
    except InvalidData:
        raise InvalidData(f"{shown(text)} is not a time ({TIME_EXAMPLES})") from None


def parse_last_moment(text: str, now: datetime) -> datetime:
    """An inclusive end: a day means through the end of that day (23:59:59.999999 UTC)."""
    moment = parse_when(text, now, end_of_day=True)
    if _day(text.strip(), now) is not None:
        moment -= timedelta(microseconds=1)
    return moment
