"""Appointments in time: local times people type in a time zone, durations, the overlap rule,
and the days and weeks an agenda shows. Pure: `now` and the zone are passed in; every instant
handed back is an aware UTC datetime.

Local times. `2026-12-03T09:00`, `2026-12-03 09:00` (seconds allowed), or `today 14:00`,
`tomorrow 09:30`, are read as wall-clock times in the zone. An explicit offset
(`2026-12-03T09:00+01:00`, `...Z`) names the instant itself. A wall-clock time the clocks skip
(spring forward: 02:30 on 2027-03-28 in Europe/Berlin) does not exist and is refused. One the
clocks pass twice (fall back: 02:30 on 2026-10-25 in Europe/Berlin) is taken as the first of
the two (fold=0, still summer time) and the caller is told so; an explicit offset picks the
other.

Spans are half-open, [start, end): an appointment ending at 11:00 and one starting at 11:00
do not overlap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from ordercli.domain.errors import InvalidData
from ordercli.domain.times import parse_duration
from ordercli.domain.validation import shown

# What an appointment books (as the schema's check constraint lists them).
RESOURCE_KINDS = ("technician", "van", "room", "other")
APPOINTMENT_STAGES = ("booked", "completed", "canceled")
MAX_TEXT = 40  # longer than any time or zone a person types; checked before parsing
# An appointment lasts at most this long: a van or a room booked for a month is plausible,
# a year is a typo.
MAX_APPOINTMENT = timedelta(days=31)
LAST_YEAR = 9998  # an appointment (and its week, 31 days long at most) stays inside what dates can hold
TIME_EXAMPLES = "examples: 2026-12-03T09:00, 2026-12-03 09:00, 2026-12-03T09:00+01:00, tomorrow 09:00"
DAY_EXAMPLES = "examples: 2026-12-03, today, tomorrow"
ZONE_EXAMPLES = "examples: Europe/Berlin, America/New_York, UTC"
DAY_WORDS = {"yesterday": -1, "today": 0, "tomorrow": 1}
_KEY = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")  # an IANA key: Europe/Berlin, Etc/GMT+1
_DAY_AND_CLOCK = re.compile(r"^(today|tomorrow|yesterday)[ T]+(\d{1,2}:\d{2}(:\d{2})?)$", re.IGNORECASE)


# -- time zones ------------------------------------------------------------------------------


def load_zone(name: str, source: str):
    """The IANA time zone `name` (Europe/Berlin, UTC), its case forgiven; `source` names where
    it came from in the refusal (--tz, ORDERCLI_TZ, TZ). A zoneinfo.ZoneInfo."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    raw = (name or "").strip()
    refusal = InvalidData(f"{source} {shown(name)} is not a time zone ({ZONE_EXAMPLES})")
    if not raw or len(raw) > 64 or not raw.isascii() or not _KEY.fullmatch(raw) or ".." in raw:
        raise refusal
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    from zoneinfo import available_timezones

    matches = [key for key in available_timezones() if key.lower() == raw.lower()]
    if len(matches) == 1:
        return ZoneInfo(matches[0])
    raise refusal


def zone_name(zone: tzinfo) -> str:
    """How messages and JSON name a zone: its IANA key."""
    return getattr(zone, "key", None) or str(zone)


# -- reading times and durations ---------------------------------------------------------------


@dataclass(frozen=True)
class LocalTime:
    """An instant read from what someone typed: `at` in UTC, and a `note` when the wall-clock
    time was ambiguous (which of the two was taken, and how to get the other)."""

    at: datetime
    note: str | None = None


def parse_local_time(text: str, zone: tzinfo, now: datetime) -> LocalTime:
    """A date and time of day, as a wall-clock time in `zone` (see the module docstring)."""
    raw = (text or "").strip()
    if not raw or len(raw) > MAX_TEXT or not raw.isascii():
        raise InvalidData(f"{shown(text)} is not a date and time ({TIME_EXAMPLES})")
    words = _DAY_AND_CLOCK.fullmatch(raw)
    try:
        if words:
            day = now.astimezone(zone).date() + timedelta(days=DAY_WORDS[words.group(1).lower()])
            hour, rest = words.group(2).split(":", 1)
            clock = time.fromisoformat(f"{int(hour):02d}:{rest}")
            moment = datetime.combine(day, clock)
        else:
            moment = datetime.fromisoformat(raw[:-1] + "Z" if raw.endswith("z") else raw)
    except ValueError:
        raise InvalidData(f"{shown(text)} is not a date and time ({TIME_EXAMPLES})") from None
    if not words and ("T" not in raw.upper() and " " not in raw):
        raise InvalidData(f"{shown(text)} has no time of day: an appointment starts at a time ({TIME_EXAMPLES})")
    if moment.second or moment.microsecond:
        raise InvalidData(f"{shown(text)}: appointments start on a whole minute (give HH:MM)")
    if not 1 < moment.year <= LAST_YEAR:
        raise InvalidData(f"{shown(text)} is out of range (years 2 to {LAST_YEAR})")
    if moment.tzinfo is not None:  # an explicit offset names the instant
        try:
            return LocalTime(moment.astimezone(timezone.utc))
        except OverflowError:
            raise InvalidData(f"{shown(text)} is out of range") from None
    return wall_clock(moment, zone)


