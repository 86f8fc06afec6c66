"""Review windows are London hours and London days, so the days the clocks change have 23 and
25 hours, and the hour that happens twice is reviewed twice, once for each."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from audit.review.windows import DAY, HOUR, window_after, window_floor, windows_between

LONDON = ZoneInfo("Europe/London")
FORWARD = datetime(2027, 3, 28, tzinfo=LONDON)  # 01:00 GMT becomes 02:00 BST
BACK = datetime(2027, 10, 31, tzinfo=LONDON)  # 02:00 BST becomes 01:00 GMT


def _length(window) -> timedelta:
    return window.end.astimezone(UTC) - window.start.astimezone(UTC)


def test_it_makes_the_day_the_clocks_go_forward_23_hours_long():
    window = window_after(FORWARD, DAY)
    assert _length(window) == timedelta(hours=23)
    assert window.end == datetime(2027, 3, 29, tzinfo=LONDON)


def test_it_makes_the_day_the_clocks_go_back_25_hours_long():
    assert _length(window_after(BACK, DAY)) == timedelta(hours=25)


def test_it_reviews_23_hours_and_25_hours_on_those_days():
    for day, hours in ((FORWARD, 23), (BACK, 25)):
        windows = list(windows_between(day, day + timedelta(days=1), HOUR))
        assert len(windows) == hours
        assert all(_length(window) == timedelta(hours=1) for window in windows)


def test_it_keeps_the_repeated_hour_apart_from_the_first():
    first = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 01:30 GMT
    floors = [window_floor(moment, HOUR).astimezone(UTC) for moment in (first, second)]
    assert floors == [
        datetime(2027, 10, 31, 0, 0, tzinfo=UTC),
        datetime(2027, 10, 31, 1, 0, tzinfo=UTC),
    ]


def test_it_puts_a_moment_in_the_london_day_it_happened():
    late_in_summer = datetime(2027, 6, 4, 23, 30, tzinfo=UTC)  # Saturday 00:30 in London
    assert window_floor(late_in_summer, DAY) == datetime(2027, 6, 5, tzinfo=LONDON)
