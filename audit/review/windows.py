"""Time windows of review: local hours and local days.

Days are local (Europe/London) because "off-hours" and "today" are local ideas; a day window
runs from one local midnight to the next, so it is 23 or 25 hours long on the days the clocks
change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

HOUR = "hour"
DAY = "day"


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def day(self) -> date:
        """The local day the window starts in."""
        return self.start.astimezone(_zone()).date()


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def window_floor(moment: datetime, kind: str) -> datetime:
    """The start of the window of ``kind`` that holds ``moment``."""
    local = moment.astimezone(_zone())
    if kind == HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    return datetime.combine(local.date(), time(), tzinfo=_zone())


def window_after(start: datetime, kind: str) -> Window:
    """The window of ``kind`` that begins at ``start`` (a window boundary)."""
    if kind == HOUR:
        end = (start.astimezone(ZoneInfo("UTC")) + timedelta(hours=1)).astimezone(_zone())
    else:
        next_day = start.astimezone(_zone()).date() + timedelta(days=1)
        end = datetime.combine(next_day, time(), tzinfo=_zone())
    return Window(start=start, end=end)


def windows_between(start: datetime, horizon: datetime, kind: str) -> Iterator[Window]:
    """Whole windows from ``start`` that end no later than ``horizon``, in order."""
    window = window_after(start, kind)
    while window.end <= horizon:
        yield window
        window = window_after(window.end, kind)
