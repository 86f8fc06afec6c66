"""Calendar arithmetic the directory's rules share."""

from datetime import date


def years_after(day: date, years: int) -> date:
    """``day`` moved by ``years`` (negative: back); 29 February becomes the 28th in a year
    without one (a child born then is 18 on 1 March, the day after)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