def wall_clock(naive: datetime, zone: tzinfo) -> LocalTime:
    """The instant of a wall-clock time in `zone`: refused if the clocks skip it, the first of
    the two (with a note) if they pass it twice."""
    try:
        first = naive.replace(tzinfo=zone, fold=0)
        second = naive.replace(tzinfo=zone, fold=1)
        first_utc, second_utc = first.astimezone(timezone.utc), second.astimezone(timezone.utc)
    except OverflowError:
        raise InvalidData(f"{naive:%Y-%m-%d %H:%M} is out of range") from None
    clock, day, name = f"{naive:%H:%M}", f"{naive:%Y-%m-%d}", zone_name(zone)
    if first_utc.astimezone(zone).replace(tzinfo=None) != naive:
        start, end = _gap(first_utc, second_utc, zone)
        raise InvalidData(f"{clock} on {day} does not exist in {name} (the clocks go forward): "
                          f"{start:%H:%M} becomes {end:%H:%M}")
    if first_utc != second_utc:
        offset = _offset_text(second.utcoffset())
        return LocalTime(first_utc, f"{clock} on {day} happens twice in {name} (the clocks go back): taken as the "
                                    f"first, {first:%H:%M %Z} ({_offset_text(first.utcoffset())}); for the second "
                                    f"give {day}T{clock}{offset}")
    return LocalTime(first_utc)


def _gap(after: datetime, before: datetime, zone: tzinfo) -> tuple[datetime, datetime]:
    """The wall-clock times where a skipped stretch starts and where it ends. `before` and
    `after` (UTC) lie on either side of the change; the change is found to the minute."""
    low, high = min(after, before), max(after, before)
    change = high.astimezone(zone).utcoffset()
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            break
        if middle.astimezone(zone).utcoffset() == change:
            high = middle
        else:
            low = middle
    before_offset = low.astimezone(zone).utcoffset()
    return (high + before_offset).replace(tzinfo=None), high.astimezone(zone).replace(tzinfo=None)


def _offset_text(offset: timedelta | None) -> str:
    minutes = int((offset or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def parse_appointment_duration(text: str) -> timedelta:
    """How long an appointment lasts: `2h`, `90m`, `1h30m`, `1d`; more than nothing, at most
    MAX_APPOINTMENT, in whole minutes."""
    try:
        duration = parse_duration(text or "")
    except InvalidData:
        if _is_zero(text or ""):
            raise InvalidData(f"{shown(text)} is no time at all: an appointment lasts a while "
                              "(examples: 30m, 2h, 1h30m)") from None
        raise
    if duration > MAX_APPOINTMENT:
        raise InvalidData(f"{shown(text)} is too long for an appointment (at most {MAX_APPOINTMENT.days} days)")
    if duration % timedelta(minutes=1):
        raise InvalidData(f"{shown(text)} is not a whole number of minutes")
    return duration


def _is_zero(text: str) -> bool:
    """Whether a duration reads as nothing at all (`0m`, `0h`, `0 minutes`)."""
    from pytimeparse.timeparse import timeparse

    raw = text.strip()
    return len(raw) <= MAX_TEXT and raw.isascii() and any(c.isalpha() for c in raw) and timeparse(raw) == 0


def check_future(start: datetime, now: datetime, zone: tzinfo) -> None:
    """An appointment is booked (or moved) to a time still to come."""
    if start < now:
        raise InvalidData(f"{local_text(start, zone)} ({zone_name(zone)}) is in the past: "
                          "an appointment is booked for a time to come")


# -- spans -------------------------------------------------------------------------------------


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two half-open spans [start, end) share a moment: back-to-back ones do not."""
    return start < other_end and other_start < end


def parse_day(text: str, zone: tzinfo, now: datetime) -> date:
    """A calendar day: an ISO date, or today, tomorrow, yesterday (in `zone`)."""
    raw = (text or "").strip()
    if raw.lower() in DAY_WORDS:
        return now.astimezone(zone).date() + timedelta(days=DAY_WORDS[raw.lower()])
    if len(raw) > MAX_TEXT or not raw.isascii():
        raise InvalidData(f"{shown(text)} is not a day ({DAY_EXAMPLES})")
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise InvalidData(f"{shown(text)} is not a day ({DAY_EXAMPLES})") from None
    if not 1 < day.year <= LAST_YEAR:
        raise InvalidData(f"{shown(text)} is out of range (years 2 to {LAST_YEAR})")
    return day


def _midnight(day: date, zone: tzinfo) -> datetime:
    """The first moment of a local day, in UTC (where midnight itself is skipped, the moment the
    day starts after the change)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def day_window(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local day as a UTC span [start, end): 23 or 25 hours on the days the clocks change."""
    return _midnight(day, zone), _midnight(day + timedelta(days=1), zone)


def week_window(day: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The local ISO week (Monday to Sunday) that holds `day`, as a UTC span [start, end)."""
    monday = day - timedelta(days=day.weekday())
    return _midnight(monday, zone), _midnight(monday + timedelta(days=7), zone)


# -- showing times -------------------------------------------------------------------------------


def local_text(moment: datetime, zone: tzinfo) -> str:
    """`Thu 2026-12-03 09:00` in `zone`."""
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M")


def span_text(start: datetime, end: datetime, zone: tzinfo) -> str:
    """`Thu 2026-12-03 09:00-11:00`, or both days in full when it ends on another day."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    if local_start.date() == local_end.date():
        return f"{local_text(start, zone)}-{local_end:%H:%M}"
    return f"{local_text(start, zone)} - {local_text(end, zone)}"


def local_iso(moment: datetime | None, zone: tzinfo) -> str | None:
    """ISO 8601 with the zone's offset at that moment: 2026-12-03T09:00:00+01:00."""
    if moment is None:
        return None
    return moment.astimezone(zone).isoformat(timespec="seconds")
