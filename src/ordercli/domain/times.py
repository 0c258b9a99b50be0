"""Reading times and durations people type. `now` is always passed in; everything is UTC."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from ordercli.domain.errors import InvalidData
from ordercli.domain.validation import shown

_DURATION = re.compile(r"([0-9]+) *(s|m|min|h|d|w)")
_UNITS = {"s": "seconds", "m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'90m', '2h', '3d', '1w' as a timedelta (a positive one)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match or not match.group(1).strip("0"):
        raise InvalidData(f"{shown(text)} is not a duration (examples: 30m, 2h, 3d, 1w)")
    digits = match.group(1).lstrip("0")
    amount = int(digits) if len(digits) <= 6 else None  # int() of thousands of digits fails
    if amount is None or amount > 100_000:
        raise InvalidData(f"{shown(text)} is too long a duration")
    return timedelta(**{_UNITS[match.group(2)]: amount})


def parse_when(text: str, now: datetime, *, end_of_day: bool = False) -> datetime:
    """A point in time: a date (midnight UTC, or the next midnight with `end_of_day`), an ISO
    datetime (UTC unless it has an offset), or a duration ago ('2h')."""
    raw = text.strip()
    if _DURATION.fullmatch(raw.lower()):
        try:
            return now - parse_duration(raw)
        except OverflowError:
            raise InvalidData(f"{shown(text)} is too long ago") from None
    try:
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
            try:
                day = date.fromisoformat(raw)
            except ValueError:
                raise InvalidData(f"{shown(text)} is not a date") from None
            moment = datetime(day.year, day.month, day.day, tzinfo=timezone.utc)
            return moment + timedelta(days=1) if end_of_day else moment
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise InvalidData(
                f"{shown(text)} is not a time (examples: 2026-11-28, 2026-11-28T14:30, 2026-11-28T14:30+01:00, 2h)"
            ) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidData(f"{shown(text)} is out of range (years 1 to 9999)") from None


def parse_last_moment(text: str, now: datetime) -> datetime:
    """An inclusive end: a date means through the end of that day (23:59:59.999999 UTC)."""
    moment = parse_when(text, now, end_of_day=True)
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
        moment -= timedelta(microseconds=1)
    return moment
